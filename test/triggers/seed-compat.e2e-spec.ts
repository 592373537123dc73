import { createHmac, timingSafeEqual } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Receiver, ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createTrigger, FAST_WEBHOOKS, publish, uniqueName, verified } from './helpers.js';

/**
 * A receiver written the way tiny-forge's were: it checks `sha256=<hex HMAC-SHA256 of the raw
 * body>` in `header` with the secret as configured, then reads the seed's keys.
 */
function seedReceiverVerifies(secret: string, rawBody: string, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`,
  );
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Receivers written for tiny-forge: its body, its signature scheme, its empty filters. */
describe('triggers: what a tiny-forge receiver and operator expect', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    admin = bearer(t.adminToken);
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t.close();
  });

  const src = () => uniqueName('seed').replace(/\W+/g, '-');
  const firstRequest = async (r: Receiver) => {
    await waitFor(() => r.requests.length >= 1, 10000, 'the firing');
    return r.requests[0];
  };

  it('sends the seed body by default: its keys in its order, the id as a string, the event-log fields', async () => {
    const r = await receivers.start();
    const source = src();
    const name = uniqueName('seed shape');
    const { id, secret } = await createTrigger(t, {
      name,
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
    });
    const read = await request(t.url).get(`/triggers/${id}`).set(admin).expect(200);
    expect(read.body.payloadFormat).toBe('tiny-forge');
    const [eventId] = await publish(t, {
      type: 'log.match',
      source,
      subject: 'disk-rule',
      severity: 'error',
      data: { message: 'disk /dev/sda1 full', rule: 'disk-rule' },
    });
    const req = await firstRequest(r);
    const body = verified(secret, req) as unknown as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['type', 'trigger_id', 'trigger_name', 'event', 'timestamp']);
    expect(body).toMatchObject({ type: 'event_trigger', trigger_id: id, trigger_name: name });
    expect(typeof body.trigger_id).toBe('string');
    expect(body.event).toEqual({
      id: eventId,
      type: 'log.match',
      source,
      severity: 'error',
      message: 'disk /dev/sda1 full',
      subject: 'disk-rule',
      data: { message: 'disk /dev/sda1 full', rule: 'disk-rule' },
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    // RFC 3339 UTC, what the seed's time.RFC3339 parser reads (with milliseconds added).
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('gives an event without a text message an empty `message`', async () => {
    const r = await receivers.start();
    const source = src();
    const { secret } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
    });
    await publish(t, { type: 'job.done', source, data: { message: 42 } });
    const body = verified(secret, await firstRequest(r)) as unknown as {
      event: Record<string, unknown>;
    };
    expect(body.event).toMatchObject({ message: '', data: { message: 42 }, subject: null });
  });

  it('keeps the camelCase hub body as payloadFormat "hub", and a PATCH switches a trigger', async () => {
    const r = await receivers.start();
    const source = src();
    const { id, secret } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
      payloadFormat: 'hub',
    });
    await publish(t, { type: 'a.b', source, severity: 'info', data: { message: 'one' } });
    const hub = verified(secret, await firstRequest(r)) as unknown as Record<string, unknown>;
    expect(Object.keys(hub)).toEqual(['type', 'triggerId', 'triggerName', 'event', 'timestamp']);
    expect(hub.event).toMatchObject({ source, data: { message: 'one' } });
    expect(hub.event).toHaveProperty('occurredAt');

    const patched = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ payloadFormat: 'tiny-forge' })
      .expect(200);
    expect(patched.body.payloadFormat).toBe('tiny-forge');
    await publish(t, { type: 'a.b', source, severity: 'info', data: { message: 'two' } });
    await waitFor(() => r.requests.length >= 2, 10000, 'the second firing');
    const seed = verified(secret, r.requests[1]) as unknown as Record<string, unknown>;
    expect(seed).toMatchObject({ trigger_id: id, event: { message: 'two' } });
  });

  it('refuses an unknown payloadFormat with a 400 naming the field', async () => {
    const res = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({
        name: uniqueName('bad format'),
        action: { type: 'webhook', url: 'https://alerts.example.com/x' },
        payloadFormat: 'xml',
      })
      .expect(400);
    expect(JSON.stringify(res.body.errors)).toContain('payloadFormat');
  });

  it('signs as sha256=<hex> in the chosen header, for firings and test sends, and keeps the scheme on a PATCH that leaves it out', async () => {
    let secret = '';
    const verdicts: boolean[] = [];
    const r = await receivers.start((req, res) => {
      const ok = seedReceiverVerifies(secret, req.body, req.headers['x-signature-256']);
      verdicts.push(ok);
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? 'ok' : 'bad signature');
    });
    const source = src();
    const created = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      action: {
        type: 'webhook',
        url: r.url,
        signature: { scheme: 'hmac-sha256-hex', header: 'X-Signature-256' },
      },
    });
    secret = created.secret;
    const read = await request(t.url).get(`/triggers/${created.id}`).set(admin).expect(200);
    expect(read.body.action.signature).toEqual({
      scheme: 'hmac-sha256-hex',
      header: 'x-signature-256',
    });

    await publish(t, { type: 'disk.full', source, severity: 'critical', data: { message: 'x' } });
    const req = await firstRequest(r);
    expect(req.headers['webhook-signature']).toBeUndefined();
    expect(req.headers['webhook-id']).toMatch(/^msg_/);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'event_trigger', trigger_id: created.id });

    const test = await request(t.url)
      .post(`/triggers/${created.id}/test`)
      .set(admin)
      .send({})
      .expect(200);
    expect(test.body).toMatchObject({ ok: true, statusCode: 200 });

    // An older client's PATCH of the action without `signature` does not switch the scheme.
    await request(t.url)
      .patch(`/triggers/${created.id}`)
      .set(admin)
      .send({ action: { type: 'webhook', url: r.url } })
      .expect(200);
    const again = await request(t.url)
      .post(`/triggers/${created.id}/test`)
      .set(admin)
      .send({})
      .expect(200);
    expect(again.body).toMatchObject({ ok: true, statusCode: 200 });
    expect(verdicts).toEqual([true, true, true]);
  });

  it('signs a draft test send with the draft action’s scheme (default header x-hub-signature-256)', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const r = await receivers.start((req, res) => {
      const ok = seedReceiverVerifies(secret, req.body, req.headers['x-hub-signature-256']);
      res.statusCode = ok ? 200 : 401;
      res.end();
    });
    const res = await request(t.url)
      .post('/triggers/test')
      .set(admin)
      .send({
        trigger: {
          name: uniqueName('draft hex'),
          action: { type: 'webhook', url: r.url, secret, signature: { scheme: 'hmac-sha256-hex' } },
        },
      })
      .expect(200);
    expect(res.body).toMatchObject({ ok: true, statusCode: 200 });
    expect(JSON.parse(r.requests[0].body)).toHaveProperty('trigger_name');
  });

  it('refuses a signature header that is also a static header, naming action.signature.header', async () => {
    const res = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({
        name: uniqueName('clash'),
        action: {
          type: 'webhook',
          url: 'https://alerts.example.com/x',
          headers: { 'X-Sig': 'static' },
          signature: { scheme: 'hmac-sha256-hex', header: 'x-sig' },
        },
      })
      .expect(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'action.signature.header' }),
    ]);
    const standard = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({
        name: uniqueName('header on standard'),
        action: {
          type: 'webhook',
          url: 'https://alerts.example.com/x',
          signature: { scheme: 'standard-webhooks', header: 'x-sig' },
        },
      })
      .expect(400);
    expect(JSON.stringify(standard.body.errors)).toContain('action.signature.header');
  });

  it('treats blank shorthands as absent: saved without them, and the trigger fires on every event', async () => {
    const r = await receivers.start();
    const source = src();
    const { id, secret } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      filter: { severity: '', source: ' , ', messageRegex: '', severityAtLeast: '' },
      action: { type: 'webhook', url: r.url },
    });
    const read = await request(t.url).get(`/triggers/${id}`).set(admin).expect(200);
    expect(read.body.filter).toEqual({});
    await publish(t, { type: 'any.thing', source, severity: 'debug', data: {} });
    const body = verified(secret, await firstRequest(r)) as unknown as Record<string, unknown>;
    expect(body).toMatchObject({ trigger_id: id, event: { severity: 'debug' } });

    // A PATCH blanking a shorthand drops it too.
    const patched = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ filter: { severity: 'error', source: '' } })
      .expect(200);
    expect(patched.body.filter).toEqual({ severity: 'error' });
  });

  it('matches a row stored with a blank shorthand (saved before the rule) like one without it', async () => {
    const r = await receivers.start();
    const source = src();
    const { id, secret } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
    });
    // As an older release stored it; updated_at moves so every matcher reloads its catalog.
    const db = t.app.get(DataSource);
    await db.query(
      `UPDATE event_triggers SET filter = '{"severity": "", "source": " "}'::jsonb,
              updated_at = clock_timestamp() WHERE id = $1`,
      [id],
    );
    await publish(t, { type: 'any.thing', source, severity: 'warning', data: {} });
    const body = verified(secret, await firstRequest(r)) as unknown as Record<string, unknown>;
    expect(body).toMatchObject({ trigger_id: id });
  });
});
