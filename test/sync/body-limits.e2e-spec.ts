import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { pull, SYNC_TEST_ENV, userToken, WireChange } from './helpers.js';

const MiB = 1024 * 1024;

describe('Sync body limits', () => {
  let t: TestApp;
  let alice: string;

  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    alice = await userToken(t, 'alice');
  });

  afterAll(async () => {
    await t?.close();
  });

  function expectTooLarge(res: request.Response, limit: string) {
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, detail: `request body exceeds ${limit}` });
  }

  it('accepts a push of more than 1 MiB (the push route takes up to 10 MiB)', async () => {
    const changes = Array.from({ length: 1000 }, (_, i) => ({
      eventId: randomUUID(),
      table: 'cards',
      id: `big-${i}`,
      op: 'insert',
      data: { title: 'x'.repeat(1500) },
    }));
    const body = JSON.stringify({ clientId: 'phone', changes });
    expect(body.length).toBeGreaterThan(1.4 * MiB);
    const res = await request(t.url)
      .post('/sync/limits')
      .set(bearer(alice))
      .set('content-type', 'application/json')
      .send(body);
    expect(res.status).toBe(200);
    // Stored, not only accepted: every change comes back whole on a pull.
    const pulled: WireChange[] = [];
    let since: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await pull(t, alice, 'limits', {
        collection: 'cards',
        ...(since && { since }),
      });
      pulled.push(...answer.changes);
      since = answer.syncedUntil;
      if (!answer.hasMore) break;
    }
    const big = pulled.filter((c) => c.id.startsWith('big-'));
    expect(new Set(big.map((c) => c.id))).toEqual(new Set(changes.map((c) => c.id)));
    for (const c of big) expect(c.data).toMatchObject({ title: 'x'.repeat(1500) });
  });

  it('refuses a body over 1 MiB on every other sync route with 413 problem+json', async () => {
    const huge = 'x'.repeat(1.5 * MiB);
    expectTooLarge(
      await request(t.url).post('/sync/limits/spaces').set(bearer(alice)).send({ name: huge }),
      '1mb',
    );
    expectTooLarge(
      await request(t.url)
        .post(`/sync/limits/spaces/${randomUUID()}/members`)
        .set(bearer(alice))
        .send({ userId: huge }),
      '1mb',
    );
    expectTooLarge(
      await request(t.url)
        .put('/sync/apps/limits/settings')
        .set(bearer(t.adminToken))
        .send({ publishTables: [huge] }),
      '1mb',
    );
    // Push is POST /sync/:appId only; a GET of the same path is not a push.
    expectTooLarge(
      await request(t.url)
        .get('/sync/limits/pull?collection=cards')
        .set(bearer(alice))
        .set('content-type', 'application/json')
        .send(JSON.stringify({ pad: huge })),
      '1mb',
    );
  });

  it('still refuses a push over 10 MiB with 413 problem+json', async () => {
    const res = await request(t.url)
      .post('/sync/limits')
      .set(bearer(alice))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ clientId: 'phone', changes: [], pad: 'x'.repeat(10.5 * MiB) }));
    expectTooLarge(res, '10mb');
  });
});
