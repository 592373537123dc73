import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

describe('Events API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const publish = (body: unknown, headers: Record<string, string> = {}) =>
    request(t.url)
      .post('/events')
      .set(bearer(t.adminToken))
      .set(headers)
      .send(body as object);

  it('publishes one event and answers 202 with its id', async () => {
    const res = await publish({
      type: 'card.created',
      source: 'billing',
      subject: 'card_1',
      data: { amount: 5 },
    }).expect(202);
    expect(res.body.ids).toHaveLength(1);
    const list = await request(t.url)
      .get('/events')
      .query({ type: 'card.*' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(list.body.data[0]).toMatchObject({
      id: res.body.ids[0],
      type: 'card.created',
      source: 'billing',
      subject: 'card_1',
      data: { amount: 5 },
      severity: 'info',
    });
  });

  it('publishes a batch in order, ids ascending', async () => {
    const batch = Array.from({ length: 20 }, (_, i) => ({
      type: 'batch.item',
      source: 'loader',
      data: { i },
    }));
    const res = await publish(batch).expect(202);
    expect(res.body.ids).toHaveLength(20);
    const ids = res.body.ids.map(BigInt);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('rejects a batch over 500 events with a problem naming the body', async () => {
    const batch = Array.from({ length: 501 }, () => ({ type: 'x.y', source: 's' }));
    const res = await publish(batch).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([
      { field: 'body', message: expect.stringContaining('1 to 500') },
    ]);
  });

  it('says a missing required field "is required", not the message of its other rules', async () => {
    const res = await publish({ source: 'loader' }).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'type', message: 'is required' }]);
  });

  it('says a required field sent as null "must not be null"; optional ones may be null', async () => {
    const res = await publish({ type: null, source: 'loader', data: { a: 1 } }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'type', message: 'must not be null' }]);
    const batch = await publish([{ type: 'ok.one' }, { source: 'loader' }]).expect(400);
    expect(batch.body.errors).toEqual([
      { field: '[0].source', message: 'is required' },
      { field: '[1].type', message: 'is required' },
    ]);
  });

  it('says a date-time without an offset is missing its offset (occurredAt, since)', async () => {
    const res = await publish({
      type: 'x.y',
      source: 's',
      occurredAt: '2026-11-23T15:06:00',
    }).expect(400);
    expect(res.body.errors).toEqual([
      { field: 'occurredAt', message: 'must carry a UTC offset (Z or ±hh:mm)' },
    ]);
    const list = await request(t.url)
      .get('/events')
      .query({ since: '2026-11-23T15:06:00' })
      .set(bearer(t.adminToken))
      .expect(400);
    expect(list.body.errors).toEqual([
      { field: 'since', message: 'must carry a UTC offset (Z or ±hh:mm)' },
    ]);
  });

  it('names the index and field of an invalid event in a batch and writes none of it', async () => {
    const before = await request(t.url)
      .get('/events')
      .query({ source: 'partial' })
      .set(bearer(t.adminToken));
    const res = await publish([
      { type: 'ok.one', source: 'partial' },
      { type: 'Not Valid', source: 'partial', bogus: 1 },
    ]).expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: '[1].type' }),
        expect.objectContaining({ field: '[1].bogus', message: 'should not exist' }),
      ]),
    );
    const after = await request(t.url)
      .get('/events')
      .query({ source: 'partial' })
      .set(bearer(t.adminToken));
    expect(after.body.data).toHaveLength(before.body.data.length);
  });

  it('replays the first answer for a repeated Idempotency-Key and stores nothing twice', async () => {
    const body = { type: 'order.paid', source: 'shop', subject: 'order-77' };
    const first = await publish(body, { 'Idempotency-Key': 'pay-77' }).expect(202);
    const second = await publish(body, { 'Idempotency-Key': 'pay-77' }).expect(202);
    expect(second.body).toEqual(first.body);
    const list = await request(t.url)
      .get('/events')
      .query({ type: 'order.paid' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(
      list.body.data.filter((e: { subject: string }) => e.subject === 'order-77'),
    ).toHaveLength(1);
  });

  it('answers 409 when an Idempotency-Key is reused with a different body', async () => {
    await publish(
      { type: 'order.paid', source: 'shop', subject: 'a' },
      { 'Idempotency-Key': 'reuse-1' },
    ).expect(202);
    const res = await publish(
      { type: 'order.paid', source: 'shop', subject: 'b' },
      { 'Idempotency-Key': 'reuse-1' },
    ).expect(409);
    expect(res.body.type).toMatch(/idempotency-key-reused/);
  });

  it('treats the same JSON with keys in another order and other spacing as the same request', async () => {
    const raw = (text: string) =>
      request(t.url)
        .post('/events')
        .set(bearer(t.adminToken))
        .set('Idempotency-Key', 'canon-1')
        .set('Content-Type', 'application/json')
        .send(text);
    const first = await raw(
      '{"type":"order.paid","source":"shop","subject":"canon","data":{"a":1,"b":[1,{"x":1,"y":2}]}}',
    ).expect(202);
    const reordered = await raw(
      '{ "data" : { "b" : [ 1, { "y": 2, "x": 1 } ], "a" : 1 },\n  "subject": "canon", "source": "shop", "type": "order.paid" }',
    ).expect(202);
    expect(reordered.body).toEqual(first.body);
    const otherValue = await raw(
      '{"type":"order.paid","source":"shop","subject":"canon","data":{"a":2,"b":[1,{"x":1,"y":2}]}}',
    ).expect(409);
    expect(otherValue.body.type).toMatch(/idempotency-key-reused/);
    await raw(
      '{"type":"order.paid","source":"shop","subject":"canon","data":{"a":1,"b":[{"x":1,"y":2},1]}}',
    ).expect(409);
  });

  it('gives concurrent requests with one Idempotency-Key a single write and the same answer', async () => {
    const body = { type: 'order.refunded', source: 'shop', subject: 'race' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => publish(body, { 'Idempotency-Key': 'race-1' })),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((a) => a.body.ids[0])).size).toBe(1);
  });

  it('pages newest first with an opaque cursor and filters by source and since', async () => {
    await publish(
      Array.from({ length: 7 }, (_, i) => ({ type: 'page.item', source: 'pager', data: { i } })),
    ).expect(202);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(t.url)
        .get('/events')
        .query({ source: 'pager', limit: 3, ...(cursor ? { cursor } : {}) })
        .set(bearer(t.adminToken))
        .expect(200);
      seen.push(...res.body.data.map((e: { data: { i: number } }) => e.data.i));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0]);
    const future = await request(t.url)
      .get('/events')
      .query({ source: 'pager', since: '2999-01-01T00:00:00Z' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(future.body.data).toEqual([]);
  });

  it('filters by type with the webhook syntax: exact, prefix.* and *', async () => {
    const source = 'type-filter';
    await publish(
      ['card.created', 'card.deleted.soft', 'cards.x', 'card'].map((type) => ({ type, source })),
    ).expect(202);
    const types = async (type: string) => {
      const res = await request(t.url)
        .get('/events')
        .query({ source, type })
        .set(bearer(t.adminToken))
        .expect(200);
      return res.body.data.map((e: { type: string }) => e.type).sort();
    };
    expect(await types('card.created')).toEqual(['card.created']);
    expect(await types('card.*')).toEqual(['card.created', 'card.deleted.soft']);
    expect(await types('*')).toEqual(['card', 'card.created', 'card.deleted.soft', 'cards.x']);
    expect(await types('card')).toEqual(['card']);
  });

  it.each(['card.', 'card*', 'Card.created', '*.created', 'card.*.x'])(
    'rejects the type filter %j with a 400 naming type',
    async (type) => {
      const res = await request(t.url)
        .get('/events')
        .query({ type })
        .set(bearer(t.adminToken))
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'type', message: expect.stringContaining('card.*') },
      ]);
    },
  );

  it('rejects a garbage cursor with a 400 naming the cursor', async () => {
    const res = await request(t.url)
      .get('/events')
      .query({ cursor: 'garbage' })
      .set(bearer(t.adminToken))
      .expect(400);
    expect(res.body.errors[0].field).toBe('cursor');
  });
});
