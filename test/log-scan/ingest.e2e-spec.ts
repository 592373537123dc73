import { Injectable } from '@nestjs/common';
import request from 'supertest';
import { EntityManager } from 'typeorm';
import {
  EventConsumer,
  EventHandler,
} from '../../src/events/consumers/event-consumer.decorator.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createRule, eventsOf, sendLines, stats } from './helpers.js';

/** A bus consumer, as the triggers module would have: log hits reach it like any event. */
@Injectable()
@EventConsumer({ name: 'test.log-scan', types: ['log.*'] })
class LogEventsConsumer implements EventHandler {
  static seen: HubEvent[] = [];
  async handle(events: HubEvent[], _manager: EntityManager): Promise<void> {
    LogEventsConsumer.seen.push(...events);
  }
}

describe('POST /logs: ingest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ providers: [LogEventsConsumer] });
    await createRule(t, {
      name: 'disk-full',
      pattern: 'disk (?P<device>/dev/\\S+) full',
      severity: 'error',
    });
    await createRule(t, {
      name: 'oom',
      pattern: 'OOMKilled',
      severity: 'critical',
      eventType: 'log.oom',
      stream: 'stderr',
    });
  });
  afterAll(() => t.close());

  it('publishes a hit as an event committed before the 202, seen by a bus consumer', async () => {
    const res = await sendLines(t, {
      source: 'backup',
      stream: 'stdout',
      lines: [
        { text: 'starting backup' },
        { text: 'backup: disk /dev/sdb1 full, aborting', time: '2026-12-01T21:14:03+01:00' },
        'backup finished with errors',
      ],
    }).expect(202);
    expect(res.body).toEqual({
      source: 'backup',
      accepted: 3,
      unscanned: 0,
      truncated: [],
      hits: 1,
      published: 1,
      dropped: { cooldown: 0, rateLimit: 0 },
    });
    // No waiting: the event was committed before the answer.
    const [event] = await eventsOf(t, 'backup');
    expect(event).toMatchObject({
      type: 'log.match',
      source: 'backup',
      severity: 'error',
      subject: 'disk-full',
      occurredAt: '2026-12-01T20:14:03.000Z',
      data: {
        message: 'backup: disk /dev/sdb1 full, aborting',
        rule: 'disk-full',
        captures: { device: '/dev/sdb1' },
        stream: 'stdout',
      },
    });
    await waitFor(
      () => LogEventsConsumer.seen.some((e) => e.source === 'backup'),
      15000,
      'the consumer to see the log event',
    );
  });

  it('applies a stream filter: an stderr rule ignores stdout lines', async () => {
    const res = await sendLines(t, {
      source: 'k8s-node',
      lines: [
        { text: 'pod api-1 OOMKilled', stream: 'stdout' },
        { text: 'pod api-2 OOMKilled', stream: 'stderr' },
      ],
    }).expect(202);
    expect(res.body).toMatchObject({ hits: 1, published: 1 });
    const events = await eventsOf(t, 'k8s-node', 'log.oom');
    expect(events.map((e) => e.data.message)).toEqual(['pod api-2 OOMKilled']);
    expect(events[0].severity).toBe('critical');
  });

  it('matches a case-insensitive rule whatever the case (behind its lowercase prefilter)', async () => {
    await createRule(t, { name: 'segv', pattern: '(?i)segfault at (?P<addr>0x[0-9a-f]+)' });
    const res = await sendLines(t, {
      source: 'kernel',
      lines: ['app[42]: SEGFAULT AT 0xDEAD', 'app[43]: \u017fegfault at 0x1f', 'segv elsewhere'],
    }).expect(202);
    expect(res.body).toMatchObject({ hits: 2, published: 2 });
    expect((await eventsOf(t, 'kernel')).map((e) => e.data.captures)).toEqual([
      { addr: '0xDEAD' },
      { addr: '0x1f' },
    ]);
  });

  it('takes NDJSON the way Vector and Fluent Bit send it', async () => {
    const ndjson = [
      JSON.stringify({
        message: 'disk /dev/nvme0 full',
        timestamp: '2026-12-01T10:00:00Z',
        host: 'nas',
      }),
      '',
      JSON.stringify({ log: 'pod OOMKilled', date: 1764583200.5, stream: 'stderr' }),
      JSON.stringify({ text: 'all good' }),
    ].join('\n');
    const res = await request(t.url)
      .post('/logs')
      .query({ source: 'shipper' })
      .set(bearer(t.adminToken))
      .set('content-type', 'application/x-ndjson')
      .send(ndjson)
      .expect(202);
    expect(res.body).toMatchObject({ accepted: 3, hits: 2, published: 2 });
    const disk = await eventsOf(t, 'shipper');
    expect(disk[0]).toMatchObject({
      occurredAt: '2026-12-01T10:00:00.000Z',
      data: { captures: { device: '/dev/nvme0' }, stream: null },
    });
    const oom = await eventsOf(t, 'shipper', 'log.oom');
    expect(oom[0]).toMatchObject({ occurredAt: '2025-12-01T10:00:00.500Z' });
  });

  it('names the NDJSON line that is not JSON, and the missing source', async () => {
    const bad = await request(t.url)
      .post('/logs')
      .query({ source: 'shipper' })
      .set(bearer(t.adminToken))
      .set('content-type', 'application/x-ndjson')
      .send('{"message":"ok"}\n{not json}\n')
      .expect(400);
    expect(bad.body.errors).toEqual([
      { field: 'lines[1]', message: 'line 2 of the body is not valid JSON' },
    ]);
    const noSource = await request(t.url)
      .post('/logs')
      .set(bearer(t.adminToken))
      .set('content-type', 'application/x-ndjson')
      .send('{"message":"ok"}\n')
      .expect(400);
    expect(noSource.body.errors.map((e: { field: string }) => e.field)).toEqual(['source']);
    const huge = await request(t.url)
      .post('/logs')
      .query({ source: 'shipper' })
      .set(bearer(t.adminToken))
      .set('content-type', 'application/x-ndjson')
      .send(`${JSON.stringify({ message: 'x'.repeat(1024 * 1024) })}\n`)
      .expect(413);
    expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('cuts a line over 16 KiB at a UTF-8 boundary and flags it', async () => {
    // 3-byte characters: 16,384 is not a multiple of 3, so a byte cut would split one.
    const long = 'disk /dev/sdz full ' + '€'.repeat(6000);
    const res = await sendLines(t, { source: 'long-lines', lines: ['short', long] }).expect(202);
    expect(res.body).toMatchObject({ accepted: 2, truncated: [1], published: 1 });
    const [event] = await eventsOf(t, 'long-lines');
    const message = event.data.message as string;
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(16384);
    expect(Buffer.byteLength(message)).toBeGreaterThan(16381);
    expect(long.startsWith(message)).toBe(true);
    expect(event.data.truncated).toBe(true);
    expect((await stats(t)).sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'long-lines', linesTruncated: 1 }),
      ]),
    );
  });

  it('refuses more than 5,000 lines, bad fields and bodies over 1 MiB, writing nothing', async () => {
    const before = await stats(t);
    const many = await sendLines(t, {
      source: 'limits',
      lines: Array.from({ length: 5001 }, () => 'x'),
    }).expect(400);
    expect(many.body.errors).toEqual([
      { field: 'lines', message: 'must contain 1 to 5000 lines (got 5001)' },
    ]);
    const fields = await sendLines(t, {
      source: 'limits',
      extra: 1,
      lines: [
        { text: 'disk /dev/a full', time: '2026-12-01T10:00:00' },
        { text: 5 },
        { text: 'x', level: 'info' },
      ],
    }).expect(400);
    expect(fields.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(fields.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'extra',
      'lines[0].time',
      'lines[1].text',
      'lines[2].level',
    ]);
    await sendLines(t, { source: 'limits', lines: ['a'.repeat(1024 * 1024)] }).expect(413);
    await sendLines(t, { lines: ['disk /dev/a full'] }).expect(400);
    const after = await stats(t);
    expect(after.linesIn).toBe(before.linesIn);
    expect(await eventsOf(t, 'limits')).toEqual([]);
  });

  it('accepts a publisher key and refuses a request without credentials', async () => {
    const key = await request(t.url)
      .post('/admin/api-keys')
      .set(bearer(t.adminToken))
      .send({ name: 'shipper', role: 'publisher' })
      .expect(201);
    await sendLines(t, { source: 'pub', lines: ['disk /dev/p full'] }, key.body.key).expect(202);
    await request(t.url)
      .post('/logs')
      .send({ source: 'pub', lines: ['x'] })
      .expect(401);
    // A publisher may send lines, not manage rules.
    await request(t.url).get('/logs/rules').set(bearer(key.body.key)).expect(403);
  });
});
