import { Agent, request as httpRequest } from 'node:http';
import { sign } from '../src/webhooks/signature.js';
import { signedReceiver, type SignedReceiver } from './signed-receiver.js';
import {
  api,
  benchAppEnv,
  benchDatabase,
  percentile,
  startApp,
  table,
  writeResults,
} from './support.js';

/**
 * Publish events through POST /events to E endpoints on a loopback receiver that verifies
 * every signature; measure deliveries/s and publish-to-receive latency, plus the receiver's
 * own ceiling with a plain loop of signed POSTs.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 10);
const PACED_RATES = (process.env.BENCH_PACED_RATES ?? '500,2000').split(',').map(Number);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);

interface Receiver extends SignedReceiver {
  received: { at: number; sentAt: number }[];
  secret: string;
}

async function receiver(secret: string): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const r = await signedReceiver(secret, (payload, at) =>
    received.push({ at, sentAt: (payload as { data: { sentAt?: number } }).data.sentAt ?? 0 }),
  );
  return Object.assign(r, { received, secret });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function latencies(samples: { at: number; sentAt: number }[]) {
  const sorted = samples.map((s) => s.at - s.sentAt).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

async function ceiling(r: Receiver, seconds: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({
    type: 'ceiling.test',
    timestamp: new Date().toISOString(),
    data: { sentAt: 0 },
  });
  const url = new URL(r.url + '/ceiling');
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const ts = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'webhook-id': `msg_${done}`,
        'webhook-timestamp': String(ts),
        'webhook-signature': sign([r.secret], `msg_${done}`, ts, body),
      };
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(body);
      });
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return done / ((Date.now() - started) / 1000);
}

/** Publishes `rate` deliveries/s for PACED_SECONDS in 100 ms ticks; measures what arrived. */
async function pacedRun(base: string, r: Receiver, rate: number) {
  const eventsPerTick = Math.max(1, Math.round(rate / ENDPOINTS / 10));
  const ticks = PACED_SECONDS * 10;
  const started = Date.now();
  for (let tick = 0; tick < ticks; tick++) {
    const due = started + (tick + 1) * 100;
    await api(
      base,
      'POST',
      '/events',
      Array.from({ length: eventsPerTick }, () => ({
        type: 'bench.paced',
        source: 'bench',
        data: { sentAt: Date.now() },
      })),
    );
    await new Promise((res) => setTimeout(res, Math.max(0, due - Date.now())));
  }
  const expected = ticks * eventsPerTick * ENDPOINTS;
  await waitFor(() => r.received.length >= expected, 120000);
  // Not Math.max(...): a long run's arrivals overflow the call stack as arguments.
  const last = r.received.reduce((max, x) => Math.max(max, x.at), 0);
  return {
    offered: eventsPerTick * ENDPOINTS * 10,
    deliveries: r.received.length,
    // Delivered over the whole window, from the first publish to the last arrival.
    perSecond: r.received.length / ((last - started) / 1000),
    ...latencies(r.received),
  };
}

export async function runWebhooksBench(): Promise<void> {
  const db = await benchDatabase();
  const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
  const r = await receiver(secret);
  const app = await startApp({
    ...benchAppEnv(db.url),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    EVENT_CONSUMER_BATCH_SIZE: '500',
    WEBHOOK_POLL_MS: '200',
  });
  try {
    for (let e = 0; e < ENDPOINTS; e++)
      await api(app.url, 'POST', '/webhooks/endpoints', {
        url: `${r.url}/e${e}`,
        eventTypes: ['bench.*'],
        secret,
      });

    // Warm-up: connections, JIT, plan caches.
    await api(
      app.url,
      'POST',
      '/events',
      Array.from({ length: 50 }, () => ({
        type: 'bench.warmup',
        source: 'bench',
        data: { sentAt: Date.now() },
      })),
    );
    await waitFor(() => r.received.length >= 50 * ENDPOINTS, 60000);
    r.received.length = 0;

    // 1. Throughput: publish everything as fast as the API takes it.
    const started = Date.now();
    for (let i = 0; i < EVENTS; i += 500) {
      const n = Math.min(500, EVENTS - i);
      await api(
        app.url,
        'POST',
        '/events',
        Array.from({ length: n }, () => ({
          type: 'bench.burst',
          source: 'bench',
          data: { sentAt: Date.now() },
        })),
      );
    }
    await waitFor(() => r.received.length >= EVENTS * ENDPOINTS, 300000);
    const burstSeconds = (Date.now() - started) / 1000;
    const burst = {
      deliveries: r.received.length,
      seconds: burstSeconds,
      perSecond: r.received.length / burstSeconds,
      ...latencies(r.received),
    };
    r.received.length = 0;

    // 2. Paced: each rate (events/s x endpoints) held for PACED_SECONDS; a rate is sustained
    // when everything arrives and latency stays flat instead of growing with a queue.
    const paced = [];
    for (const rate of PACED_RATES) {
      paced.push(await pacedRun(app.url, r, rate));
      r.received.length = 0;
    }

    // 3. The receiver's ceiling: signed POSTs in a loop, no hub in between.
    const ceilingPerSecond = await ceiling(r, 5, 50);

    const rows = [
      {
        scenario: `burst: ${EVENTS} events x ${ENDPOINTS} endpoints`,
        'deliveries/s': burst.perSecond.toFixed(0),
        'p50 ms': burst.p50,
        'p95 ms': burst.p95,
        'p99 ms': burst.p99,
      },
      ...paced.map((p) => ({
        scenario: `paced: ${p.offered} deliveries/s offered for ${PACED_SECONDS}s`,
        'deliveries/s': p.perSecond.toFixed(0),
        'p50 ms': p.p50,
        'p95 ms': p.p95,
        'p99 ms': p.p99,
      })),
      {
        scenario: 'receiver ceiling: plain signed POST loop (50 conns)',
        'deliveries/s': ceilingPerSecond.toFixed(0),
        'p50 ms': '-',
        'p95 ms': '-',
        'p99 ms': '-',
      },
    ];
    console.log(table(rows));
    if (r.failures) console.log(`signature failures: ${r.failures}`);
    const file = writeResults('webhooks', {
      events: EVENTS,
      endpoints: ENDPOINTS,
      burst,
      paced,
      ceilingPerSecond,
      signatureFailures: r.failures,
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
    });
    console.log(`results: ${file}`);
  } finally {
    app.process.kill('SIGTERM');
    await app.exited;
    await r.close();
    await db.stop();
  }
}
