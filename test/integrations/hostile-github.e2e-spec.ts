import { FakeGitHub } from '../../src/testing/index.js';
import { startTestApp, TestApp } from '../support/test-app.js';
import {
  cardData,
  createIntegration,
  FAST_INTEGRATIONS,
  logsOf,
  publishCards,
  waitForLink,
} from './helpers.js';

const LIST_LAG_MS = 2500;

/**
 * GitHub's rate limits, a create answer that cannot be used, and a lookup that lags. The
 * app waits out a lag of LIST_LAG_MS (+0.5 s) after a create with no usable answer; the
 * other tests do not lag.
 */
describe('GitHub against a hostile peer', () => {
  let t: TestApp;
  let gh: FakeGitHub;
  let integrationId: string;

  beforeAll(async () => {
    [t, gh] = await Promise.all([
      startTestApp({
        env: { ...FAST_INTEGRATIONS, INTEGRATION_SEARCH_LAG_MS: String(LIST_LAG_MS + 500) },
      }),
      FakeGitHub.start(),
    ]);
    ({ id: integrationId } = await createIntegration(t, {
      kind: 'github',
      config: { baseUrl: gh.url, owner: gh.owner, repo: gh.repo, token: gh.token },
    }));
  });
  afterAll(async () => {
    await t.close();
    await gh.close();
  });

  const creates = (from: number) =>
    gh.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/issues'));

  it('retries at x-ratelimit-reset after a primary rate limit (403, remaining 0)', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 2;
    gh.fault({
      method: 'POST',
      path: /\/issues$/,
      reply: {
        status: 403,
        headers: {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
        body: { message: 'API rate limit exceeded for user ID 1.' },
      },
    });
    const from = gh.requests.length;
    await publishCards(t, [{ type: 'card.created', card: 'rate-1', data: cardData('Primary') }]);
    await waitForLink(t, integrationId, 'rate-1');
    const tries = creates(from);
    expect(tries.map((r) => r.status)).toEqual([403, 201]);
    // The retry schedule says 100 ms; the reset time wins.
    expect(tries[1].at).toBeGreaterThanOrEqual(reset * 1000 - 50);
  });

  it('retries after Retry-After on a secondary rate limit (403 with retry-after)', async () => {
    gh.fault({
      method: 'POST',
      path: /\/issues$/,
      reply: {
        status: 403,
        headers: { 'retry-after': '1' },
        body: { message: 'You have exceeded a secondary rate limit.' },
      },
    });
    const from = gh.requests.length;
    await publishCards(t, [{ type: 'card.created', card: 'rate-2', data: cardData('Secondary') }]);
    await waitForLink(t, integrationId, 'rate-2');
    const tries = creates(from);
    expect(tries.map((r) => r.status)).toEqual([403, 201]);
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(950);
  });

  it('spends no retry on a rate limit: more limits in a row than the schedule has steps still sync', async () => {
    // The schedule has three steps; five secondary limits in a row would fail the card if
    // each one spent a retry.
    gh.fault({
      method: 'POST',
      path: /\/issues$/,
      times: 5,
      reply: {
        status: 403,
        headers: { 'retry-after': '0' },
        body: { message: 'You have exceeded a secondary rate limit.' },
      },
    });
    const from = gh.requests.length;
    await publishCards(t, [{ type: 'card.created', card: 'rate-3', data: cardData('Patient') }]);
    await waitForLink(t, integrationId, 'rate-3');
    expect(creates(from).map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 201]);
  });

  it.each(['invalid-json', 'empty-object', 'oversize', 'endless'] as const)(
    'treats a 201 with an unusable body (%s) as a lost answer and links the real issue',
    async (mangle) => {
      const card = `gh-mangled-${mangle}`;
      gh.fault({ method: 'POST', path: /\/issues$/, reply: { mangle } });
      await publishCards(t, [{ type: 'card.created', card, data: cardData(card) }]);
      const key = await waitForLink(t, integrationId, card);
      const made = gh.issueList().filter((i) => i.title === card);
      expect(made).toHaveLength(1);
      expect(key).toBe(`#${made[0].number}`);
      const ops = (await logsOf(t, integrationId, { cardId: card })).map(
        (l) => `${l.operation}:${l.httpStatus}:${l.error === null ? 'ok' : 'error'}`,
      );
      expect(ops).toEqual(expect.arrayContaining(['create:201:error', 'lookup:200:ok']));
    },
  );

  it('makes exactly one issue when the create answer is late and the issue list lags', async () => {
    gh.listLagMs = LIST_LAG_MS;
    try {
      gh.fault({ method: 'POST', path: /\/issues$/, reply: { lateMs: 1500 } });
      const from = gh.requests.length;
      await publishCards(t, [{ type: 'card.created', card: 'gh-lag-1', data: cardData('Lags') }]);
      const key = await waitForLink(t, integrationId, 'gh-lag-1');
      expect(
        gh
          .issueList()
          .filter((i) => i.title === 'Lags')
          .map((i) => `#${i.number}`),
      ).toEqual([key]);
      expect(creates(from)).toHaveLength(1);
      const lookups = gh.requests
        .slice(from)
        .filter((r) => r.method === 'GET' && r.path.endsWith('/issues'));
      expect(lookups.length).toBeGreaterThanOrEqual(2);
    } finally {
      gh.listLagMs = 0;
    }
  });
});
