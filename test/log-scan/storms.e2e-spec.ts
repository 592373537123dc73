import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/test-app.js';
import { createRule, eventsOf, sendLines, stats } from './helpers.js';

/** A slow bucket (1 token/s, 5 at most) so the drops are decided by the test, not the clock. */
const STORM_ENV = { LOGSCAN_SOURCE_RATE: '1', LOGSCAN_SOURCE_BURST: '5' };

describe('log storms: cooldown, token bucket, counters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: STORM_ENV });
  });
  afterAll(() => t.close());

  const ruleStats = async (id: string) =>
    (await stats(t)).rules.find((r: { ruleId: string }) => r.ruleId === id);
  const sourceStats = async (source: string) =>
    (await stats(t)).sources.find((s: { source: string }) => s.source === source);
  /** Names of this test's own rules and sources: no test reads another's counters. */
  const own = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  it('publishes one hit per cooldown and counts the rest as dropped', async () => {
    const name = own('flappy');
    const [src, other] = [own('switch'), own('switch')];
    const rule = await createRule(t, {
      name,
      pattern: `link (?P<port>\\w+) down ${name}`,
      cooldown: '1h',
    });
    const first = await sendLines(t, {
      source: src,
      lines: [`link eth0 down ${name}`, `link eth0 down ${name}`, `link eth1 down ${name}`],
    }).expect(202);
    expect(first.body).toMatchObject({
      hits: 3,
      published: 1,
      dropped: { cooldown: 2, rateLimit: 0 },
    });
    // Across requests too: the cooldown is stored, not per request.
    const second = await sendLines(t, { source: src, lines: [`link eth2 down ${name}`] }).expect(
      202,
    );
    expect(second.body).toMatchObject({ published: 0, dropped: { cooldown: 1 } });
    // Per source: another source's hit is not held back by this one's cooldown.
    await sendLines(t, { source: other, lines: [`link eth0 down ${name}`] }).expect(202);
    expect((await eventsOf(t, src)).map((e) => e.data.captures)).toEqual([{ port: 'eth0' }]);
    expect(await ruleStats(rule.id)).toMatchObject({
      name,
      hits: 5,
      published: 2,
      dropped: { cooldown: 3, rateLimit: 0 },
    });
    expect(await sourceStats(src)).toMatchObject({
      linesIn: 4,
      hits: 4,
      published: 1,
      dropped: { cooldown: 3, rateLimit: 0 },
    });
  });

  it('lets a rule fire again once its cooldown has passed', async () => {
    const name = own('edited');
    const source = own('edit-src');
    const rule = await createRule(t, { name, pattern: `fan stopped ${name}`, cooldown: '1h' });
    await sendLines(t, { source, lines: [`fan stopped ${name}`] }).expect(202);
    await t.app
      .get(DataSource)
      .query(
        `UPDATE log_scan_cooldowns SET until = now() - interval '1 second' WHERE rule_id = $1`,
        [rule.id],
      );
    const res = await sendLines(t, { source, lines: [`fan stopped ${name}`] }).expect(202);
    expect(res.body.published).toBe(1);
  });

  it("drops hits beyond the source's token bucket and counts them per source and rule", async () => {
    const name = own('noisy');
    const [storm, calmSource] = [own('storm'), own('calm')];
    const rule = await createRule(t, { name, pattern: `retrying ${name}` });
    const before = await stats(t);
    const started = Date.now();
    const burst = await sendLines(t, {
      source: storm,
      lines: Array.from({ length: 12 }, (_, i) => `retrying ${name} request ${i}`),
    }).expect(202);
    // The bucket holds 5; a token that refilled (1/s) while a slow machine scanned may add one.
    const published = burst.body.published as number;
    expect(published).toBeGreaterThanOrEqual(5);
    expect(published).toBeLessThanOrEqual(5 + Math.floor((Date.now() - started) / 1000));
    expect(burst.body).toMatchObject({
      hits: 12,
      dropped: { cooldown: 0, rateLimit: 12 - published },
    });
    expect(await eventsOf(t, storm)).toHaveLength(published);
    // Another source has its own bucket.
    const calm = await sendLines(t, {
      source: calmSource,
      lines: [`retrying ${name} once`],
    }).expect(202);
    expect(calm.body.published).toBe(1);
    expect(await sourceStats(storm)).toMatchObject({
      hits: 12,
      published,
      dropped: { rateLimit: 12 - published },
    });
    expect(await ruleStats(rule.id)).toMatchObject({
      hits: 13,
      published: published + 1,
      dropped: { rateLimit: 12 - published },
    });
    // The totals moved by this test's lines at least (other suites' files have their own database).
    const all = await stats(t);
    expect(all.dropped.rateLimit - before.dropped.rateLimit).toBe(12 - published);
    expect(all.linesIn - before.linesIn).toBe(13);
  });

  it('shares one bucket between two instances on one database', async () => {
    const second = await startTestApp({ databaseUrl: t.databaseUrl, env: STORM_ENV });
    try {
      const name = own('shared-bucket');
      const source = own('two-instances');
      await createRule(t, { name, pattern: `overheat ${name}` });
      const lines = Array.from({ length: 4 }, () => `overheat ${name}`);
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          sendLines(i % 2 ? second : t, { source, lines }).expect(202),
        ),
      );
      const refilled = Math.ceil((Date.now() - started) / 1000); // 1 token per second
      const published = answers.reduce((n, r) => n + r.body.published, 0);
      // 24 hits against a bucket of 5: two instances each trusting a stale bucket would
      // publish far more than the 5 plus what refilled while the requests ran.
      expect(published).toBeGreaterThanOrEqual(5);
      expect(published).toBeLessThanOrEqual(5 + refilled);
      expect(await eventsOf(t, source)).toHaveLength(published);
    } finally {
      await second.close();
    }
  });

  it('reports a saved rule the engine refuses, and keeps scanning with the others', async () => {
    const ds = t.app.get(DataSource);
    // Written by hand, as an older engine or a manual fix could have left it.
    const [bad] = await ds.query(
      `INSERT INTO log_scan_rules (name, pattern, severity) VALUES ('legacy', '(?<=user )\\w+', 'info') RETURNING id`,
    );
    await ds.query(`UPDATE log_scan_rules_version SET version = version + 1`);
    try {
      const name = own('still-works');
      await createRule(t, { name, pattern: `segfault ${name}` });
      const res = await sendLines(t, {
        source: own('legacy-src'),
        lines: [`app segfault ${name}`],
      });
      expect(res.status).toBe(202);
      expect(res.body.published).toBe(1);
      expect((await stats(t)).failingRules).toEqual([
        {
          ruleId: bad.id,
          name: 'legacy',
          pattern: '(?<=user )\\w+',
          reason: expect.stringMatching(/.+/),
        },
      ]);
    } finally {
      // The other tests of this file see no failing rule, whatever the order.
      await ds.query(`DELETE FROM log_scan_rules WHERE id = $1`, [bad.id]);
      await ds.query(`UPDATE log_scan_rules_version SET version = version + 1`);
    }
  });
});
