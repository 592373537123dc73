import request from 'supertest';
import { DataSource } from 'typeorm';
import { AfterCommit } from '../../src/database/after-commit.js';
import { createRule, sendLines } from '../log-scan/helpers.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createTrigger, FAST_WEBHOOKS, publish, uniqueName } from './helpers.js';

/** A token bucket of 2 refilled at 1/s, so which hits it drops is decided by the test. */
const ENV = { ...FAST_WEBHOOKS, LOGSCAN_SOURCE_RATE: '1', LOGSCAN_SOURCE_BURST: '2' };

const NAMES: [string, 'counter' | 'histogram' | 'gauge'][] = [
  ['trigger_events_evaluated_total', 'counter'],
  ['trigger_matches_total', 'counter'],
  ['trigger_firings_total', 'counter'],
  ['trigger_delivery_failures_total', 'counter'],
  ['trigger_match_seconds', 'histogram'],
  ['trigger_slow_matches_total', 'counter'],
  ['trigger_test_sends_total', 'counter'],
  ['log_scan_lines_total', 'counter'],
  ['log_scan_lines_truncated_total', 'counter'],
  ['log_scan_lines_unscanned_total', 'counter'],
  ['log_scan_batches_over_budget_total', 'counter'],
  ['log_scan_lines_matched_total', 'counter'],
  ['log_scan_hits_total', 'counter'],
  ['log_scan_events_total', 'counter'],
  ['log_scan_drops_total', 'counter'],
  ['log_scan_failing_rules', 'gauge'],
];

interface Scrape {
  text: string;
  /** A sample's value (`name{label="v"}` as exposed); an absent sample is 0. */
  value(sample: string): number;
}

async function scrape(t: TestApp): Promise<Scrape> {
  const text = (await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200)).text;
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return { text, value: (sample) => samples.get(sample) ?? 0 };
}

/** How far each sample moved between two scrapes. */
const moved = (before: Scrape, after: Scrape, samples: string[]) =>
  Object.fromEntries(samples.map((s) => [s, after.value(s) - before.value(s)]));

describe('/metrics: triggers and log scan', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: ENV });
    admin = bearer(t.adminToken);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await t.close();
  });

  /** Resolves once the trigger consumer has read past every event logged so far. */
  async function consumerCaughtUp(): Promise<void> {
    const newest = await request(t.url).get('/events').query({ limit: 1 }).set(admin).expect(200);
    const last = newest.body.data[0]?.id as string | undefined;
    if (last === undefined) return;
    await waitFor(
      async () => {
        const consumers = await request(t.url).get('/events/consumers').set(admin);
        const c = consumers.body.find((x: { name: string }) => x.name === 'event-triggers.match');
        return c && BigInt(c.cursorEventId ?? 0) >= BigInt(last);
      },
      10_000,
      'the trigger consumer past the newest event',
    );
  }

  it('names each metric with HELP and TYPE lines', async () => {
    const { text } = await scrape(t);
    for (const [name, type] of NAMES) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(text).toContain(`\n# TYPE ${name} ${type}\n`);
    }
    // Outcomes and reasons exist at zero before anything happened, so rates are 0, not absent.
    expect(text).toMatch(/^trigger_firings_total\{outcome="suppressed"\} \d+$/m);
    expect(text).toMatch(/^log_scan_drops_total\{reason="rate_limit"\} \d+$/m);
  });

  it('counts lines in, truncated, matched, hits, events and drops by reason', async () => {
    await createRule(t, {
      name: uniqueName('disk'),
      pattern: 'disk (?P<dev>\\S+) full',
      cooldown: '1h',
    });
    await createRule(t, { name: uniqueName('oom'), pattern: 'OOMKilled' });
    const source = uniqueName('node').replace(/\W+/g, '-');
    const before = await scrape(t);
    const res = await sendLines(t, {
      source,
      lines: [
        'disk sda full', // disk: published (bucket 2 -> 1), its cooldown starts
        'disk sdb full, then OOMKilled', // disk: cooldown; oom: published (1 -> 0)
        'all fine',
        'OOMKilled again', // oom: bucket empty, rate_limit
        'x'.repeat(17 * 1024), // cut to 16 KiB, no rule
      ],
    }).expect(202);
    expect(res.body).toMatchObject({
      hits: 4,
      published: 2,
      dropped: { cooldown: 1, rateLimit: 1 },
    });
    // A refused request writes nothing and counts nothing.
    await sendLines(t, { source, lines: 'not a list' }).expect(400);
    const after = await scrape(t);
    expect(
      moved(before, after, [
        'log_scan_lines_total',
        'log_scan_lines_truncated_total',
        'log_scan_lines_matched_total',
        'log_scan_hits_total',
        'log_scan_events_total',
        'log_scan_drops_total{reason="cooldown"}',
        'log_scan_drops_total{reason="rate_limit"}',
      ]),
    ).toEqual({
      log_scan_lines_total: 5,
      log_scan_lines_truncated_total: 1,
      log_scan_lines_matched_total: 3,
      log_scan_hits_total: 4,
      log_scan_events_total: 2,
      'log_scan_drops_total{reason="cooldown"}': 1,
      'log_scan_drops_total{reason="rate_limit"}': 1,
    });
    expect(after.value('log_scan_failing_rules')).toBe(0);
  });

  it('counts evaluated events, matches, firings by outcome, exhausted deliveries and test sends', async () => {
    const ok = await Receiver.start();
    const failing = await Receiver.start((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    receivers.push(ok, failing);
    const source = uniqueName('metrics').replace(/\W+/g, '-');
    const onSource = [{ label: 'source', op: '=', value: source }];
    const silencedName = uniqueName('silenced');
    const every = await createTrigger(t, {
      matchers: onSource,
      action: { type: 'webhook', url: ok.url },
    });
    await createTrigger(t, {
      matchers: onSource,
      repeatInterval: '1h',
      action: { type: 'webhook', url: ok.url },
    });
    await createTrigger(t, {
      name: silencedName,
      matchers: onSource,
      action: { type: 'webhook', url: ok.url },
    });
    await createTrigger(t, {
      matchers: [...onSource, { label: 'subject', op: '=', value: 'first' }],
      action: { type: 'webhook', url: failing.url },
    });
    await request(t.url)
      .post('/triggers/silences')
      .set(admin)
      .send({
        matchers: [{ label: 'trigger', op: '=', value: silencedName }],
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        createdBy: 'metrics-test',
      })
      .expect(201);
    await consumerCaughtUp();
    const before = await scrape(t);

    await publish(t, [
      { type: 'disk.full', source, subject: 'first' },
      { type: 'disk.full', source, subject: 'second' },
      { type: 'disk.full', source: `${source}-other` },
    ]);
    const samples = [
      'trigger_events_evaluated_total',
      'trigger_match_seconds_count',
      'trigger_matches_total',
      'trigger_firings_total{outcome="fired"}',
      'trigger_firings_total{outcome="suppressed"}',
      'trigger_firings_total{outcome="silenced"}',
      'trigger_firings_total{outcome="undeliverable"}',
      'trigger_delivery_failures_total',
    ];
    // Wait on the counters themselves: the consumer evaluates the three events, and the
    // failing receiver's delivery is exhausted after 3 fast retries (its event is counted as a
    // failure, never evaluated: loops are impossible by construction). Any other outcome
    // shows as a difference below once the wait gives up.
    const expected = {
      trigger_events_evaluated_total: 3,
      trigger_match_seconds_count: 3,
      // every: 2, repeat interval: 2, silenced: 2, first only: 1
      trigger_matches_total: 7,
      'trigger_firings_total{outcome="fired"}': 4,
      'trigger_firings_total{outcome="suppressed"}': 1,
      'trigger_firings_total{outcome="silenced"}': 2,
      'trigger_firings_total{outcome="undeliverable"}': 0,
      trigger_delivery_failures_total: 1,
    };
    let last: Record<string, number> = {};
    await waitFor(
      async () => {
        last = moved(before, await scrape(t), samples);
        return samples.every((s) => last[s] === expected[s as keyof typeof expected]);
      },
      30_000,
      'the trigger counters to reach the expected values',
    ).catch(() => undefined);
    expect(last).toEqual(expected);

    const sends = await scrape(t);
    await request(t.url).post(`/triggers/${every.id}/test`).set(admin).send({}).expect(200);
    const closed = { type: 'webhook', url: 'http://127.0.0.1:9/closed' };
    const draft = await request(t.url)
      .post('/triggers/test')
      .set(admin)
      .send({ trigger: { name: uniqueName('draft'), action: closed } })
      .expect(200);
    expect(draft.body.ok).toBe(false);
    expect(
      moved(sends, await scrape(t), [
        'trigger_test_sends_total{kind="saved",result="ok"}',
        'trigger_test_sends_total{kind="draft",result="failed"}',
        'trigger_test_sends_total{kind="draft",result="ok"}',
      ]),
    ).toEqual({
      'trigger_test_sends_total{kind="saved",result="ok"}': 1,
      'trigger_test_sends_total{kind="draft",result="failed"}': 1,
      'trigger_test_sends_total{kind="draft",result="ok"}': 0,
    });
  });
  it('runs staged counting only after the outermost commit, and never after a rollback', async () => {
    const afterCommit = t.app.get(AfterCommit);
    const dataSource = t.app.get(DataSource);
    const ran: string[] = [];
    await expect(
      dataSource.transaction(async (m) => {
        afterCommit.run(m, () => ran.push('rolled back'));
        throw new Error('the batch failed');
      }),
    ).rejects.toThrow('the batch failed');
    await dataSource.transaction(async (m) => {
      afterCommit.run(m, () => ran.push('outer'));
      await m.transaction(async (nested) => afterCommit.run(nested, () => ran.push('nested')));
      expect(ran).toEqual([]); // the savepoint was released, nothing committed yet
    });
    expect(ran).toEqual(['outer', 'nested']);
    afterCommit.run(dataSource.manager, () => ran.push('no transaction'));
    expect(ran).toEqual(['outer', 'nested', 'no transaction']);
  });
});
