import pg from 'pg';
import request from 'supertest';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from './helpers.js';

/**
 * One endpoint with a large due backlog that cannot be sent (disabled, at its in-flight
 * limit, rate limited) must not delay a healthy endpoint's delivery.
 */
describe('Claim fairness: a blocked endpoint’s backlog never stalls a healthy endpoint', () => {
  let t: TestApp;
  let db: pg.Client;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...FAST_WEBHOOKS, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2' },
    });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await receivers.closeAll();
    await t.close();
  });

  const receiver = receivers.start;

  /** 600 deliveries due an hour ago: older than anything a new event creates. */
  const backlog = (endpointId: string) =>
    db.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, next_attempt_at)
       SELECT $1, 'fair.backlog', '{}', now() - interval '1 hour' FROM generate_series(1, 600)`,
      [endpointId],
    );

  async function healthyDeliveryArrives(type: string): Promise<void> {
    const healthy = await receiver();
    await createEndpoint(t, { url: healthy.url, eventTypes: [type] });
    await publish(t, { type, source: 'fairness', data: {} });
    await waitFor(() => healthy.requests.length === 1, 5000, 'the healthy endpoint’s delivery');
  }

  it('beside a disabled endpoint with 600 pending deliveries', async () => {
    const idle = await receiver();
    const blocked = await createEndpoint(t, {
      url: idle.url,
      eventTypes: ['fair.none'],
      enabled: false,
    });
    await backlog(blocked.id);
    await healthyDeliveryArrives('fair.after-disabled');
    expect(idle.requests).toHaveLength(0);
  });

  it('beside an endpoint at its in-flight limit with 600 due deliveries', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hung = await receiver(async (_req, res) => {
      await gate;
      res.end('late');
    });
    const blocked = await createEndpoint(t, { url: hung.url, eventTypes: ['fair.none'] });
    await backlog(blocked.id);
    await waitFor(() => hung.requests.length >= 2, 5000, 'the blocked endpoint at its limit');
    try {
      await healthyDeliveryArrives('fair.after-busy');
    } finally {
      release();
    }
  });

  it('beside a rate-limited endpoint with 600 due deliveries', async () => {
    const slow = await receiver();
    const blocked = await createEndpoint(t, {
      url: slow.url,
      eventTypes: ['fair.none'],
      rateLimitPerSecond: 1,
    });
    await backlog(blocked.id);
    await waitFor(() => slow.requests.length >= 1, 5000, 'the rate-limited endpoint sending');
    await healthyDeliveryArrives('fair.after-rate-limited');
  });
});

describe('Claim fairness with messages: one receiving origin’s backlog never stalls another', () => {
  let t: TestApp;
  let db: pg.Client;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...FAST_WEBHOOKS, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2' },
    });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await receivers.closeAll();
    await t.close();
  });

  const sendMessage = async (url: string): Promise<string> =>
    (
      await request(t.url)
        .post('/webhooks/messages')
        .set(bearer(t.adminToken))
        .send({ url, type: 'fair.message', data: {} })
        .expect(202)
    ).body.id;

  it('delivers an endpoint’s event and another origin’s message beside an origin at its in-flight limit with 600 due messages', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hung = await receivers.start(async (_req, res) => {
      await gate;
      res.end('late');
    });
    const first = await sendMessage(hung.url);
    // 600 more messages to the hung origin, due an hour ago, on the lane the first one made.
    await db.query(
      `WITH m AS (
         INSERT INTO webhook_messages (id, url, secrets, signature, body, created_by)
         SELECT gen_random_uuid(), url, secrets, signature, body, created_by
         FROM webhook_messages, generate_series(1, 600) WHERE id = $1
         RETURNING id
       )
       INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, message_id, next_attempt_at)
       SELECT m.id, (SELECT endpoint_id FROM webhook_deliveries WHERE id = $1), 'fair.backlog',
              '{"type":"fair.backlog","timestamp":"2026-01-01T00:00:00.000Z","data":{}}', m.id,
              now() - interval '1 hour'
       FROM m`,
      [first],
    );
    try {
      await waitFor(() => hung.requests.length >= 2, 5000, 'the hung origin at its limit');
      const healthy = await receivers.start();
      await createEndpoint(t, { url: healthy.url, eventTypes: ['fair.after-messages'] });
      await publish(t, { type: 'fair.after-messages', source: 'fairness', data: {} });
      const other = await receivers.start();
      await sendMessage(other.url);
      await waitFor(
        () => healthy.requests.length === 1 && other.requests.length === 1,
        5000,
        'the endpoint’s delivery and the other origin’s message',
      );
      expect(hung.requests).toHaveLength(2);
    } finally {
      release();
    }
  });
});
