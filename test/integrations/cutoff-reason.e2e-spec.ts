import request from 'supertest';
import { FakeJira } from '../../src/testing/index.js';
import { bearer, startTestApp, TestApp, waitForIdle } from '../support/test-app.js';
import {
  cardData,
  createIntegration,
  FAST_INTEGRATIONS,
  jiraConfig,
  logsOf,
  publishCards,
} from './helpers.js';

/**
 * A card the creation cutoff leaves out is no longer silent: the integration's log says so
 * once, and the card view's 404 quotes it. A card never seen gets a 404 that says what makes
 * a card seen.
 */
describe('the card view says why a card is not synced', () => {
  let t: TestApp;
  let jira: FakeJira;
  let integrationId: string;
  let integrationCreatedAt: string;

  beforeAll(async () => {
    [t, jira] = await Promise.all([startTestApp({ env: FAST_INTEGRATIONS }), FakeJira.start()]);
    ({ id: integrationId, createdAt: integrationCreatedAt } = await createIntegration(t, {
      config: jiraConfig(jira),
    }));
  });
  afterAll(async () => {
    await t.close();
    await jira.close();
  });

  const card = (id: string) =>
    request(t.url)
      .get(`/integrations/${integrationId}/cards/${encodeURIComponent(id)}`)
      .set(bearer(t.adminToken));

  it('answers 404 before-cutoff for a card created before the integration, logged once', async () => {
    const old = `old-${Date.now()}`;
    await publishCards(t, [
      {
        type: 'card.created',
        card: old,
        data: cardData('Old', { createdAt: '2020-01-01T00:00:00Z' }),
      },
      {
        type: 'card.updated',
        card: old,
        data: { title: 'Old, renamed', createdAt: '2020-01-01T00:00:00Z' },
      },
      {
        type: 'card.moved',
        card: old,
        data: { column: 'doing', createdAt: '2020-01-01T00:00:00Z' },
      },
    ]);
    await waitForIdle(t);

    const res = await card(old).expect(404);
    expect(res.body).toMatchObject({ status: 404, reason: 'before-cutoff' });
    expect(res.body.type).toMatch(/integration-card-not-found$/);
    expect(res.body.detail).toContain(`card ${old} was created at 2020-01-01T00:00:00.000Z`);
    expect(res.body.detail).toContain(
      `before integration ${integrationId} (created ${integrationCreatedAt})`,
    );
    expect(res.body.detail).toContain('not synced');

    const logs = await logsOf(t, integrationId, { cardId: old });
    expect(logs).toEqual([
      expect.objectContaining({ operation: 'cutoff', eventType: 'card.created', httpStatus: null }),
    ]);
    expect(logs[0].error).toBe(res.body.detail);
    expect(jira.issueList().map((i) => i.summary)).not.toContain('Old');

    const resync = await request(t.url)
      .post(`/integrations/${integrationId}/cards/${old}/resync`)
      .set(bearer(t.adminToken))
      .expect(404);
    expect(resync.body.reason).toBe('before-cutoff');
  });

  it('answers 404 before-cutoff for an edit of a card whose creation the hub never heard of', async () => {
    const unknown = `unannounced-${Date.now()}`;
    await publishCards(t, [{ type: 'card.updated', card: unknown, data: { title: 'Renamed' } }]);
    await waitForIdle(t);
    const res = await card(unknown).expect(404);
    expect(res.body.reason).toBe('before-cutoff');
    expect(res.body.detail).toContain(
      `card ${unknown} was never announced to the hub (no card.created, no data.createdAt) before this card.updated`,
    );
    expect(res.body.detail).toContain(
      `integration ${integrationId} (created ${integrationCreatedAt})`,
    );
  });

  it('answers 404 not-seen, saying what makes a card seen, for a card no event named', async () => {
    const res = await card(`never-${Date.now()}`).expect(404);
    expect(res.body).toMatchObject({ status: 404, reason: 'not-seen' });
    expect(res.body.type).toMatch(/integration-card-not-found$/);
    expect(res.body.detail).toMatch(/has seen no card never-\d+: .*created after the integration/);
  });

  it('still shows a card created after the integration', async () => {
    const fresh = `fresh-${Date.now()}`;
    await publishCards(t, [{ type: 'card.created', card: fresh, data: cardData('Fresh') }]);
    await waitForIdle(t);
    await card(fresh).expect(200);
    expect(await logsOf(t, integrationId, { cardId: fresh })).not.toContainEqual(
      expect.objectContaining({ operation: 'cutoff' }),
    );
  });
});
