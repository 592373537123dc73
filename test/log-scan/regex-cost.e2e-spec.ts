import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { createRule, eventsOf, sendLines } from './helpers.js';

/** `abab...`: keeps every thread of a `[ab]*a[ab]{n}` pattern alive, the NFA's worst case. */
function abText(length: number, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out += s & 0x100 ? 'a' : 'b';
  }
  return out;
}

async function metric(t: TestApp, name: string): Promise<number> {
  const text = (await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('log-scan regexes: cost budget and prefilter', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    '[ab]*a[ab]{1000}[c-z]',
    '[ab]*a[ab]{99}[ab]{99}[ab]{99}[c-z]',
    'error.{0,1000}timeout',
  ])('refuses %s at save with a 400 naming pattern and the limit', async (pattern) => {
    const res = await request(t.url)
      .post('/logs/rules')
      .set(bearer(t.adminToken))
      .send({ name: `costly ${pattern}`, pattern })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([
      {
        field: 'pattern',
        message: expect.stringMatching(/too costly to match: .* the limit is 250/),
      },
    ]);
  });

  // The prefilter once read the digits of {m,n} as text the line must contain.
  it.each([
    ['\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}', 'connect from 10.0.12.7 refused'],
    ['[A-Z]{2,10}-\\d+', 'moved OPS-42 to done'],
    ['x.{0,100}y', 'x then y'],
    ['ab{123}c', `a${'b'.repeat(123)}c`],
  ])('fires %s on POST /logs when POST /logs/rules/test says it matches', async (pattern, line) => {
    const source = `prefilter-${Math.random().toString(36).slice(2)}`;
    const tried = await request(t.url)
      .post('/logs/rules/test')
      .set(bearer(t.adminToken))
      .send({ pattern, sampleLine: line })
      .expect(200);
    expect(tried.body.matched).toBe(true);
    await createRule(t, { name: `fires ${source}`, pattern, scope: 'source', source });
    const res = await sendLines(t, { source, lines: [line] }).expect(202);
    expect(res.body).toMatchObject({ hits: 1, published: 1 });
    expect((await eventsOf(t, source)).map((e) => e.data.message)).toEqual([line]);
  });

  it('keeps /health answering within 1 s while a hostile batch is scanned, and reports what its budget left', async () => {
    const source = 'hostile-publisher';
    // The costliest kind of pattern under the limit (246 instructions): about 0.25 s per line.
    await createRule(t, {
      name: 'worst allowed',
      pattern: '[ab]*a[ab]{240}[c-z]',
      scope: 'source',
      source,
    });
    const lines = Array.from({ length: 60 }, (_, i) => abText(16 * 1024, i + 1));
    const unscannedBefore = await metric(t, 'log_scan_lines_unscanned_total');
    const overBefore = await metric(t, 'log_scan_batches_over_budget_total');

    // /health asked every 100 ms (and once at once) while the batch is scanned.
    const answers: number[] = [];
    const pending = new Set<Promise<void>>();
    const ask = () => {
      const started = performance.now();
      const p = request(t.url)
        .get('/health')
        .timeout(5_000)
        .then(
          (r) => void answers.push(r.status === 200 ? performance.now() - started : Infinity),
          () => void answers.push(Infinity),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    };
    ask();
    const timer = setInterval(ask, 100);
    let res: Awaited<ReturnType<typeof sendLines>>;
    try {
      res = await sendLines(t, { source, lines });
    } finally {
      clearInterval(timer);
    }
    await Promise.all(pending);

    expect(Math.max(...answers)).toBeLessThan(1_000);
    // The scan lasts at least its 2 s budget: polls (each up to a few hundred ms on a loaded
    // machine, then 100 ms apart) were answered during it, not only before and after.
    expect(answers.length).toBeGreaterThanOrEqual(3);
    expect(res.status).toBe(202);
    // The default budget is 2 s of scanning; 60 such lines need far more.
    expect(res.body.unscanned).toBeGreaterThan(0);
    expect(res.body.unscanned).toBeLessThan(60);
    expect((await metric(t, 'log_scan_lines_unscanned_total')) - unscannedBefore).toBe(
      res.body.unscanned,
    );
    expect((await metric(t, 'log_scan_batches_over_budget_total')) - overBefore).toBe(1);
  });
});
