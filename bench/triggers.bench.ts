import type { HubEvent, Severity } from '../src/events/event.types.js';
import { TriggerSet } from '../src/triggers/firing/trigger-set.js';
import type { Matcher } from '../src/triggers/matching/trigger-filter.js';
import type { TriggerEntity } from '../src/triggers/trigger.entity.js';
import { signedReceiver } from './signed-receiver.js';
import { ADMIN, api, benchDatabase, percentile, startApp, table, writeResults } from './support.js';

/**
 * Two figures from issue 12: (1) matching cost per event with 1,000 enabled triggers of mixed
 * matchers, 10% with regexes, in process on one core; (2) publish-to-receiver latency through
 * the real app at 500 events/s, each event matching one of 50 triggers (500 signed
 * deliveries/s), with the other 950 triggers installed and not matching.
 */
const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 1000);
const MATCH_EVENTS = Number(process.env.BENCH_MATCH_EVENTS ?? 50_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MATCHING = 50;
const SEVERITIES: Severity[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical'];
const TYPES = [
  'backup.failed',
  'backup.done',
  'disk.full',
  'ups.on-battery',
  'log.match',
  'job.failed',
];
const SOURCES = Array.from({ length: 40 }, (_, i) => `host-${i}`);

/** The mix an operator's set looks like: most triggers pin a type or source, some only data. */
function syntheticTrigger(i: number): { matchers: Matcher[]; filter: TriggerEntity['filter'] } {
  const matchers: Matcher[] = [];
  const filter: TriggerEntity['filter'] = {};
  switch (i % 5) {
    case 0:
    case 1:
      matchers.push({ label: 'type', op: '=', value: TYPES[i % TYPES.length] });
      break;
    case 2:
      matchers.push({ label: 'source', op: '=', value: SOURCES[i % SOURCES.length] });
      break;
    case 3:
      filter.severity = 'error, critical';
      filter.source = `${SOURCES[i % SOURCES.length]}, ${SOURCES[(i + 7) % SOURCES.length]}`;
      break;
    default:
      filter.severityAtLeast = 'warning';
      matchers.push({ label: 'data.code', op: '=', value: String(i % 1000) });
  }
  // 10% use a regex: half an anchored matcher on type-pinned triggers, half the
  // messageRegex shorthand on triggers every event is tested against.
  if (i % 20 === 0)
    matchers.push({ label: 'data.message', op: '=~', value: `.*(disk|volume) ${i % 7} .*full.*` });
  else if (i % 20 === 3) filter.messageRegex = `timed? out after ${i % 13}`;
  return { matchers, filter };
}

function syntheticEvent(i: number): HubEvent {
  const now = new Date();
  return {
    id: String(i),
    type: TYPES[i % TYPES.length],
    source: SOURCES[(i * 7) % SOURCES.length],
    subject: `item-${i % 100}`,
    severity: SEVERITIES[i % SEVERITIES.length],
    origin: null,
    data: {
      message: `backup of volume ${i % 9}: disk ${i % 7} is 97% full, request timed out after ${i % 13}s`,
      code: i % 1000,
    },
    occurredAt: now,
    createdAt: now,
    tx: '0',
  };
}

function matchingCost() {
  const rows = Array.from({ length: TRIGGERS }, (_, i) => ({
    id: `t${i}`,
    name: `t${i}`,
    description: '',
    enabled: true,
    ...syntheticTrigger(i),
    actionUrl: '',
    secretSealed: '',
    headers: {},
    signature: { scheme: 'standard-webhooks' },
    payloadFormat: 'tiny-forge',
    targetId: `target-${i}`,
    repeatIntervalMs: 0,
    groupBy: [],
    createdAt: new Date(0),
    updatedAt: new Date(0),
  })) as TriggerEntity[];
  const compileStarted = performance.now();
  const set = new TriggerSet(rows);
  const compileMs = performance.now() - compileStarted;
  const events = Array.from({ length: 1000 }, (_, i) => syntheticEvent(i));
  for (let i = 0; i < 5000; i++) set.matching(events[i % events.length]); // warm-up (JIT)
  const perBatch: number[] = [];
  let matches = 0;
  // CPU time as well as wall time: on a shared machine the wall clock includes waiting for a core.
  const cpu0 = process.cpuUsage();
  for (let done = 0; done < MATCH_EVENTS; done += events.length) {
    const t0 = performance.now();
    for (const e of events) matches += set.matching(e).length;
    perBatch.push((performance.now() - t0) / events.length);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerEvent = (cpu.user + cpu.system) / 1000 / (perBatch.length * events.length);
  const sorted = [...perBatch].sort((a, b) => a - b);
  return {
    triggers: TRIGGERS,
    regexTriggers: rows.filter(
      (r) => r.matchers.some((m) => m.op === '=~') || r.filter.messageRegex,
    ).length,
    events: perBatch.length * events.length,
    compileMs,
    meanMsPerEvent: perBatch.reduce((a, b) => a + b, 0) / perBatch.length,
    cpuMsPerEvent,
    p99MsPerEventOfBatches: percentile(sorted, 99),
    matchesPerEvent: matches / (perBatch.length * events.length),
  };
}

async function endToEnd() {
  const db = await benchDatabase();
  const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
  const received: number[] = [];
  const receiver = await signedReceiver(secret, (payload, at) =>
    received.push(at - (payload as { event: { data: { sentAt: number } } }).event.data.sentAt),
  );
  const url = `${receiver.url}/hook`;
  const app = await startApp({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123',
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    WEBHOOK_POLL_MS: '200',
  });
  try {
    // 50 triggers that match (one per source), the rest of the 1,000 never match these events.
    for (let i = 0; i < TRIGGERS; i++) {
      const filter =
        i < MATCHING
          ? { source: `paced-${i}` }
          : { ...syntheticTrigger(i).filter, source: `idle-${i}` };
      await api(app.url, 'POST', '/triggers', {
        name: `bench ${i}`,
        matchers: i < MATCHING ? [] : syntheticTrigger(i).matchers,
        filter,
        action: { type: 'webhook', url, secret },
      });
    }
    const publish = (n: number, offset: number) =>
      api(
        app.url,
        'POST',
        '/events',
        Array.from({ length: n }, (_, k) => ({
          type: 'bench.paced',
          source: `paced-${(offset + k) % MATCHING}`,
          severity: 'error',
          data: { sentAt: Date.now(), message: 'disk 3 is 97% full' },
        })),
      );
    await publish(100, 0); // warm-up
    while (received.length < 100) await new Promise((r) => setTimeout(r, 10));
    received.length = 0;

    const perTick = Math.round(RATE / 10);
    const started = Date.now();
    for (let tick = 0; tick < SECONDS * 10; tick++) {
      await publish(perTick, tick * perTick);
      await new Promise((r) => setTimeout(r, Math.max(0, started + (tick + 1) * 100 - Date.now())));
    }
    const expected = SECONDS * 10 * perTick;
    const deadline = Date.now() + 120_000;
    while (received.length < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const seconds = (Date.now() - started) / 1000;
    const sorted = [...received].sort((a, b) => a - b);
    return {
      triggers: TRIGGERS,
      matchingTriggers: MATCHING,
      eventsPerSecondOffered: perTick * 10,
      deliveries: received.length,
      expected,
      deliveriesPerSecond: received.length / seconds,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      signatureFailures: receiver.failures,
    };
  } finally {
    app.process.kill('SIGTERM');
    await app.exited;
    await receiver.close();
    await db.stop();
  }
}

export async function runTriggersBench(): Promise<void> {
  const matching = matchingCost();
  console.log(
    table([
      {
        scenario: `matching: ${matching.triggers} triggers (${matching.regexTriggers} with regexes), ${matching.events} events, one core`,
        'mean ms/event': matching.meanMsPerEvent.toFixed(4),
        'cpu ms/event': matching.cpuMsPerEvent.toFixed(4),
        'p99 ms/event (per 1,000-event batch)': matching.p99MsPerEventOfBatches.toFixed(4),
        'matches/event': matching.matchesPerEvent.toFixed(1),
        'compile ms': matching.compileMs.toFixed(0),
      },
    ]),
  );
  if (process.env.BENCH_MATCHING_ONLY) return;
  const e2e = await endToEnd();
  console.log(
    table([
      {
        scenario: `publish-to-receiver: ${e2e.eventsPerSecondOffered} events/s for ${SECONDS}s, each matching 1 of ${e2e.matchingTriggers} triggers (${e2e.triggers} installed)`,
        delivered: `${e2e.deliveries}/${e2e.expected}`,
        'deliveries/s': e2e.deliveriesPerSecond.toFixed(0),
        'p50 ms': e2e.p50,
        'p95 ms': e2e.p95,
        'p99 ms': e2e.p99,
      },
    ]),
  );
  if (e2e.signatureFailures) console.log(`signature failures: ${e2e.signatureFailures}`);
  const file = writeResults('triggers', {
    matching,
    endToEnd: e2e,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  });
  console.log(`results: ${file}`);
}
