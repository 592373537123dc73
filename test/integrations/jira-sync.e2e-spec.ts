import { DataSource } from 'typeorm';
import request from 'supertest';
import { FakeJira } from '../../src/testing/index.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import {
  cardData,
  cardJobs,
  cardState,
  createIntegration,
  FAST_INTEGRATIONS,
  jiraConfig,
  logsOf,
  publishCards,
  waitForLink,
} from './helpers.js';

/** Work-item events to Jira through the real app, bus, jobs and a fake Jira Cloud. */
describe('Jira sync', () => {
  let t: TestApp;
  let jira: FakeJira;
  let integrationId: string;

  beforeAll(async () => {
    [t, jira] = await Promise.all([startTestApp({ env: FAST_INTEGRATIONS }), FakeJira.start()]);
    ({ id: integrationId } = await createIntegration(t, { config: jiraConfig(jira) }));
  });
  afterAll(async () => {
    await t.close();
    await jira.close();
  });

  const issueOf = async (card: string) => {
    const key = await waitForLink(t, integrationId, card);
    return jira.issues.get(key)!;
  };

  it('creates, updates, transitions by target status, comments and links back over a card life cycle', async () => {
    await publishCards(t, [
      {
        type: 'card.created',
        card: 'life-1',
        data: cardData('Fix login', { url: 'https://kanban.example/cards/life-1' }),
      },
    ]);
    const issue = await issueOf('life-1');
    expect(issue.summary).toBe('Fix login');
    await publishCards(t, [
      {
        type: 'card.updated',
        card: 'life-1',
        data: {
          title: 'Fix login on Safari',
          description: 'Steps:\n- open **Safari**\n- see `error`',
        },
      },
      { type: 'card.moved', card: 'life-1', data: { column: 'doing' } },
      {
        type: 'message.created',
        card: 'life-1',
        data: { id: 'msg-1', body: 'Looks like https://status.example/x', author: 'ana' },
      },
    ]);
    await waitFor(
      () => issue.comments.length === 1 && issue.status.name === 'In Progress',
      15000,
      'comment and transition',
    );
    expect(issue.summary).toBe('Fix login on Safari');
    expect(issue.description).toMatchObject({
      type: 'doc',
      content: [{ type: 'paragraph' }, { type: 'bulletList' }],
    });
    // "in progress" matched the target status, not a transition named like it ("Start work").
    // Only this issue's transitions: other tests of the file move cards of their own.
    expect(
      jira
        .calls('POST', /\/transitions$/)
        .filter((r) => [issue.key, issue.id].some((k) => r.path.includes(`/issue/${k}/`)))
        .map((r) => r.body),
    ).toEqual([{ transition: { id: '21' } }]);
    expect(JSON.stringify(issue.comments[0].body)).toContain('"href":"https://status.example/x"');
    expect(issue.remoteLinks).toEqual([
      expect.objectContaining({
        globalId: 'integration-hub:card:life-1',
        url: 'https://kanban.example/cards/life-1',
      }),
    ]);
    await waitFor(async () => (await cardState(t, integrationId, 'life-1'))?.pendingComments === 0);
    const ops = (await logsOf(t, integrationId, { cardId: 'life-1' })).map((l) => l.operation);
    expect(new Set(ops)).toEqual(new Set(['create', 'update', 'transition', 'comment', 'link']));
    expect(
      jira.issueList().filter((i) => i.labels.some((l) => issue.labels.includes(l))),
    ).toHaveLength(1);
  });

  it('skips cards with the opt-out tag (any case) and cards created before the integration', async () => {
    await publishCards(t, [
      { type: 'card.created', card: 'opt-1', data: cardData('Secret', { tags: ['NoJira'] }) },
      {
        type: 'card.created',
        card: 'old-1',
        data: cardData('Old', { createdAt: '2020-01-01T00:00:00Z' }),
      },
      { type: 'card.created', card: 'marker-1', data: cardData('Marker') },
    ]);
    await waitForLink(t, integrationId, 'marker-1');
    expect(await cardState(t, integrationId, 'opt-1')).toBeUndefined();
    expect(await cardState(t, integrationId, 'old-1')).toBeUndefined();
    expect(jira.issueList().map((i) => i.summary)).not.toEqual(expect.arrayContaining(['Secret']));
    expect(jira.issueList().map((i) => i.summary)).not.toEqual(expect.arrayContaining(['Old']));
  });

  it('merges a burst of 10 edits into at most 2 updates carrying the last title', async () => {
    await publishCards(t, [{ type: 'card.created', card: 'burst-1', data: cardData('v0') }]);
    const issue = await issueOf('burst-1');
    const before = jira.calls('PUT', new RegExp(`/issue/${issue.key}$`)).length;
    await publishCards(
      t,
      Array.from({ length: 10 }, (_, i) => ({
        type: 'card.updated',
        card: 'burst-1',
        data: { title: `v${i + 1}` },
      })),
    );
    await waitFor(() => issue.summary === 'v10', 15000, 'last title');
    expect(
      jira.calls('PUT', new RegExp(`/issue/${issue.key}$`)).length - before,
    ).toBeLessThanOrEqual(2);
  });

  it('keeps each card in order under concurrency: one issue per card, ending in its last column', async () => {
    const cards = Array.from({ length: 12 }, (_, i) => `conc-${i}`);
    await Promise.all(
      cards.map(async (card, i) => {
        await publishCards(t, [{ type: 'card.created', card, data: cardData(card) }]);
        await publishCards(t, [
          { type: 'card.moved', card, data: { column: i % 2 ? 'done' : 'doing' } },
        ]);
      }),
    );
    for (const [i, card] of cards.entries()) {
      const issue = await issueOf(card);
      await waitFor(
        () => issue.status.name === (i % 2 ? 'Done' : 'In Progress'),
        15000,
        `${card} transitioned`,
      ).catch(async (error: Error) => {
        // What the hub knew of the card, so a failure says where it stopped.
        const state = await request(t.url)
          .get(`/integrations/${integrationId}/cards/${card}`)
          .set(bearer(t.adminToken));
        const log = await request(t.url)
          .get(`/integrations/${integrationId}/logs?cardId=${card}`)
          .set(bearer(t.adminToken));
        const jobs = await t.app
          .get(DataSource)
          .query(
            `SELECT status, attempt, run_at, last_error, dedupe_key, created_at FROM jobs WHERE key LIKE $1 ORDER BY seq`,
            [`%${card}`],
          );
        throw new Error(
          `${error.message}; issue status ${issue.status.name}; card ${JSON.stringify(state.body)}; ` +
            `log ${JSON.stringify(log.body)}; jobs ${JSON.stringify(jobs)}`,
        );
      });
      expect(jira.issueList().filter((x) => x.summary === card)).toHaveLength(1);
    }
  });

  it('waits for Retry-After on a 429 before trying again', async () => {
    jira.fault({
      method: 'POST',
      path: /^\/rest\/api\/3\/issue$/,
      reply: { status: 429, headers: { 'retry-after': '1' } },
    });
    const from = jira.requests.length;
    await publishCards(t, [{ type: 'card.created', card: 'rl-1', data: cardData('Rate limited') }]);
    await issueOf('rl-1');
    const creates = jira.requests
      .slice(from)
      .filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue');
    expect(creates.map((r) => r.status)).toEqual([429, 201]);
    // The retry schedule says 100 ms; Retry-After says 1 s and wins.
    expect(creates[1].at - creates[0].at).toBeGreaterThanOrEqual(950);
  });

  it("does not retry a 400 and logs Jira's errors", async () => {
    jira.fault({
      method: 'POST',
      path: /^\/rest\/api\/3\/issue$/,
      reply: {
        status: 400,
        body: { errorMessages: [], errors: { customfield_1: 'Field is required.' } },
      },
    });
    const from = jira.requests.length;
    await publishCards(t, [{ type: 'card.created', card: 'bad-1', data: cardData('Bad request') }]);
    await waitFor(
      async () => (await cardJobs(t, integrationId, 'bad-1')).some((j) => j.status === 'failed'),
      15000,
      'job failed',
    );
    expect(
      jira.requests
        .slice(from)
        .filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue'),
    ).toHaveLength(1);
    const errors = await logsOf(t, integrationId, { cardId: 'bad-1', status: 'error' });
    expect(errors).toEqual([
      expect.objectContaining({
        operation: 'create',
        httpStatus: 400,
        error: 'HTTP 400: customfield_1: Field is required.',
      }),
    ]);
    expect((await cardState(t, integrationId, 'bad-1'))?.lastError).toContain('customfield_1');
  });

  it('does not make a second issue when the answer to a create was lost', async () => {
    jira.fault({ method: 'POST', path: /^\/rest\/api\/3\/issue$/, reply: 'lose-response' });
    await publishCards(t, [
      { type: 'card.created', card: 'lost-1', data: cardData('Lost answer') },
    ]);
    await issueOf('lost-1');
    expect(jira.issueList().filter((i) => i.summary === 'Lost answer')).toHaveLength(1);
    const ops = (await logsOf(t, integrationId, { cardId: 'lost-1' })).map(
      (l) => `${l.operation}:${l.httpStatus}`,
    );
    expect(ops).toEqual(expect.arrayContaining(['create:null', 'lookup:200']));
  });

  it('does not comment twice when the answer to a comment was lost', async () => {
    await publishCards(t, [
      { type: 'card.created', card: 'lostc-1', data: cardData('Lost comment') },
    ]);
    const issue = await issueOf('lostc-1');
    jira.fault({
      method: 'POST',
      path: new RegExp(`/issue/${issue.key}/comment$`),
      reply: 'lose-response',
    });
    await publishCards(t, [
      { type: 'message.created', card: 'lostc-1', data: { id: 'lc-1', body: 'once' } },
    ]);
    // The retry looks the comment up by its property instead of posting again.
    await waitFor(
      async () =>
        (await logsOf(t, integrationId, { cardId: 'lostc-1' })).some(
          (l) => l.operation === 'lookup' && l.httpStatus === 200,
        ),
      15000,
      'comment looked up',
    );
    await waitFor(
      async () => (await cardState(t, integrationId, 'lostc-1'))?.pendingComments === 0,
      15000,
      'comment recorded',
    );
    expect(issue.comments).toHaveLength(1);
    expect(jira.calls('POST', new RegExp(`/issue/${issue.key}/comment$`))).toHaveLength(1);
  });

  it('logs an unmapped column once as an error and still syncs the rest', async () => {
    await publishCards(t, [
      { type: 'card.created', card: 'unmapped-1', data: cardData('Unmapped') },
      { type: 'card.moved', card: 'unmapped-1', data: { column: 'review' } },
      {
        type: 'message.created',
        card: 'unmapped-1',
        data: { id: 'um-1', body: 'still commented' },
      },
    ]);
    const issue = await issueOf('unmapped-1');
    await waitFor(() => issue.comments.length === 1, 15000, 'comment');
    const errors = await logsOf(t, integrationId, { cardId: 'unmapped-1', status: 'error' });
    expect(errors).toEqual([
      expect.objectContaining({
        operation: 'transition',
        error: 'column "review" is not in statusMap',
      }),
    ]);
  });

  it('holds a message on an unlinked card until the issue exists, then comments once', async () => {
    jira.fault({ method: 'POST', path: /^\/rest\/api\/3\/issue$/, reply: { status: 503 } });
    await publishCards(t, [
      { type: 'card.created', card: 'wait-1', data: cardData('Waits') },
      { type: 'message.created', card: 'wait-1', data: { id: 'w-1', body: 'first' } },
      { type: 'message.created', card: 'wait-1', data: { id: 'w-1', body: 'first' } },
    ]);
    const issue = await issueOf('wait-1');
    await waitFor(() => issue.comments.length >= 1, 15000, 'comment');
    await waitFor(async () => (await cardState(t, integrationId, 'wait-1'))?.pendingComments === 0);
    expect(issue.comments).toHaveLength(1);
  });

  it('resyncs a card on request', async () => {
    await publishCards(t, [
      { type: 'card.created', card: 'resync-1', data: cardData('Resync me') },
    ]);
    const issue = await issueOf('resync-1');
    issue.summary = 'changed in Jira';
    const res = await request(t.url)
      .post(`/integrations/${integrationId}/cards/resync-1/resync`)
      .set(bearer(t.adminToken))
      .expect(202);
    expect(res.body.jobId).toEqual(expect.any(String));
    await waitFor(() => issue.summary === 'Resync me', 15000, 'resynced');
    await request(t.url)
      .post(`/integrations/${integrationId}/cards/never-seen/resync`)
      .set(bearer(t.adminToken))
      .expect(404);
  });
});
