import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { percentile, ROOT, table, writeResults } from './support.js';

const WARM_STARTS = 5;
const KIT_URL = pathToFileURL(path.join(ROOT, 'dist/src/testing/index.js')).href;

/**
 * How long the testing kit takes to give a suite a hub (docs/testing.md): the cold path (the
 * kit's modules loaded, an embedded PostgreSQL initialised and started, the template
 * migrated: what a Jest run's globalSetup pays once) and the warm path (a fresh database
 * cloned from the template and a hub booted on it: what each test file pays).
 */
export async function runTestingKitBench(): Promise<void> {
  delete process.env.IH_TEST_ADMIN_URL;
  delete process.env.IH_TEST_TEMPLATE_DB;
  // Timed in a fresh process: this one has already loaded most of the hub's modules.
  const importMs = Number(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(KIT_URL)}); console.log(performance.now() - t);`,
      ],
      { encoding: 'utf8' },
    ).trim(),
  );
  const kit = await import('../src/testing/index.js');
  const { acquireTestServer } = await import('../src/testing/test-database.js');

  let t = performance.now();
  const server = await acquireTestServer(); // holds the embedded server across the warm starts
  const coldDbMs = performance.now() - t;

  t = performance.now();
  const first = await kit.startHub();
  const firstHubMs = performance.now() - t;
  await first.stop();

  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < WARM_STARTS; i++) {
    t = performance.now();
    const hub = await kit.startHub();
    starts.push(performance.now() - t);
    await hub.publish({ type: 'bench.kit', source: 'bench' });
    t = performance.now();
    await hub.stop();
    stops.push(performance.now() - t);
  }
  await server.release();
  starts.sort((a, b) => a - b);
  stops.sort((a, b) => a - b);

  const ms = (n: number) => `${Math.round(n)} ms`;
  const rows = [
    { step: 'load the kit (import)', time: ms(importMs) },
    { step: 'cold: embedded PostgreSQL initdb + start + migrated template', time: ms(coldDbMs) },
    { step: 'first hub of the process (clone + boot)', time: ms(firstHubMs) },
    {
      step: `warm hub start, median of ${WARM_STARTS} (clone + boot)`,
      time: ms(percentile(starts, 50)),
    },
    { step: `warm hub start, max of ${WARM_STARTS}`, time: ms(starts[starts.length - 1]) },
    { step: `hub stop, median of ${WARM_STARTS}`, time: ms(percentile(stops, 50)) },
  ];
  console.log(table(rows));
  console.log(
    `results: ${writeResults('testing-kit', { importMs, coldDbMs, firstHubMs, starts, stops })}`,
  );
}
