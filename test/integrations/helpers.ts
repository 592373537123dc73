import request from 'supertest';
import type { FakeJira } from '../../src/testing/index.js';
import { bearer, TestApp, waitFor } from '../support/test-app.js';

/** Fast retries, polling and timeouts so retry behaviour is testable in seconds. */
export const FAST_INTEGRATIONS = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  INTEGRATION_RETRY_SCHEDULE: '100ms,100ms,100ms',
  INTEGRATION_TIMEOUT_MS: '1000',
  // The fakes' search has no lag unless a test sets one.
  INTEGRATION_SEARCH_LAG_MS: '0',
  JOBS_POLL_MS: '50',
  EVENT_CONSUMER_POLL_MS: '100',
};

export function jiraConfig(jira: FakeJira, extra: Record<string, unknown> = {}) {
  return {
    baseUrl: jira.url,
    email: jira.email,
    apiToken: jira.apiToken,
    projectKey: jira.projectKey,
    statusMap: { todo: 'To Do', doing: 'in progress', done: '10002' },
    ...extra,
  };
}

export async function createIntegration(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string; createdAt: string }> {
  const res = await request(t.url)
    .post('/integrations')
    .set(bearer(t.adminToken))
    .send({ kind: 'jira', name: 'jira', ...body });
  if (res.status !== 201)
    throw new Error(`create integration: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface CardEvent {
  type: string;
  card: string;
  data?: Record<string, unknown>;
}

/** Publishes work-item events in one POST /events, in order. */
export async function publishCards(t: TestApp, events: CardEvent[]): Promise<void> {
  await request(t.url)
    .post('/events')
    .set(bearer(t.adminToken))
    .send(
      events.map((e) => ({ type: e.type, source: 'kanban', subject: e.card, data: e.data ?? {} })),
    )
    .expect(202);
}

export function cardData(title: string, extra: Record<string, unknown> = {}) {
  return {
    title,
    description: `About ${title}`,
    column: 'todo',
    tags: [],
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

export async function cardState(t: TestApp, integrationId: string, cardId: string) {
  const res = await request(t.url)
    .get(`/integrations/${integrationId}/cards/${encodeURIComponent(cardId)}`)
    .set(bearer(t.adminToken));
  return res.status === 200
    ? (res.body as {
        remoteKey: string | null;
        lastError: string | null;
        pendingComments: number;
        lastSyncedAt: string | null;
      })
    : undefined;
}

export function waitForLink(t: TestApp, integrationId: string, cardId: string) {
  return waitFor(
    async () => (await cardState(t, integrationId, cardId))?.remoteKey ?? undefined,
    15000,
    `card ${cardId} linked`,
  );
}

export async function logsOf(
  t: TestApp,
  integrationId: string,
  query: Record<string, string> = {},
) {
  const res = await request(t.url)
    .get(`/integrations/${integrationId}/logs`)
    .query({ limit: 500, ...query })
    .set(bearer(t.adminToken))
    .expect(200);
  return res.body.data as {
    operation: string;
    httpStatus: number | null;
    error: string | null;
    cardId: string;
    eventType: string;
  }[];
}

/** Jobs of the card-sync queue for one card, from the jobs API. */
export async function cardJobs(t: TestApp, integrationId: string, cardId: string) {
  const res = await request(t.url)
    .get('/jobs')
    .query({ queue: 'integrations.card-sync', key: `${integrationId}:${cardId}`, limit: 100 })
    .set(bearer(t.adminToken))
    .expect(200);
  return res.body.data as { id: string; status: string; attempts?: number }[];
}
