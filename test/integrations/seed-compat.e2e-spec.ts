import request from 'supertest';
import { DataSource } from 'typeorm';
import { FakeJira } from '../../src/testing/index.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import {
  cardData,
  cardState,
  createIntegration,
  FAST_INTEGRATIONS,
  jiraConfig,
  logsOf,
  publishCards,
  waitForLink,
} from './helpers.js';

/**
 * What a kanban publisher written for the seed relies on: the creation cutoff holds for
 * events that do not say when their card was created, and `board.invalidated` pushes the
 * board's linked cards again. Each test has its own fake Jira and integration (deleted after),
 * and cards of its own.
 */
describe('Integrations: the seed kanban’s cutoff and board.invalidated', () => {
  let t: TestApp;
  let jira: FakeJira;
  let integrationId: string | undefined;
  let seq = 0;
  const card = (base: string) => `${base}-${process.pid}-${++seq}`;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_INTEGRATIONS });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    jira = await FakeJira.start();
    integrationId = undefined;
  });
  afterEach(async () => {
    if (integrationId)
      await request(t.url)
        .delete(`/integrations/${integrationId}`)
        .set(bearer(t.adminToken))
        .expect(204);
    await jira.close();
  });

  const connect = async () => {
    ({ id: integrationId } = await createIntegration(t, { config: jiraConfig(jira) }));
    return integrationId;
  };
  /** The hub has read the card's card.created: it remembers when the card was created. */
  const remembered = (cardId: string) =>
    waitFor(
      async () => {
        const rows: unknown[] = await t.app
          .get(DataSource)
          .query(`SELECT 1 FROM integration_card_births WHERE card_id = $1`, [cardId]);
        return rows.length > 0;
      },
      10000,
      `card ${cardId} remembered`,
    );
  /** Events are read in order: once a later card is linked, the earlier events were handled. */
  const handledUpTo = async (id: string) => {
    const marker = card('marker');
    await publishCards(t, [{ type: 'card.created', card: marker, data: cardData('Marker') }]);
    await waitForLink(t, id, marker);
  };

  it('does not create an issue for a card.updated without createdAt about a card the hub saw before the integration', async () => {
    const old = card('before');
    // The live case: created (without createdAt) before the integration, edited after.
    await publishCards(t, [{ type: 'card.created', card: old, data: { title: 'Old card' } }]);
    await remembered(old);
    const id = await connect();
    await publishCards(t, [{ type: 'card.updated', card: old, data: { title: 'Old, edited' } }]);
    await handledUpTo(id);
    expect(await cardState(t, id, old)).toBeUndefined();
    expect(jira.issueList().map((i) => i.summary)).toEqual(['Marker']);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(1);
  });

  it('treats an update or move of a card the hub never heard of, without createdAt, as older than the integration', async () => {
    const id = await connect();
    const unknown = card('unknown');
    const fresh = card('fresh');
    await publishCards(t, [
      { type: 'card.updated', card: unknown, data: { title: 'Never created here' } },
      { type: 'card.moved', card: unknown, data: { column: 'doing' } },
      // A card.created says when the card was made (when it happened), createdAt or not.
      { type: 'card.created', card: fresh, data: { title: 'Made now' } },
    ]);
    await waitForLink(t, id, fresh);
    await handledUpTo(id);
    expect(await cardState(t, id, unknown)).toBeUndefined();
    expect(
      jira
        .issueList()
        .map((i) => i.summary)
        .sort(),
    ).toEqual(['Made now', 'Marker']);
  });

  it('syncs a card created after the integration once its opt-out tag is removed, by the time of its card.created', async () => {
    const id = await connect();
    const later = card('untagged');
    await publishCards(t, [
      { type: 'card.created', card: later, data: { title: 'Private', tags: ['nojira'] } },
    ]);
    await remembered(later);
    expect(await cardState(t, id, later)).toBeUndefined();
    // No createdAt: the hub remembers the card.created it did not project (opted out then).
    await publishCards(t, [
      { type: 'card.updated', card: later, data: { title: 'Public now', tags: [] } },
    ]);
    const key = await waitForLink(t, id, later);
    expect(jira.issues.get(key)!.summary).toBe('Public now');
  });

  it('keeps data.createdAt first: an explicit date before the integration is cut off, after it is synced', async () => {
    const id = await connect();
    const dated = card('dated');
    const recent = card('recent');
    await publishCards(t, [
      {
        type: 'card.updated',
        card: dated,
        data: { title: 'Dated old', createdAt: '2020-01-01T00:00:00Z' },
      },
      {
        type: 'card.updated',
        card: recent,
        data: { title: 'Dated new', createdAt: new Date(Date.now() + 1000).toISOString() },
      },
    ]);
    await waitForLink(t, id, recent);
    await handledUpTo(id);
    expect(await cardState(t, id, dated)).toBeUndefined();
  });

  it('re-pushes title and description of every linked card on board.invalidated, through each card’s job', async () => {
    const id = await connect();
    const [a, b, optedOut, unlinked] = [card('ba'), card('bb'), card('bo'), card('bu')];
    await publishCards(t, [
      { type: 'card.created', card: a, data: cardData('Card A') },
      { type: 'card.created', card: b, data: cardData('Card B') },
    ]);
    const [keyA, keyB] = [await waitForLink(t, id, a), await waitForLink(t, id, b)];
    // Opted out after it was linked: no longer synced, so not re-pushed either.
    await publishCards(t, [{ type: 'card.created', card: optedOut, data: cardData('Card O') }]);
    const keyO = await waitForLink(t, id, optedOut);
    await publishCards(t, [{ type: 'card.updated', card: optedOut, data: { tags: ['NOJIRA'] } }]);
    // Someone edits the issues in Jira; the card is the source of truth.
    for (const key of [keyA, keyB, keyO]) jira.issues.get(key)!.summary = 'Edited in Jira';
    // A card cut off by the failing create stays unlinked and gets no job from the board.
    jira.fault({
      method: 'POST',
      path: /\/issue$/,
      reply: { status: 400, body: { errorMessages: ['refused'], errors: {} } },
    });
    await publishCards(t, [{ type: 'card.created', card: unlinked, data: cardData('Card U') }]);
    await waitFor(
      async () => (await cardState(t, id, unlinked))?.lastError ?? undefined,
      10000,
      'the refused create',
    );
    const puts = () => jira.calls('PUT', /\/issue\/[^/]+$/);
    const before = puts().length;

    await publishCards(t, [{ type: 'board.invalidated', card: 'board-1' }]);
    await waitFor(
      () =>
        jira.issues.get(keyA)!.summary === 'Card A' && jira.issues.get(keyB)!.summary === 'Card B',
      15000,
      'both linked cards pushed again',
    );
    const sent = puts().slice(before);
    expect(sent.map((c) => c.path.split('/').pop()).sort()).toEqual([keyA, keyB].sort());
    expect(sent[0].body).toMatchObject({
      fields: { summary: expect.any(String), description: { type: 'doc' } },
    });
    expect(jira.issues.get(keyO)!.summary).toBe('Edited in Jira');
    const logged = await waitFor(
      async () => {
        const rows = (await logsOf(t, id)).filter((l) => l.eventType === 'board.invalidated');
        return rows.length >= 2 && rows;
      },
      10000,
      'the log rows of the re-push',
    );
    expect(logged.map((l) => [l.cardId, l.operation]).sort()).toEqual(
      [
        [a, 'update'],
        [b, 'update'],
      ].sort(),
    );
  });
});
