import request from 'supertest';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, publish } from './helpers.js';

describe('Webhook replay names what it skipped', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const replay = (endpointId: string, body: Record<string, unknown>) =>
    request(t.url)
      .post(`/webhooks/endpoints/${endpointId}/replay`)
      .set(bearer(t.adminToken))
      .send(body)
      .expect(200);

  it('answers count and, per skipped id, not-found, type-not-matched or already-delivered', async () => {
    // Published before the endpoint existed: no delivery until replayed.
    const [before] = await publish(t, { type: 'order.placed', source: 't' });
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['order.*'] });
    // Published after: fanned out to the endpoint on its own.
    const [after, other] = await publish(t, [
      { type: 'order.shipped', source: 't' },
      { type: 'user.created', source: 't' },
    ]);
    await waitFor(
      async () => (await deliveriesOf(t, ep.id)).some((d) => d.eventId === after),
      10000,
      'the fanned-out delivery',
    );
    const missing = '9223372036854775807';

    const res = await replay(ep.id, { eventIds: [missing, after, before, other, before] });
    expect(res.body).toEqual({
      count: 1,
      skipped: [
        { eventId: missing, reason: 'not-found' },
        { eventId: after, reason: 'already-delivered' },
        { eventId: other, reason: 'type-not-matched' },
      ],
    });
    const deliveries = await deliveriesOf(t, ep.id);
    expect(deliveries.map((d) => d.eventId).sort()).toEqual([after, before].sort());

    // Asked again, the replayed one is now already delivered too.
    const again = await replay(ep.id, { eventIds: [before] });
    expect(again.body).toEqual({
      count: 0,
      skipped: [{ eventId: before, reason: 'already-delivered' }],
    });

    // The since form answers a count, with nothing listed as skipped.
    const since = await replay(ep.id, { since: '2000-01-01T00:00:00Z' });
    expect(since.body).toEqual({ count: 0, skipped: [] });
  });

  it('replays by since as before', async () => {
    const [early] = await publish(t, { type: 'invoice.sent', source: 't' });
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['invoice.*'] });
    const res = await replay(ep.id, { since: '2000-01-01T00:00:00Z' });
    expect(res.body).toEqual({ count: 1, skipped: [] });
    expect((await deliveriesOf(t, ep.id)).map((d) => d.eventId)).toEqual([early]);
  });
});
