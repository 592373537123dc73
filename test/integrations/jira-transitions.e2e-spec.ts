import { FakeJira } from '../../src/testing/index.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import {
  cardData,
  createIntegration,
  FAST_INTEGRATIONS,
  jiraConfig,
  publishCards,
  waitForLink,
} from './helpers.js';

/**
 * A move reads the issue's status and its transitions in one request (expand=transitions),
 * still skips the transition when Jira already has the status, and still works against a
 * server that ignores the expand.
 */
describe('Jira transitions', () => {
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

  /**
   * The card's issue once its first sync is done (its `todo` column read as already there),
   * and the requests about it made from then on.
   */
  const issueOf = async (card: string) => {
    const key = await waitForLink(t, integrationId, card);
    const issue = jira.issues.get(key)!;
    const all = (method: string, sub: string) =>
      jira.calls(method, new RegExp(`^/rest/api/3/issue/(${issue.key}|${issue.id})${sub}$`));
    await waitFor(() => all('GET', '').length === 1, 15000, `first sync of ${card}`);
    const from = jira.requests.length;
    const about = (method: string, sub: string) =>
      all(method, sub).filter((r) => jira.requests.indexOf(r) >= from);
    return { issue, about };
  };

  /** A move and a message: the comment comes after the transition step, so it marks the end. */
  const moveAndComment = (card: string, column: string, messageId: string) =>
    publishCards(t, [
      { type: 'card.moved', card, data: { column } },
      { type: 'message.created', card, data: { id: messageId, body: 'moved' } },
    ]);

  it('moves a card with one read of status and transitions, then the transition', async () => {
    await publishCards(t, [{ type: 'card.created', card: 'tr-1', data: cardData('One read') }]);
    const { issue, about } = await issueOf('tr-1');
    await moveAndComment('tr-1', 'doing', 'tr-1-m');
    await waitFor(() => issue.comments.length === 1, 15000, 'comment after the move');
    expect(issue.status.name).toBe('In Progress');
    expect(about('GET', '')).toHaveLength(1);
    expect(about('GET', '/transitions')).toHaveLength(0);
    expect(about('POST', '/transitions').map((r) => r.body)).toEqual([
      { transition: { id: '21' } },
    ]);
  });

  it('sends no transition when Jira already has the mapped status', async () => {
    await publishCards(t, [{ type: 'card.created', card: 'tr-2', data: cardData('Moved there') }]);
    const { issue, about } = await issueOf('tr-2');
    issue.status = { id: '10002', name: 'Done' };
    await moveAndComment('tr-2', 'done', 'tr-2-m');
    await waitFor(() => issue.comments.length === 1, 15000, 'comment after the move');
    expect(about('GET', '')).toHaveLength(1);
    expect(about('GET', '/transitions')).toHaveLength(0);
    expect(about('POST', '/transitions')).toHaveLength(0);
  });

  it('asks for the transitions on their own when the server ignores the expand', async () => {
    await publishCards(t, [{ type: 'card.created', card: 'tr-3', data: cardData('Old server') }]);
    const { issue, about } = await issueOf('tr-3');
    jira.expandsTransitions = false;
    try {
      await moveAndComment('tr-3', 'done', 'tr-3-m');
      await waitFor(() => issue.comments.length === 1, 15000, 'comment after the move');
    } finally {
      jira.expandsTransitions = true;
    }
    expect(issue.status.name).toBe('Done');
    expect(about('GET', '/transitions')).toHaveLength(1);
    expect(about('POST', '/transitions').map((r) => r.body)).toEqual([
      { transition: { id: '31' } },
    ]);
  });
});
