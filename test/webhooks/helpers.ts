import request from 'supertest';
import { bearer, TestApp } from '../support/test-app.js';

/** Fast retries and polling so retry behaviour is testable in seconds. */
export const FAST_WEBHOOKS = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1000',
  EVENT_CONSUMER_POLL_MS: '200',
};

export async function createEndpoint(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const res = await request(t.url).post('/webhooks/endpoints').set(bearer(t.adminToken)).send(body);
  if (res.status !== 201)
    throw new Error(`create endpoint: ${res.status} ${JSON.stringify(res.body)}`);
  const secret = await request(t.url)
    .get(`/webhooks/endpoints/${res.body.id}/secret`)
    .set(bearer(t.adminToken))
    .expect(200);
  return { id: res.body.id, secret: secret.body.secret };
}

export async function publish(
  t: TestApp,
  events: Record<string, unknown> | Record<string, unknown>[],
): Promise<string[]> {
  const res = await request(t.url)
    .post('/events')
    .set(bearer(t.adminToken))
    .send(events)
    .expect(202);
  return res.body.ids;
}

export async function deliveriesOf(t: TestApp, endpointId: string) {
  const res = await request(t.url)
    .get('/webhooks/deliveries')
    .query({ endpointId, limit: 500 })
    .set(bearer(t.adminToken))
    .expect(200);
  return res.body.data as {
    id: string;
    status: string;
    attemptCount: number;
    eventType: string;
    eventId: string;
    nextAttemptAt: string | null;
    webhookId: string;
  }[];
}

export async function deliveryDetail(t: TestApp, id: string) {
  return (
    await request(t.url).get(`/webhooks/deliveries/${id}`).set(bearer(t.adminToken)).expect(200)
  ).body;
}
