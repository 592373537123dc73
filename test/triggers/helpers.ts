import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import type { ReceivedRequest } from '../support/receiver.js';
import { bearer, TestApp } from '../support/test-app.js';

export { FAST_WEBHOOKS, publish } from '../webhooks/helpers.js';

export const secretOf = (byte: number) => `whsec_${Buffer.alloc(32, byte).toString('base64')}`;

/** The default (`tiny-forge`) body of a firing or a test send. */
export interface TriggerPayload {
  type: string;
  trigger_id: string;
  trigger_name: string;
  event: {
    id: string;
    type: string;
    source: string;
    severity: string;
    message: string;
    subject: string | null;
    data: Record<string, unknown>;
    occurred_at: string;
  };
  timestamp: string;
}

let seq = 0;
/** A unique name per call, so tests never collide on the unique name. */
export const uniqueName = (base: string) => `${base} ${process.pid}-${++seq}`;

export async function createTrigger(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const res = await request(t.url)
    .post('/triggers')
    .set(bearer(t.adminToken))
    .send({ name: uniqueName('trigger'), ...body });
  if (res.status !== 201)
    throw new Error(`create trigger: ${res.status} ${JSON.stringify(res.body)}`);
  const secret = await request(t.url)
    .get(`/triggers/${res.body.id}/secret`)
    .set(bearer(t.adminToken))
    .expect(200);
  return { id: res.body.id, secret: secret.body.secret };
}

/** Verifies the request with the receiver's stock library; throws on a bad signature. */
export function verified(secret: string, req: ReceivedRequest): TriggerPayload {
  return new Webhook(secret).verify(
    req.body,
    req.headers as Record<string, string>,
  ) as TriggerPayload;
}

export async function firingsOf(t: TestApp, id: string) {
  const res = await request(t.url)
    .get(`/triggers/${id}/firings`)
    .query({ limit: 500 })
    .set(bearer(t.adminToken))
    .expect(200);
  return res.body.data as {
    id: string;
    eventId: string;
    outcome: string;
    group: string;
    silenceId: string | null;
    error: string | null;
    delivery: { status: string; attemptCount: number; lastError: string | null } | null;
  }[];
}
