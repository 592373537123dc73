import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import request from 'supertest';
import { ChildApp, spawnApp } from '../support/child-app.js';
import { Receiver } from '../support/receiver.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor } from '../support/test-app.js';
import { openSse, receivedEventIds, SseStream } from '../sync/sse-client.js';

const ADMIN_TOKEN = 'guard-admin-token-0123456789abcdef';
const JWT_SECRET = 'guard-jwt-secret-0123456789abcdef0123';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const FAULTS = path.resolve('test/support/fault-injection.mjs');

/** `hub_unexpected_errors_total` by context, scraped from /metrics. */
async function unexpectedErrors(url: string): Promise<Record<string, number>> {
  const res = await request(url).get('/metrics').set(auth).expect(200);
  const counts: Record<string, number> = {};
  for (const m of res.text.matchAll(/^hub_unexpected_errors_total\{context="([^"]+)"\} (\d+)/gm))
    counts[m[1]] = Number(m[2]);
  return counts;
}

describe('Process guard: an error escaping a background path is reported, never fatal', () => {
  let app: ChildApp;
  let url: string;
  let receiver: Receiver;
  let stream: SseStream | undefined;

  beforeAll(async () => {
    receiver = await Receiver.start();
    app = spawnApp(
      {
        DATABASE_URL: await createSuiteDatabase(),
        ADMIN_TOKEN,
        JWT_SECRET,
        SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        OUTBOUND_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '100',
        EVENT_CONSUMER_POLL_MS: '200',
        LOG_LEVEL: 'error',
      },
      undefined,
      ['--import', FAULTS],
    );
    url = await app.ready;
    await request(url)
      .post('/webhooks/endpoints')
      .set(auth)
      .send({ url: receiver.url, eventTypes: ['guard.*'] })
      .expect(201);
  });

  afterAll(async () => {
    stream?.close();
    if (app && app.process.exitCode === null) {
      app.process.kill('SIGTERM');
      await app.exited;
    }
    await receiver?.close();
  });

  const alive = async () => {
    expect(app.process.exitCode).toBeNull();
    await request(url).get('/health').expect(200);
  };

  it('counts a fault thrown during a webhook delivery, and the delivery still arrives', async () => {
    await request(url)
      .post('/events')
      .set(auth)
      .send({ type: 'guard.delivery', source: 'test', data: { note: 'inject-delivery-fault' } })
      .expect(202);
    await waitFor(() => receiver.requests.length >= 1, 15000, 'the delivery');
    await waitFor(
      async () => (await unexpectedErrors(url))['webhook-delivery'] === 1,
      10000,
      'the fault counted under webhook-delivery',
    );
    await alive();
    expect(app.stdout()).toMatch(/"context":"webhook-delivery".*injected fault/);
  });

  it('counts a fault thrown while a consumer reads the log, and the bus keeps moving', async () => {
    const before = receiver.requests.length;
    await request(url)
      .post('/events')
      .set(auth)
      .send({ type: 'guard.consumer', source: 'test', data: { note: 'inject-consumer-fault' } })
      .expect(202);
    await waitFor(
      async () => (await unexpectedErrors(url))['event-consumer'] === 1,
      10000,
      'the fault counted under event-consumer',
    );
    await request(url)
      .post('/events')
      .set(auth)
      .send({ type: 'guard.after', source: 'test', data: {} })
      .expect(202);
    await waitFor(() => receiver.requests.length >= before + 2, 15000, 'both later deliveries');
    await alive();
  });

  it('counts a fault thrown while writing to a stream, and the stream keeps flowing', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('guard-user')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const appId = `guard-${randomUUID().slice(0, 8)}`;
    stream = await openSse(`${url}/sync/${appId}/stream?collections=cards`, { token });
    expect(stream.status).toBe(200);
    const pushOne = async (title: string) => {
      const eventId = randomUUID();
      await request(url)
        .post(`/sync/${appId}`)
        .set({ Authorization: `Bearer ${token}` })
        .send({
          clientId: 'other-device',
          changes: [{ eventId, table: 'cards', id: randomUUID(), op: 'insert', data: { title } }],
        })
        .expect(200);
      return eventId;
    };
    await pushOne('inject-stream-fault');
    await waitFor(
      async () => (await unexpectedErrors(url))['sync-stream'] === 1,
      10000,
      'the fault counted under sync-stream',
    );
    const later = await pushOne('after the fault');
    await waitFor(() => receivedEventIds(stream!).includes(later), 10000, 'a later change');
    await alive();
  });
});
