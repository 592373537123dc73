import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

/** This suite's database is its own: every silence listed here was created here. */
describe('trigger silences API: create, list by state and page, delete', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = bearer(t.adminToken);
  });
  afterAll(() => t.close());

  const hours = (n: number) => new Date(Date.now() + n * 3600_000).toISOString();
  const create = async (body: Record<string, unknown>) =>
    (
      await request(t.url)
        .post('/triggers/silences')
        .set(admin)
        .send({
          matchers: [{ label: 'source', op: '=', value: 'nas' }],
          createdBy: 'dana',
          ...body,
        })
        .expect(201)
    ).body as { id: string; state: string; createdAt: string };
  const list = async (query: Record<string, string | number>) =>
    (await request(t.url).get('/triggers/silences').query(query).set(admin).expect(200)).body as {
      data: { id: string; state: string }[];
      nextCursor: string | null;
    };

  it('lists by state, pages newest first and deletes', async () => {
    const expired = await create({ startsAt: hours(-2), endsAt: hours(-1) });
    const active = await create({ endsAt: hours(1), comment: 'NAS maintenance' });
    const pending = await create({ startsAt: hours(1), endsAt: hours(2) });
    expect([expired.state, active.state, pending.state]).toEqual(['expired', 'active', 'pending']);

    expect(active).toMatchObject({
      matchers: [{ label: 'source', op: '=', value: 'nas' }],
      createdBy: 'dana',
      comment: 'NAS maintenance',
    });
    expect((await list({ state: 'active' })).data).toEqual([active]);

    for (const s of [expired, pending])
      expect((await list({ state: s.state })).data.map((x) => x.id)).toEqual([s.id]);

    const first = await list({ limit: 2 });
    expect(first.data.map((x) => x.id)).toEqual([pending.id, active.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await list({ limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({
      data: [expect.objectContaining({ id: expired.id })],
      nextCursor: null,
    });

    await request(t.url).delete(`/triggers/silences/${active.id}`).set(admin).expect(204);
    await request(t.url).delete(`/triggers/silences/${active.id}`).set(admin).expect(404);
    expect((await list({})).data.map((x) => x.id)).toEqual([pending.id, expired.id]);
  });
});
