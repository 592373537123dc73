import request from 'supertest';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { userToken } from '../sync/helpers.js';
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS } from '../webhooks/helpers.js';

const ISO_UTC_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:?\d{2}$/;

/** Every string in an answer that looks like a time with a numeric offset instead of Z. */
function offsetTimes(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return TIME_WITH_OFFSET.test(value) ? [`${path}=${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => offsetTimes(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => offsetTimes(v, path ? `${path}.${k}` : k));
  return [];
}

describe('Answer formats: times in UTC with Z, counts as numbers, null where a field does not apply', () => {
  let t: TestApp;
  let ok: Receiver;
  let failing: Receiver;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...FAST_WEBHOOKS, WEBHOOK_RETRY_SCHEDULE: '1h' } });
    ok = await Receiver.start();
    failing = await Receiver.start((_req, res) => {
      res.statusCode = 500;
      res.end('no');
    });
  });
  afterAll(async () => {
    await t.close();
    await ok.close();
    await failing.close();
  });

  it("answers a space member's addedAt as ISO 8601 UTC with Z", async () => {
    const owner = await userToken(t, 'fmt-owner');
    const created = await request(t.url)
      .post('/sync/formats-app/spaces')
      .set(bearer(owner))
      .send({ name: 'team' })
      .expect(201);
    await request(t.url)
      .post(`/sync/formats-app/spaces/${created.body.id}/members`)
      .set(bearer(owner))
      .send({ userId: 'fmt-member' })
      .expect((res) => expect(res.status).toBeLessThan(300));
    const list = await request(t.url)
      .get('/sync/formats-app/spaces')
      .set(bearer(owner))
      .expect(200);
    const spaces = Array.isArray(list.body) ? list.body : list.body.data;
    const space = spaces.find((s: { id: string }) => s.id === created.body.id);
    expect(space.members).toHaveLength(2);
    for (const m of space.members) expect(m.addedAt).toMatch(ISO_UTC_Z);
    expect(space.createdAt).toMatch(ISO_UTC_Z);
    expect(offsetTimes(list.body)).toEqual([]);
  });

  it("answers a consumer's processedCount as a number, like lag", async () => {
    await request(t.url)
      .post('/events')
      .set(bearer(t.adminToken))
      .send({ type: 'formats.count', source: 'formats' })
      .expect(202);
    const res = await request(t.url).get('/events/consumers').set(bearer(t.adminToken)).expect(200);
    expect(res.body.length).toBeGreaterThan(0);
    for (const c of res.body) {
      expect(typeof c.processedCount).toBe('number');
      expect(typeof c.lag).toBe('number');
      expect(typeof c.poisonCount).toBe('number');
    }
    expect(offsetTimes(res.body)).toEqual([]);
  });

  it('answers nextAttemptAt only for pending deliveries, null once succeeded or failed', async () => {
    const good = await createEndpoint(t, { url: ok.url, eventTypes: ['formats.none'] });
    const bad = await createEndpoint(t, { url: failing.url, eventTypes: ['formats.retry'] });
    for (const id of [good.id, bad.id]) {
      await request(t.url)
        .post(`/webhooks/endpoints/${id}/test`)
        .set(bearer(t.adminToken))
        .send({})
        .expect(200);
    }
    await request(t.url)
      .post('/events')
      .set(bearer(t.adminToken))
      .send({ type: 'formats.retry', source: 'formats' })
      .expect(202);
    const pending = await waitFor(async () =>
      (await deliveriesOf(t, bad.id)).find((d) => d.status === 'pending' && d.attemptCount === 1),
    );

    const [succeeded] = await deliveriesOf(t, good.id);
    const failed = (await deliveriesOf(t, bad.id)).find((d) => d.status === 'failed');
    expect(succeeded).toMatchObject({ status: 'succeeded', nextAttemptAt: null });
    expect(failed).toMatchObject({ nextAttemptAt: null });
    expect(pending.nextAttemptAt).toMatch(ISO_UTC_Z);
    expect(Date.parse(pending.nextAttemptAt!)).toBeGreaterThan(Date.now());
    const detail = await request(t.url)
      .get(`/webhooks/deliveries/${succeeded.id}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(detail.body.nextAttemptAt).toBeNull();
    expect(detail.body.completedAt).toMatch(ISO_UTC_Z);
    expect(offsetTimes(detail.body)).toEqual([]);
  });
});
