import { runIdleBench } from './idle.bench.js';
import { runLogScanBench } from './logscan.bench.js';
import { runPartitioningBench } from './partitioning.bench.js';
import { runIntegrationsBench } from './integrations.bench.js';
import { runCalendarBench } from './calendar.bench.js';
import { runCalendarScaleBench } from './calendar-scale.bench.js';
import { runSyncSlowClientsBench } from './sync-slow-clients.bench.js';
import { runSoakBench } from './soak.bench.js';
import { runSyncBench } from './sync.bench.js';
import { runTestingKitBench } from './testing-kit.bench.js';
import { runTriggersBench } from './triggers.bench.js';
import { runWebhooksBench } from './webhooks.bench.js';

/** `npm run bench -- <scenario>`: prints a table and writes JSON under bench/results/. */
const scenarios: Record<string, () => Promise<void>> = {
  webhooks: runWebhooksBench,
  sync: runSyncBench,
  'sync-slow-clients': runSyncSlowClientsBench,
  'testing-kit': runTestingKitBench,
  triggers: runTriggersBench,
  logscan: runLogScanBench,
  integrations: runIntegrationsBench,
  calendar: runCalendarBench,
  'calendar-scale': runCalendarScaleBench,
  partitioning: runPartitioningBench,
  soak: runSoakBench,
  idle: runIdleBench,
};

const name = process.argv[2] ?? 'webhooks';
const run = scenarios[name];
if (!run) {
  console.error(`unknown bench "${name}"; available: ${Object.keys(scenarios).join(', ')}`);
  process.exit(1);
}
run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
