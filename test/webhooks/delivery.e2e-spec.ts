import request from 'supertest';
import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor, waitForIdle } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, deliveryDetail, FAST_WEBHOOKS, publish } from './helpers.js';

describe('Webhook deliveries', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(() => receiver.close());

  it('sends {type, timestamp, data} with Standard Webhooks headers that standardwebhooks verifies', async () => {
    const ep = await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['card.*'],
      headers: { 'X-Team': 'billing' },
    });
    await publish(t, [
      {
        type: 'card.created',
        source: 'cards',
        data: { id: 7 },
        occurredAt: '2026-11-23T10:00:00.000Z',
      },
      { type: 'order.paid', source: 'shop' },
    ]);
    await waitFor(() => receiver.requests.length >= 1, 10000, 'delivery');
    const [req] = receiver.requests;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^IntegrationHub-Webhooks/);
    expect(req.headers['x-team']).toBe('billing');
    expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    const verified = new Webhook(ep.secret).verify(req.body, req.headers as Record<string, string>);
    expect(verified).toEqual({
      type: 'card.created',
      timestamp: '2026-11-23T10:00:00.000Z',
      data: { id: 7 },
    });
    // The exact bytes docs/webhooks.md shows: compact, not PostgreSQL's `{"type" : ...}`.
    expect(req.body).toBe(
      '{"type":"card.created","timestamp":"2026-11-23T10:00:00.000Z","data":{"id":7}}',
    );
    await waitForIdle(t); // fan-out has read order.paid, and any delivery of it is done
    expect(receiver.requests).toHaveLength(1); // order.paid does not match card.*
  });

  it('sends data compact, keeping spaces inside strings', async () => {
    await createEndpoint(t, { url: receiver.url, eventTypes: ['bytes.check'] });
    await publish(t, {
      type: 'bytes.check',
      source: 't',
      occurredAt: '2026-11-23T10:00:00.000Z',
      data: { text: 'a : b, c "q"', nested: { list: [1, 2.5, { k: null }] }, n: -300 },
    });
    await waitFor(() => receiver.requests.length >= 1, 10000, 'delivery');
    // Keys in jsonb's order (shorter first), as docs/webhooks.md says.
    expect(receiver.requests[0].body).toBe(
      '{"type":"bytes.check","timestamp":"2026-11-23T10:00:00.000Z","data":' +
        '{"n":-300,"text":"a : b, c \\"q\\"","nested":{"list":[1,2.5,{"k":null}]}}}',
    );
  });

  it('signs with both secrets during rotation, and each verifies', async () => {
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['rotation.check'] });
    const rotated = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/secret/rotate`)
      .set(bearer(t.adminToken))
      .send({ graceSeconds: 3600 })
      .expect(200);
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(rotated.body.previous).toHaveLength(1);
    await publish(t, { type: 'rotation.check', source: 't' });
    await waitFor(() => receiver.requests.length >= 1, 10000, 'delivery');
    const [req] = receiver.requests;
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [ep.secret, rotated.body.secret]) {
      expect(() =>
        new Webhook(secret).verify(req.body, req.headers as Record<string, string>),
      ).not.toThrow();
    }
  });

  it('retries a 500 twice with the same webhook-id and logs three attempts in order', async () => {
    receiver.handler = (_req, res, i) => {
      res.statusCode = i < 2 ? 500 : 200;
      res.end(i < 2 ? 'boom' : 'ok');
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['retry.check'] });
    await publish(t, { type: 'retry.check', source: 't' });
    await waitFor(() => receiver.requests.length >= 3, 10000, 'three attempts');
    expect(new Set(receiver.ids()).size).toBe(1);
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(t, ep.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    const detail = await deliveryDetail(t, d.id);
    expect(
      detail.attempts.map((a: { attemptNumber: number; statusCode: number }) => [
        a.attemptNumber,
        a.statusCode,
      ]),
    ).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(detail.attempts[0]).toMatchObject({
      error: 'receiver answered 500',
      responseBody: 'boom',
    });
    expect(detail.webhookId).toBe(receiver.ids()[0]);
  });

  it('records a timeout, a closed socket and a redirect as failed attempts with clear errors', async () => {
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['never.published'] });
    const test = () =>
      request(t.url)
        .post(`/webhooks/endpoints/${ep.id}/test`)
        .set(bearer(t.adminToken))
        .send({})
        .expect(200);

    receiver.handler = () => undefined; // never answers
    expect((await test()).body).toMatchObject({
      statusCode: null,
      error: 'timed out after 1000 ms',
    });

    receiver.handler = (_req, res) => void res.socket?.destroy();
    expect((await test()).body.error).toMatch(/connection closed by the receiver|socket hang up/);

    receiver.handler = (_req, res) => {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest' });
      res.end();
    };
    expect((await test()).body).toMatchObject({
      statusCode: 302,
      error: 'redirect (302) to http://169.254.169.254/latest not followed',
    });
    expect(receiver.requests).toHaveLength(3); // the redirect target was never requested
  });

  it('honours a Retry-After on 429 that is longer than the schedule', async () => {
    receiver.handler = (_req, res, i) => {
      if (i === 0) res.writeHead(429, { 'Retry-After': '2' });
      res.end();
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['throttle.check'] });
    await publish(t, { type: 'throttle.check', source: 't' });
    await waitFor(() => receiver.requests.length >= 2, 10000, 'second attempt');
    expect(receiver.requests[1].at - receiver.requests[0].at).toBeGreaterThanOrEqual(1900);
    const [d] = await deliveriesOf(t, ep.id);
    const detail = await deliveryDetail(t, d.id);
    expect(detail.attempts[0]).toMatchObject({
      statusCode: 429,
      responseHeaders: { 'retry-after': '2' },
    });
  });

  it('marks a delivery failed after the last attempt and publishes webhook.delivery.exhausted', async () => {
    receiver.handler = (_req, res) => {
      res.statusCode = 503;
      res.end();
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['doomed.event'] });
    await publish(t, { type: 'doomed.event', source: 't' });
    const [d] = await waitFor(
      async () => {
        const list = await deliveriesOf(t, ep.id);
        return list[0]?.status === 'failed' ? list : undefined;
      },
      15000,
      'failed delivery',
    );
    expect(d.attemptCount).toBe(4);
    const events = await waitFor(async () => {
      const res = await request(t.url)
        .get('/events')
        .query({ type: 'webhook.delivery.exhausted' })
        .set(bearer(t.adminToken));
      return res.body.data.find((e: { subject: string }) => e.subject === d.id);
    });
    expect(events).toMatchObject({
      severity: 'warning',
      origin: 'webhooks',
      data: { endpointId: ep.id, attempts: 4 },
    });

    // One more attempt on request, even for a failed delivery.
    receiver.handler = (_req, res) => void res.end('ok');
    await request(t.url)
      .post(`/webhooks/deliveries/${d.id}/retry`)
      .set(bearer(t.adminToken))
      .expect(200);
    await waitFor(
      async () => (await deliveryDetail(t, d.id)).status === 'succeeded',
      10000,
      'retried delivery',
    );
  });

  it('disables an endpoint that answers 410 Gone and lets an operator re-enable it', async () => {
    receiver.handler = (_req, res) => {
      res.statusCode = 410;
      res.end();
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['gone.event'] });
    await publish(t, { type: 'gone.event', source: 't' });
    const disabled = await waitFor(async () => {
      const res = await request(t.url)
        .get(`/webhooks/endpoints/${ep.id}`)
        .set(bearer(t.adminToken));
      return res.body.enabled === false ? res.body : undefined;
    });
    expect(disabled.disabledReason).toContain('410');
    await waitFor(async () => {
      const res = await request(t.url)
        .get('/events')
        .query({ type: 'webhook.endpoint.disabled' })
        .set(bearer(t.adminToken));
      return res.body.data.some((e: { subject: string }) => e.subject === ep.id);
    });
    const [d] = await deliveriesOf(t, ep.id);
    expect(d.attemptCount).toBe(1);

    receiver.handler = (_req, res) => void res.end('ok');
    const reenabled = await request(t.url)
      .patch(`/webhooks/endpoints/${ep.id}`)
      .set(bearer(t.adminToken))
      .send({ enabled: true })
      .expect(200);
    expect(reenabled.body).toMatchObject({
      enabled: true,
      disabledReason: null,
      failingSince: null,
    });
  });

  it('disables an endpoint whose every attempt failed for the configured period', async () => {
    receiver.handler = (_req, res) => {
      res.statusCode = 500;
      res.end();
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['streak.event'] });
    // Pretend the streak started long ago: the next failure crosses WEBHOOK_DISABLE_AFTER (5 days).
    await t.app
      .get(DataSource)
      .query(
        `UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = $1`,
        [ep.id],
      );
    await publish(t, { type: 'streak.event', source: 't' });
    const disabled = await waitFor(async () => {
      const res = await request(t.url)
        .get(`/webhooks/endpoints/${ep.id}`)
        .set(bearer(t.adminToken));
      return res.body.enabled === false ? res.body : undefined;
    });
    expect(disabled.disabledReason).toContain('every attempt failed');
  });

  it('replays past events to a new endpoint and recovers failed deliveries', async () => {
    const ids = await publish(t, [
      { type: 'history.one', source: 't' },
      { type: 'history.two', source: 't' },
      { type: 'other.three', source: 't' },
    ]);
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['history.*'] });
    const replayed = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/replay`)
      .set(bearer(t.adminToken))
      .send({ eventIds: ids })
      .expect(200);
    expect(replayed.body).toEqual({
      count: 2,
      skipped: [{ eventId: ids[2], reason: 'type-not-matched' }],
    });
    await waitFor(() => receiver.requests.length >= 2, 10000, 'replayed deliveries');
    const again = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/replay`)
      .set(bearer(t.adminToken))
      .send({ eventIds: ids })
      .expect(200);
    expect(again.body).toEqual({
      count: 0,
      skipped: [
        { eventId: ids[0], reason: 'already-delivered' },
        { eventId: ids[1], reason: 'already-delivered' },
        { eventId: ids[2], reason: 'type-not-matched' },
      ],
    });
    await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/replay`)
      .set(bearer(t.adminToken))
      .send({})
      .expect(400);

    const ds = t.app.get(DataSource);
    await ds.query(`UPDATE webhook_deliveries SET status = 'failed' WHERE endpoint_id = $1`, [
      ep.id,
    ]);
    const recovered = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/recover`)
      .set(bearer(t.adminToken))
      .send({ since: '2000-01-01T00:00:00Z' })
      .expect(200);
    expect(recovered.body).toEqual({ count: 2 });
    await waitFor(() => receiver.requests.length >= 4, 10000, 'recovered deliveries');

    // Successes are settled in batches after the receiver answered: wait for the settle.
    const stats = await waitFor(
      async () => {
        const res = await request(t.url)
          .get(`/webhooks/endpoints/${ep.id}/stats`)
          .set(bearer(t.adminToken))
          .expect(200);
        return res.body.counts.pending === 0 ? res : undefined;
      },
      10000,
      'the recovered deliveries settled',
    );
    expect(stats.body.counts.succeeded).toBe(2);
    expect(stats.body.successRate).toBe(1);
    expect(stats.body.p50Ms).toEqual(expect.any(Number));
  });

  it('records a test send like a delivery: listed, counted in stats, sent once, never retried', async () => {
    receiver.handler = (_req, res) => {
      res.statusCode = 500;
      res.end('down');
    };
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['never.published'] });
    const attempt = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/test`)
      .set(bearer(t.adminToken))
      .send({})
      .expect(200);
    expect(attempt.body.statusCode).toBe(500);
    expect(JSON.parse(receiver.requests[0].body)).toMatchObject({
      type: 'webhook.test',
      data: { test: true },
    });
    const [listed] = await deliveriesOf(t, ep.id);
    expect(listed).toMatchObject({
      eventType: 'webhook.test',
      eventId: null,
      status: 'failed',
      attemptCount: 1,
      nextAttemptAt: null,
    });
    const stats = await request(t.url)
      .get(`/webhooks/endpoints/${ep.id}/stats`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(stats.body.counts).toEqual({ pending: 0, succeeded: 0, failed: 1 });
    // The retry schedule here is 200 ms: a queued retry would keep the hub busy until sent.
    await waitForIdle(t);
    expect(receiver.requests).toHaveLength(1);
  });

  it('never puts the secret in the attempt log', async () => {
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['never.published'] });
    await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/test`)
      .set(bearer(t.adminToken))
      .send({ eventType: 'card.created' })
      .expect(200);
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT * FROM webhook_attempts WHERE endpoint_id = $1`, [ep.id]);
    const stored = await t.app
      .get(DataSource)
      .query(`SELECT secrets::text FROM webhook_endpoints WHERE id = $1`, [ep.id]);
    const base64 = ep.secret.slice('whsec_'.length);
    expect(rows).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(base64);
    expect(stored[0].secrets).not.toContain(base64);
    expect(t.logs.some((l) => l.includes(base64))).toBe(false);
  });

  it('exposes delivery metrics', async () => {
    const scrape = async () =>
      (await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200)).text;
    const sample = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const succeeded = 'webhook_attempts_total{outcome="succeeded"}';
    const timed = 'webhook_attempt_duration_seconds_count{outcome="succeeded"}';
    const before = await scrape();

    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['metrics.check'] });
    await publish(t, { type: 'metrics.check', source: 't' });
    await waitFor(
      async () => (await deliveriesOf(t, ep.id)).some((d) => d.status === 'succeeded'),
      10000,
      'a succeeded delivery',
    );

    // Counted just after the delivery's row settles: give the scrape a moment to catch up.
    const after = await waitFor(
      async () => {
        const text = await scrape();
        return sample(text, succeeded) > sample(before, succeeded) && text;
      },
      5000,
      'the succeeded attempt to be counted',
    );
    expect(sample(after, succeeded)).toBe(sample(before, succeeded) + 1);
    expect(sample(after, timed)).toBe(sample(before, timed) + 1);
    expect(after).toMatch(/^webhook_queue_depth \d+$/m);
    expect(after).toMatch(/^webhook_oldest_pending_age_seconds \d+(\.\d+)?$/m);
  });
});
