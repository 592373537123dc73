import request from 'supertest';
import { FakeGitHub } from '../../src/testing/index.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import {
  cardData,
  cardState,
  createIntegration,
  FAST_INTEGRATIONS,
  publishCards,
  waitForLink,
} from './helpers.js';

/** The second kind through the same pipeline: GitHub Issues against a fake GitHub. */
describe('GitHub Issues sync', () => {
  let t: TestApp;
  let gh: FakeGitHub;
  let integrationId: string;

  const config = () => ({
    baseUrl: gh.url,
    owner: gh.owner,
    repo: gh.repo,
    token: gh.token,
    statusMap: { todo: 'open', done: 'closed:completed', dropped: 'closed:not_planned' },
  });

  beforeAll(async () => {
    [t, gh] = await Promise.all([startTestApp({ env: FAST_INTEGRATIONS }), FakeGitHub.start()]);
    ({ id: integrationId } = await createIntegration(t, { kind: 'github', config: config() }));
  });
  afterAll(async () => {
    await t.close();
    await gh.close();
  });

  const issueOf = async (card: string) =>
    gh.issues.get(Number((await waitForLink(t, integrationId, card)).slice(1)))!;

  it('creates with labels from tags, updates, closes with a reason, reopens and comments', async () => {
    await publishCards(t, [
      {
        type: 'card.created',
        card: 'gh-1',
        data: cardData('Add export', {
          tags: ['backend', 'p1'],
          url: 'https://kanban.example/c/gh-1',
        }),
      },
    ]);
    const issue = await issueOf('gh-1');
    expect(issue.labels).toEqual(expect.arrayContaining(['backend', 'p1']));
    expect(issue.body).toContain('https://kanban.example/c/gh-1');
    await publishCards(t, [
      { type: 'card.updated', card: 'gh-1', data: { title: 'Add CSV export', tags: ['backend'] } },
      { type: 'card.moved', card: 'gh-1', data: { column: 'dropped' } },
      {
        type: 'message.created',
        card: 'gh-1',
        data: { id: 'g-1', body: 'Not now', author: 'ana' },
      },
    ]);
    await waitFor(
      () => issue.state === 'closed' && issue.comments.length === 1,
      15000,
      'closed and commented',
    );
    expect(issue).toMatchObject({ title: 'Add CSV export', stateReason: 'not_planned' });
    expect(issue.labels).not.toContain('p1');
    await publishCards(t, [{ type: 'card.moved', card: 'gh-1', data: { column: 'todo' } }]);
    await waitFor(() => issue.state === 'open', 15000, 'reopened');
    const card = (
      await request(t.url)
        .get(`/integrations/${integrationId}/cards/gh-1`)
        .set(bearer(t.adminToken))
        .expect(200)
    ).body;
    expect(card.remoteUrl).toBe(
      `https://github.com/acme/board/issues/${issue.number}`.replace('https://github.com', gh.url),
    );
  });

  it('does not make a second issue or comment when answers were lost', async () => {
    gh.fault({ method: 'POST', path: /\/issues$/, reply: 'lose-response' });
    await publishCards(t, [
      { type: 'card.created', card: 'gh-lost', data: cardData('Lost on GitHub') },
    ]);
    const issue = await issueOf('gh-lost');
    gh.fault({ method: 'POST', path: /\/comments$/, reply: 'lose-response' });
    await publishCards(t, [
      { type: 'message.created', card: 'gh-lost', data: { id: 'gl-1', body: 'once' } },
    ]);
    await waitFor(
      () => gh.calls('GET', new RegExp(`/issues/${issue.number}/comments$`)).length > 0,
      15000,
      'comment lookup',
    );
    await waitFor(
      async () => (await cardState(t, integrationId, 'gh-lost'))?.pendingComments === 0,
      15000,
      'comment recorded',
    );
    expect(gh.issueList().filter((i) => i.title === 'Lost on GitHub')).toHaveLength(1);
    expect(issue.comments).toHaveLength(1);
  });

  it('reports a bad token and an unknown repository field by field', async () => {
    const bad = await request(t.url)
      .post('/integrations/test')
      .set(bearer(t.adminToken))
      .send({ kind: 'github', name: 'x', config: { ...config(), token: 'nope' } })
      .expect(200);
    expect(bad.body).toEqual({
      ok: false,
      checks: [expect.objectContaining({ field: 'config.token', ok: false })],
    });
    const repo = await request(t.url)
      .post('/integrations/test')
      .set(bearer(t.adminToken))
      .send({ kind: 'github', name: 'x', config: { ...config(), repo: 'missing' } })
      .expect(200);
    expect(repo.body.checks).toContainEqual(
      expect.objectContaining({ field: 'config.repo', ok: false }),
    );
    const invalid = await request(t.url)
      .post('/integrations')
      .set(bearer(t.adminToken))
      .send({ kind: 'github', name: 'x', config: { ...config(), statusMap: { done: 'finished' } } })
      .expect(400);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'config.statusMap' })]);
  });
});
