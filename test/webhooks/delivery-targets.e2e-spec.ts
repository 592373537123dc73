import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { WebhooksException } from '../../src/webhooks/webhooks.exception.js';
import { DeliveryService } from '../../src/webhooks/targets/delivery.service.js';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor, waitForIdle } from '../support/test-app.js';
import { FAST_WEBHOOKS } from './helpers.js';

const secretOf = (byte: number) => `whsec_${Buffer.alloc(32, byte).toString('base64')}`;

describe('DeliveryService: targets other modules register and enqueue to', () => {
  let t: TestApp;
  let sut: DeliveryService;
  const receivers = new ReceiverPool();
  const receiver = receivers.start;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    sut = t.app.get(DeliveryService);
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t.close();
  });

  it('delivers signed, hidden from the endpoints API, listed for its owner only', async () => {
    const r = await receiver();
    const secret = secretOf(7);
    const target = await sut.registerTarget('tests', 'rule-disk', { url: r.url, secret });
    const id = await sut.enqueue(
      target.id,
      { eventType: 'alert.fired', data: { rule: 'disk' } },
      { correlationId: 'firing-1', origin: 'event-triggers' },
    );
    await waitFor(() => r.requests.length >= 1, 10000, 'the delivery');
    const [req] = r.requests;
    expect(
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>),
    ).toMatchObject({ type: 'alert.fired', data: { rule: 'disk' } });
    const listed = await request(t.url).get('/webhooks/endpoints').set(bearer(t.adminToken));
    expect(listed.body.data.map((e: { url: string }) => e.url)).not.toContain(r.url);
    const apiDeliveries = await request(t.url)
      .get('/webhooks/deliveries')
      .set(bearer(t.adminToken));
    expect(apiDeliveries.body.data.map((d: { id: string }) => d.id)).not.toContain(id);

    await waitFor(
      async () => (await sut.getDelivery('tests', id)).status === 'succeeded',
      5000,
      'the delivery settled',
    );
    const own = await sut.listDeliveries('tests', { targetKey: 'rule-disk' });
    expect(own.data.map((d) => d.id)).toEqual([id]);
    expect((await sut.getDelivery('tests', id)).attempts).toHaveLength(1);
    await expect(sut.getDelivery('someone-else', id)).rejects.toBeInstanceOf(WebhooksException);
    expect((await sut.listDeliveries('someone-else')).data).toEqual([]);
  });

  it('keeps two rules on one URL apart: each retry is signed with its own secret and headers', async () => {
    const seen = new Map<string, number>();
    const r = await receiver((req, res) => {
      const rule = String(req.headers['x-rule']);
      seen.set(rule, (seen.get(rule) ?? 0) + 1);
      res.statusCode = seen.get(rule)! < 3 ? 500 : 200; // two failures each, then success
      res.end();
    });
    const a = await sut.registerTarget('tests', 'rule-a', {
      url: r.url,
      secret: secretOf(1),
      headers: { 'x-rule': 'a' },
    });
    const b = await sut.registerTarget('tests', 'rule-b', {
      url: r.url,
      secret: secretOf(2),
      headers: { 'x-rule': 'b' },
    });
    expect(a.id).not.toBe(b.id);
    await sut.enqueue(a.id, { eventType: 'rule.a', data: {} });
    await sut.enqueue(b.id, { eventType: 'rule.b', data: {} });
    await waitFor(() => r.requests.length >= 6, 10000, 'three attempts of each');
    for (const req of r.requests) {
      const rule = String(req.headers['x-rule']);
      const secret = secretOf(rule === 'a' ? 1 : 2);
      expect(
        new Webhook(secret).verify(req.body, req.headers as Record<string, string>),
      ).toMatchObject({ type: `rule.${rule}` });
    }
  });

  it('refuses new deliveries to a target a 410 disabled, until it is enabled again', async () => {
    let gone = true;
    const r = await receiver((_req, res) => {
      res.statusCode = gone ? 410 : 200;
      res.end();
    });
    const target = await sut.registerTarget('tests', 'rule-gone', {
      url: r.url,
      secret: secretOf(3),
    });
    await sut.enqueue(target.id, { eventType: 'gone.first', data: {} });
    await waitFor(
      async () => (await sut.getTarget('tests', 'rule-gone'))?.enabled === false,
      10000,
      'the target disabled by 410',
    );
    const refused = sut.enqueue(target.id, { eventType: 'gone.second', data: {} });
    await expect(refused).rejects.toMatchObject({ status: 409, code: 'webhook-target-disabled' });
    expect((await sut.listDeliveries('tests', { targetKey: 'rule-gone' })).data).toHaveLength(1);

    gone = false;
    await sut.setEnabled('tests', 'rule-gone', true);
    await sut.enqueue(target.id, { eventType: 'gone.third', data: {} });
    await waitFor(() => r.requests.length >= 2, 10000, 'a delivery after re-enabling');
  });

  it('enqueues in the caller’s transaction: rolled back, nothing is delivered', async () => {
    const r = await receiver();
    const target = await sut.registerTarget('tests', 'rule-tx', {
      url: r.url,
      secret: secretOf(4),
    });
    await expect(
      t.app.get(DataSource).transaction(async (m) => {
        await sut.enqueue(target.id, { eventType: 'tx.rolled-back', data: {} }, {}, m);
        throw new Error('the rule’s own write failed');
      }),
    ).rejects.toThrow('the rule’s own write failed');
    await sut.enqueue(target.id, { eventType: 'tx.committed', data: {} });
    await waitFor(() => r.requests.length >= 1, 10000, 'the committed delivery');
    await waitForIdle(t); // a delivery of the rolled-back enqueue would be due or sent by now
    expect(r.requests.map((q) => JSON.parse(q.body).type)).toEqual(['tx.committed']);
    expect((await sut.listDeliveries('tests', { targetKey: 'rule-tx' })).data).toHaveLength(1);
  });

  it('refuses a bad secret, a refused URL and bad headers when a target is registered', async () => {
    await expect(
      sut.registerTarget('tests', 'bad', { url: 'http://127.0.0.1:9/x', secret: 'nope' }),
    ).rejects.toMatchObject({ errors: [{ field: 'secret' }] });
    await expect(
      sut.registerTarget('tests', 'bad', {
        url: 'http://127.0.0.1:9/x',
        secret: secretOf(5),
        headers: { 'content-length': '1' },
      }),
    ).rejects.toMatchObject({ errors: [{ field: 'headers' }] });
    await expect(
      sut.registerTarget('tests', 'bad', { url: 'ftp://127.0.0.1/x', secret: secretOf(5) }),
    ).rejects.toMatchObject({ status: 422 });
    expect(await sut.getTarget('tests', 'bad')).toBeUndefined();
  });
});
