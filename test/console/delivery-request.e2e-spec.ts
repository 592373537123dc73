import request from 'supertest';
import { createEndpoint, deliveriesOf, deliveryDetail, publish } from '../webhooks/helpers.js';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

const SECRET_HEADER = 'Bearer s3cret-of-the-receiver';

describe('a delivery as the console shows it: each attempt with its request headers', () => {
  let t: TestApp;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        OUTBOUND_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_TIMEOUT_MS: '1000',
        EVENT_CONSUMER_POLL_MS: '200',
      },
    });
  });

  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  it('keeps the headers each attempt sent, static header values redacted', async () => {
    const r = await receivers.start((_req, res, i) => {
      res.statusCode = i === 0 ? 500 : 200;
      res.setHeader('x-request-id', `rcv-${i}`);
      res.end(i === 0 ? 'try later' : 'ok');
    });
    const e = await createEndpoint(t, {
      url: r.url,
      eventTypes: ['console.detail'],
      headers: { Authorization: SECRET_HEADER, 'x-tenant': 'acme' },
    });
    await publish(t, { type: 'console.detail', source: 'console-test', data: { n: 1 } });
    const [d] = await waitFor(async () => {
      const ds = await deliveriesOf(t, e.id);
      return ds[0]?.status === 'succeeded' ? ds : undefined;
    });
    const detail = await deliveryDetail(t, d.id);
    expect(detail.attempts).toHaveLength(2);
    for (const [i, a] of (detail.attempts as Record<string, unknown>[]).entries()) {
      const sent = r.requests[i].headers;
      expect(a.requestHeaders).toEqual({
        Authorization: '[redacted]',
        'x-tenant': '[redacted]',
        'content-type': 'application/json',
        'user-agent': sent['user-agent'],
        'webhook-id': d.webhookId,
        'webhook-timestamp': sent['webhook-timestamp'],
        'webhook-signature': sent['webhook-signature'],
      });
      expect(sent.authorization).toBe(SECRET_HEADER);
      expect(sent['x-tenant']).toBe('acme');
      expect(a.responseHeaders).toMatchObject({ 'x-request-id': `rcv-${i}` });
      expect(typeof a.durationMs).toBe('number');
      expect(Date.parse(String(a.startedAt))).not.toBeNaN();
    }
    expect(detail.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
    expect(detail.attempts[0].responseBody).toBe('try later');
    expect(JSON.parse(detail.payload)).toMatchObject({ type: 'console.detail', data: { n: 1 } });
    expect(JSON.stringify(detail)).not.toContain('s3cret');
    expect(JSON.stringify(detail.attempts)).not.toContain('acme');
  });

  it('keeps them for a test send too, and lists deliveries by event type', async () => {
    const r = await receivers.start();
    const e = await createEndpoint(t, { url: r.url, eventTypes: ['console.other'] });
    const attempt = (
      await request(t.url)
        .post(`/webhooks/endpoints/${e.id}/test`)
        .set(bearer(t.adminToken))
        .send({})
        .expect((res) => expect([200, 201]).toContain(res.status))
    ).body;
    expect(attempt.requestHeaders['webhook-signature']).toBe(
      r.requests[0].headers['webhook-signature'],
    );
    const listed = await request(t.url)
      .get('/webhooks/deliveries')
      .query({ endpointId: e.id, eventType: 'webhook.test', status: 'succeeded' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(listed.body.data).toHaveLength(1);
    const none = await request(t.url)
      .get('/webhooks/deliveries')
      .query({ endpointId: e.id, eventType: 'console.other' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(none.body.data).toEqual([]);
  });
});
