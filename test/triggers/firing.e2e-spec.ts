import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  newestFirst,
  nextIdsStraddleDigitBoundary,
  straddlesDigitBoundary,
} from '../support/digit-boundary.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor, waitForIdle } from '../support/test-app.js';
import {
  createTrigger,
  FAST_WEBHOOKS,
  firingsOf,
  publish,
  uniqueName,
  verified,
} from './helpers.js';

describe('triggers firing: matching, signed deliveries, repeat interval, silences, loops', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof Receiver.start>) => {
    const r = await Receiver.start(...args);
    receivers.push(r);
    return r;
  };
  const failing = () =>
    receiver((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    admin = bearer(t.adminToken);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await t.close();
  });

  /** A source no other test uses, so each test's events are its own. */
  const src = () => uniqueName('src').replace(/\W+/g, '-');

  it('fires a signed delivery in the seed payload shape for each matching event', async () => {
    const r = await receiver();
    const source = src();
    const { id, secret } = await createTrigger(t, {
      name: uniqueName('disk full'),
      matchers: [
        { label: 'source', op: '=', value: source },
        { label: 'data.message', op: '=~', value: 'disk .* full' },
      ],
      action: { type: 'webhook', url: r.url },
    });
    const [hit, miss] = await publish(t, [
      {
        type: 'backup.failed',
        source,
        subject: 'nas-01',
        severity: 'error',
        data: { message: 'disk /dev/sda1 full' },
      },
      { type: 'backup.failed', source, severity: 'error', data: { message: 'network down' } },
    ]);
    await waitFor(() => r.requests.length >= 1, 10000, 'the firing');
    const body = verified(secret, r.requests[0]);
    expect(body).toMatchObject({
      type: 'event_trigger',
      trigger_id: id,
      event: {
        id: hit,
        type: 'backup.failed',
        source,
        subject: 'nas-01',
        severity: 'error',
        data: { message: 'disk /dev/sda1 full' },
      },
    });
    expect(Object.keys(body)).toEqual(['type', 'trigger_id', 'trigger_name', 'event', 'timestamp']);
    expect(body.event.occurred_at).toMatch(/Z$/);
    const firings = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f[0]?.delivery?.status === 'succeeded' && f;
      },
      10000,
      'the firing settled',
    );
    expect(firings.map((f) => f.eventId)).toEqual([hit]);
    expect(firings.map((f) => f.eventId)).not.toContain(miss);
    expect(firings[0]).toMatchObject({ outcome: 'fired', delivery: { attemptCount: 1 } });
  });

  it('applies each operator and shorthand to published events', async () => {
    const r = await receiver();
    const source = src();
    const other = `${source}-other`;
    const rules: Record<string, Record<string, unknown>> = {
      eq: { matchers: [{ label: 'type', op: '=', value: 'job.done' }] },
      neq: { matchers: [{ label: 'type', op: '!=', value: 'job.done' }] },
      re: { matchers: [{ label: 'data.job.name', op: '=~', value: 'backup-.*' }] },
      nre: { matchers: [{ label: 'subject', op: '!~', value: 'nas-.*' }] },
      severityList: { filter: { severity: 'warning , critical' } },
      sourceList: { filter: { source: ` ${other} , nowhere` } },
      messageRegex: { filter: { messageRegex: 'timed? out' } },
      atLeast: { filter: { severityAtLeast: 'error' } },
    };
    const ids: Record<string, string> = {};
    for (const [key, rule] of Object.entries(rules)) {
      const scoped =
        key === 'sourceList'
          ? rule
          : { ...rule, filter: { ...(rule.filter as object), source: `${source}, ${other}` } };
      ids[key] = (
        await createTrigger(t, { ...scoped, action: { type: 'webhook', url: r.url } })
      ).id;
    }
    const events = await publish(t, [
      {
        type: 'job.done',
        source,
        subject: 'nas-01',
        severity: 'info',
        data: { job: { name: 'backup-nightly' } },
      },
      {
        type: 'job.failed',
        source,
        subject: 'web-01',
        severity: 'critical',
        data: { message: 'request timed out' },
      },
      {
        type: 'job.failed',
        source: other,
        subject: 'nas-02',
        severity: 'warning',
        data: { message: 'time out' },
      },
    ]);
    const expected: Record<string, number[]> = {
      eq: [0],
      neq: [1, 2],
      re: [0],
      nre: [1],
      severityList: [1, 2],
      sourceList: [2],
      messageRegex: [1, 2],
      atLeast: [1],
    };
    const total = Object.values(expected).flat().length;
    await waitFor(() => r.requests.length >= total, 15000, `${total} firings`);
    const seen: Record<string, number[]> = {};
    for (const [key, id] of Object.entries(ids))
      seen[key] = (await firingsOf(t, id)).map((f) => events.indexOf(f.eventId)).sort();
    expect(seen).toEqual(expected);
  });

  it('fires at most once per repeat interval per group and counts the suppressed matches', async () => {
    const r = await receiver();
    const source = src();
    const { id } = await createTrigger(t, {
      matchers: [{ label: 'data.site', op: '=~', value: `${source}-.*` }],
      repeatInterval: '1h',
      groupBy: ['data.site'],
      action: { type: 'webhook', url: r.url },
    });
    const a = `${source}-a`;
    const b = `${source}-b`;
    await publish(
      t,
      [a, a, b, a, b].map((site) => ({ type: 'probe.down', source: 'probe', data: { site } })),
    );
    const firings = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f.length === 5 && f;
      },
      10000,
      'five matches',
    );
    const outcomes = firings
      .reverse()
      .map((f) => `${JSON.parse(f.group)['data.site'].slice(-1)}:${f.outcome}`);
    expect(outcomes).toEqual([
      'a:fired',
      'a:suppressed',
      'b:fired',
      'a:suppressed',
      'b:suppressed',
    ]);
    await waitFor(() => r.requests.length >= 2, 10000, 'two deliveries');
    const stats = await request(t.url).get(`/triggers/${id}/stats`).set(admin).expect(200);
    expect(stats.body).toMatchObject({
      matches: 5,
      fires: 2,
      suppressed: 3,
      silenced: 0,
      failures: 0,
    });
    expect(stats.body.lastFiredAt).toMatch(/Z$/);
  });

  it('records matches a silence covers as silenced, and fires again once it is deleted', async () => {
    const r = await receiver();
    const source = src();
    const name = uniqueName('silenced');
    const { id } = await createTrigger(t, {
      name,
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
    });
    const silence = await request(t.url)
      .post('/triggers/silences')
      .set(admin)
      .send({
        matchers: [
          { label: 'trigger', op: '=', value: name },
          { label: 'subject', op: '=~', value: 'nas-.*' },
        ],
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        createdBy: 'dana',
        comment: 'NAS maintenance',
      })
      .expect(201);
    expect(silence.body).toMatchObject({ state: 'active', createdBy: 'dana' });
    const listed = await request(t.url)
      .get('/triggers/silences')
      .query({ state: 'active' })
      .set(admin)
      .expect(200);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(silence.body.id);

    const [quiet, loud] = await publish(t, [
      { type: 'disk.full', source, subject: 'nas-01' },
      { type: 'disk.full', source, subject: 'web-01' },
    ]);
    await waitFor(async () => (await firingsOf(t, id)).length === 2, 10000, 'two matches');
    const byEvent = Object.fromEntries((await firingsOf(t, id)).map((f) => [f.eventId, f]));
    expect(byEvent[quiet]).toMatchObject({
      outcome: 'silenced',
      silenceId: silence.body.id,
      delivery: null,
    });
    expect(byEvent[loud]).toMatchObject({ outcome: 'fired' });

    await request(t.url).delete(`/triggers/silences/${silence.body.id}`).set(admin).expect(204);
    await request(t.url).delete(`/triggers/silences/${silence.body.id}`).set(admin).expect(404);
    const [again] = await publish(t, [{ type: 'disk.full', source, subject: 'nas-01' }]);
    await waitFor(
      async () =>
        (await firingsOf(t, id)).some((f) => f.eventId === again && f.outcome === 'fired'),
      10000,
      'firing after the silence',
    );
    const stats = await request(t.url).get(`/triggers/${id}/stats`).set(admin).expect(200);
    expect(stats.body).toMatchObject({ matches: 3, fires: 2, silenced: 1 });
  });

  it('refuses a silence with a bad matcher or an end before its start', async () => {
    const res = await request(t.url)
      .post('/triggers/silences')
      .set(admin)
      .send({
        matchers: [{ label: 'source', op: '=~', value: '(x' }],
        startsAt: '2026-12-02T10:00:00Z',
        endsAt: '2026-12-02T09:00:00Z',
        createdBy: 'dana',
      })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'endsAt',
      'matchers[0].value',
    ]);
  });

  it('delivers after retries when the receiver is down, then up; history shows the attempts', async () => {
    const r = await receiver((_req, res, index) => {
      res.statusCode = index < 2 ? 503 : 200;
      res.end(index < 2 ? 'starting up' : 'ok');
    });
    const source = src();
    const { id, secret } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      action: { type: 'webhook', url: r.url },
    });
    const [eventId] = await publish(t, [{ type: 'ups.on-battery', source }]);
    const [firing] = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f[0]?.delivery?.status === 'succeeded' && f;
      },
      15000,
      'the delivery to succeed',
    );
    expect(firing).toMatchObject({ eventId, outcome: 'fired', delivery: { attemptCount: 3 } });
    expect(new Set(r.ids()).size).toBe(1); // every retry is the same message
    for (const req of r.requests) expect(verified(secret, req).event.id).toBe(eventId);
  });

  it('cannot loop: a match-everything trigger on a failing receiver fires once per original event', async () => {
    const r = await failing();
    const { id } = await createTrigger(t, { action: { type: 'webhook', url: r.url } });
    const source = src();
    const originals = await publish(t, [
      { type: 'loop.one', source },
      { type: 'loop.two', source },
    ]);
    // Each delivery exhausts its 4 attempts; the exhausted events reach the trigger consumer
    // (it records them on the firings) without matching anything.
    const firings = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f.length >= 2 && f.every((x) => x.delivery?.status === 'failed' && x.error) && f;
      },
      20000,
      'both deliveries to be exhausted and noted',
    );
    const exhausted = await request(t.url)
      .get('/events')
      .query({ type: 'webhook.delivery.exhausted', limit: 500 })
      .set(admin)
      .expect(200);
    expect(exhausted.body.data.length).toBeGreaterThanOrEqual(2);
    // Give a loop the time to show: every consumer has read past the exhausted events (an id
    // comparison would not do: the log is read in commit order, and a later commit may carry
    // a lower id).
    await waitForIdle(t, { timeoutMs: 30_000 });
    expect((await firingsOf(t, id)).map((f) => f.eventId).sort()).toEqual([...originals].sort());
    expect(firings.every((f) => f.delivery?.attemptCount === 4)).toBe(true);
    // Only the two original messages ever reached the receiver (retries reuse webhook-id).
    expect(new Set(r.ids()).size).toBe(2);
    const stats = await request(t.url).get(`/triggers/${id}/stats`).set(admin).expect(200);
    // The last error is the receiver's 500, or a timeout a starved machine can cause.
    expect(stats.body).toMatchObject({ fires: 2, failures: 2, lastError: expect.any(String) });
    await request(t.url).patch(`/triggers/${id}`).set(admin).send({ enabled: false }).expect(200);
  });

  it('evaluates a saved catastrophic-backtracking pattern against 50,000 characters without stalling', async () => {
    const r = await receiver();
    const source = src();
    const { id } = await createTrigger(t, {
      matchers: [
        { label: 'source', op: '=', value: source },
        { label: 'data.message', op: '!~', value: '(a+)+$' },
      ],
      filter: { messageRegex: '(a|aa)+b' },
      action: { type: 'webhook', url: r.url },
    });
    const [evil, fine] = await publish(t, [
      { type: 'log.line', source, data: { message: 'a'.repeat(50_000) + '!' } },
      { type: 'log.line', source, data: { message: 'aab!' } },
    ]);
    const firings = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f.length >= 1 && f;
      },
      10000,
      'the consumer to get past the long line',
    );
    expect(firings.map((f) => f.eventId)).toEqual([fine]);
    expect(firings.map((f) => f.eventId)).not.toContain(evil);
  });

  it('lists firings newest first by numeric seq across a digit boundary; pages walk every firing once', async () => {
    const r = await receiver();
    const source = src();
    // One delivery; the other eleven matches are recorded as suppressed by the repeat interval.
    const { id } = await createTrigger(t, {
      matchers: [{ label: 'source', op: '=', value: source }],
      repeatInterval: '1h',
      action: { type: 'webhook', url: r.url },
    });
    await nextIdsStraddleDigitBoundary(t.app.get(DataSource), 'event_trigger_firings', 'seq', 6);
    const events = await publish(
      t,
      Array.from({ length: 12 }, (_, i) => ({ type: 'probe.down', source, data: { i } })),
    );
    const all = await waitFor(
      async () => {
        const f = await firingsOf(t, id);
        return f.length === 12 && f;
      },
      10000,
      'twelve matches',
    );
    const seqs = all.map((f) => f.id);
    expect(straddlesDigitBoundary(seqs)).toBe(true);
    expect(seqs).toEqual(newestFirst(seqs));
    expect(all.map((f) => f.eventId)).toEqual([...events].reverse());

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.url)
        .get(`/triggers/${id}/firings`)
        .query(cursor ? { limit: 5, cursor } : { limit: 5 })
        .set(admin)
        .expect(200);
      walked.push(...res.body.data.map((f: { id: string }) => f.id));
      cursor = res.body.nextCursor;
    } while (cursor && walked.length <= 12);
    expect(walked).toEqual(seqs);
  });
});
