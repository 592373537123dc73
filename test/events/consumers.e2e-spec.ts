import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import request from 'supertest';
import { EventBus } from '../../src/events/event-bus.js';
import { EventConsumersService } from '../../src/events/consumers/event-consumers.service.js';
import {
  EventConsumer,
  EventHandler,
} from '../../src/events/consumers/event-consumer.decorator.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Records what it saw; shared state lives on the class so every app instance writes here.
 * Only this suite's `race.*` and `multi.*` events: other tests' events in the same database
 * are not its business.
 */
@Injectable()
@EventConsumer({ name: 'test.recorder', batchSize: 50, types: ['race.*', 'multi.*'] })
class RecordingConsumer implements EventHandler {
  static seen: string[] = [];
  static inFlight = 0;
  static maxInFlight = 0;

  async handle(events: HubEvent[], manager: EntityManager): Promise<void> {
    RecordingConsumer.inFlight++;
    RecordingConsumer.maxInFlight = Math.max(
      RecordingConsumer.maxInFlight,
      RecordingConsumer.inFlight,
    );
    try {
      // A round trip in the cursor's transaction, so overlapping batches would show.
      await manager.query('SELECT 1');
      await sleep(2);
      RecordingConsumer.seen.push(...events.map((e) => e.id));
    } finally {
      RecordingConsumer.inFlight--;
    }
  }
}

describe('Event bus consumers', () => {
  describe('ordering and exactly-once under concurrent publishers', () => {
    let t: TestApp;
    beforeAll(async () => {
      RecordingConsumer.seen = [];
      t = await startTestApp({ providers: [RecordingConsumer] });
    });
    afterAll(() => t.close());

    it('never skips an event when transactions commit out of id order', async () => {
      const bus = t.app.get(EventBus);
      const ds = t.app.get(DataSource);
      const publishers = 16;
      const perPublisher = 25;
      const published: string[] = [];
      // Each publisher takes its ids early and commits a random few ms later, so ids commit
      // out of order while the consumer is reading: a plain id cursor would skip some.
      await Promise.all(
        Array.from({ length: publishers }, async (_, p) => {
          for (let i = 0; i < perPublisher; i++) {
            const ids = await ds.transaction(async (m) => {
              const got = await bus.publish(
                { type: 'race.event', source: `p${p}`, data: { i } },
                m,
              );
              await sleep(Math.random() * 15);
              return got;
            });
            published.push(...ids);
          }
        }),
      );
      // The consumer reads in commit order: once an event published after all of them is
      // seen, every batch before it is in, late duplicates included.
      const [sentinel] = await bus.publish({ type: 'race.sentinel', source: 't', data: {} });
      await waitFor(() => RecordingConsumer.seen.includes(sentinel), 30000, 'all events consumed');
      // Only this test's events: the other test of this block may have run first.
      const mine = new Set(published);
      const seen = RecordingConsumer.seen.filter((id) => mine.has(id));
      expect(seen).toHaveLength(published.length);
      expect(new Set(seen)).toEqual(mine);
    });

    it('reports the consumer with zero lag in GET /events/consumers', async () => {
      const ids = await t.app
        .get(EventBus)
        .publish(
          Array.from({ length: 3 }, (_, i) => ({ type: 'race.lag', source: 't', data: { i } })),
        );
      await waitFor(
        () => ids.every((id) => RecordingConsumer.seen.includes(id)),
        10000,
        'the lag check events consumed',
      );
      const res = await request(t.url)
        .get('/events/consumers')
        .set(bearer(t.adminToken))
        .expect(200);
      const me = res.body.find((c: { name: string }) => c.name === 'test.recorder');
      expect(me).toMatchObject({ registered: true, lag: 0, poisonCount: 0, attempts: 0 });
      expect(Number(me.processedCount)).toBe(RecordingConsumer.seen.length);
      expect(Number(me.processedCount)).toBeGreaterThanOrEqual(ids.length);
    });
  });

  describe('retries and poison events', () => {
    let t: TestApp;
    const attempts = new Map<string, number>();
    const delivered: string[] = [];

    beforeAll(async () => {
      t = await startTestApp({
        env: { EVENT_CONSUMER_MAX_ATTEMPTS: '3', EVENT_CONSUMER_RETRY_BASE_MS: '50' },
      });
      const consumers = t.app.get(EventConsumersService);
      await consumers.registerConsumer(
        { name: 'test.picky' },
        {
          async handle(events: HubEvent[]) {
            for (const e of events) {
              const n = (attempts.get(e.id) ?? 0) + 1;
              attempts.set(e.id, n);
              if (e.data.poison) throw new Error(`cannot handle ${e.id}`);
              if (e.data.flaky && n < 3) throw new Error(`flaky failure ${n}`);
            }
            delivered.push(...events.map((e) => e.id));
          },
        },
      );
    });
    afterAll(() => t.close());

    it('retries a failing event with back-off, records a poison event and moves on', async () => {
      const bus = t.app.get(EventBus);
      // One publish, so the four arrive in one batch: the failing batch is then replayed one
      // event at a time, and each event's handler calls are counted the same way every run.
      const [before, flaky, poison, after] = await bus.publish([
        { type: 'job.ok', source: 't', data: {} },
        { type: 'job.flaky', source: 't', data: { flaky: true } },
        { type: 'job.poison', source: 't', data: { poison: true } },
        { type: 'job.ok', source: 't', data: {} },
      ]);

      await waitFor(() => delivered.includes(after), 15000, 'the event after the poison one');
      expect(delivered.filter((id) => id === flaky)).toHaveLength(1);
      expect(attempts.get(flaky)).toBe(3);
      expect(attempts.get(poison)).toBe(3);
      expect(delivered).not.toContain(poison);
      expect(delivered.filter((id) => id === before)).toHaveLength(1);
      expect(delivered.filter((id) => id === after)).toHaveLength(1);

      const failures = await request(t.url)
        .get('/events/consumers/test.picky/failures')
        .set(bearer(t.adminToken))
        .expect(200);
      expect(failures.body).toEqual([
        expect.objectContaining({
          eventId: poison,
          attempts: 3,
          error: expect.stringContaining(`cannot handle ${poison}`),
        }),
      ]);
      const consumers = await request(t.url)
        .get('/events/consumers')
        .set(bearer(t.adminToken))
        .expect(200);
      expect(consumers.body.find((c: { name: string }) => c.name === 'test.picky')).toMatchObject({
        poisonCount: 1,
        lag: 0,
      });
    });

    it('refuses a consumer without a handler or with a taken name', async () => {
      const consumers = t.app.get(EventConsumersService);
      await expect(
        consumers.registerConsumer({ name: 'test.broken' }, {} as EventHandler),
      ).rejects.toThrow(/no handle/);
      await expect(
        consumers.registerConsumer({ name: 'test.picky' }, { handle: async () => undefined }),
      ).rejects.toThrow(/two consumers are named "test.picky"/);
    });

    it('answers 404 for the failures of an unknown consumer', async () => {
      await request(t.url)
        .get('/events/consumers/nobody/failures')
        .set(bearer(t.adminToken))
        .expect(404);
    });
  });

  describe('a handler that fails', () => {
    let t: TestApp;
    let ds: DataSource;
    /** Many attempts: a failing handler stays failing for as long as a test holds it there. */
    beforeAll(async () => {
      t = await startTestApp({
        env: { EVENT_CONSUMER_MAX_ATTEMPTS: '100', EVENT_CONSUMER_RETRY_BASE_MS: '50' },
      });
      ds = t.app.get(DataSource);
      await ds.query(
        `CREATE TABLE test_consumer_writes (event_id bigint PRIMARY KEY, attempt int NOT NULL)`,
      );
    });
    afterAll(() => t.close());

    const rowOf = async (eventId: string) =>
      (
        await ds.query(`SELECT attempt FROM test_consumer_writes WHERE event_id = $1`, [eventId])
      )[0] as { attempt: number } | undefined;

    /** Whether the consumer's committed cursor is at or past the event, and its retry state. */
    const cursorOf = async (consumer: string, eventId: string) =>
      (
        await ds.query(
          `SELECT (e.tx, e.id) <= (c.cursor_tx, c.cursor_event_id) AS passed,
                  c.failing_event_id::text AS "failingEventId", c.attempts
           FROM events e, event_consumers c WHERE e.id = $1 AND c.name = $2`,
          [eventId, consumer],
        )
      )[0] as { passed: boolean; failingEventId: string | null; attempts: number };

    /** Writes one row per event through the manager it is given, then throws while `failing`. */
    function writer(types: string[]) {
      const state = { failing: false, attempts: new Map<string, number>() };
      const handler: EventHandler = {
        async handle(events: HubEvent[], manager: EntityManager) {
          for (const e of events) {
            const attempt = (state.attempts.get(e.id) ?? 0) + 1;
            state.attempts.set(e.id, attempt);
            await manager.query(
              `INSERT INTO test_consumer_writes (event_id, attempt) VALUES ($1, $2)`,
              [e.id, attempt],
            );
          }
          if (state.failing) throw new Error('failing after the write');
        },
      };
      return { state, handler, options: { types, batchSize: 1 } };
    }

    it('commits the row a handler wrote together with the advanced cursor', async () => {
      const w = writer(['write.ok']);
      await t.app
        .get(EventConsumersService)
        .registerConsumer({ name: 'test.writer-ok', ...w.options }, w.handler);
      const [id] = await t.app.get(EventBus).publish({ type: 'write.ok', source: 't' });

      await waitFor(async () => (await cursorOf('test.writer-ok', id)).passed, 10000, 'cursor');
      expect(await rowOf(id)).toEqual({ attempt: 1 });
    });

    it('rolls back the row a throwing handler wrote with its cursor, and the retry commits both', async () => {
      const w = writer(['write.retry']);
      w.state.failing = true;
      await t.app
        .get(EventConsumersService)
        .registerConsumer({ name: 'test.writer-retry', ...w.options }, w.handler);
      const [id] = await t.app.get(EventBus).publish({ type: 'write.retry', source: 't' });

      // The failure is committed (attempts recorded) but neither the row nor the cursor is.
      await waitFor(
        async () => (await cursorOf('test.writer-retry', id)).attempts >= 1,
        10000,
        'a recorded failure',
      );
      expect(w.state.attempts.get(id)).toBeGreaterThanOrEqual(1);
      expect(await cursorOf('test.writer-retry', id)).toMatchObject({
        passed: false,
        failingEventId: id,
      });
      expect(await rowOf(id)).toBeUndefined();

      w.state.failing = false;
      await waitFor(
        async () => (await cursorOf('test.writer-retry', id)).passed,
        10000,
        'the retry',
      );
      // One row (the key would refuse a second), written by the attempt that succeeded.
      const row = await rowOf(id);
      expect(row?.attempt).toBe(w.state.attempts.get(id));
      expect(row!.attempt).toBeGreaterThan(1);
      expect(await cursorOf('test.writer-retry', id)).toMatchObject({
        failingEventId: null,
        attempts: 0,
      });
    });

    it('does not hold up other consumers while one is failing', async () => {
      const failing = writer(['held.*']);
      failing.state.failing = true;
      const bystanderSeen: string[] = [];
      const consumers = t.app.get(EventConsumersService);
      await consumers.registerConsumer(
        { name: 'test.failing', ...failing.options },
        failing.handler,
      );
      await consumers.registerConsumer(
        { name: 'test.bystander', types: ['held.*'] },
        {
          async handle(events: HubEvent[]) {
            bystanderSeen.push(...events.map((e) => e.id));
          },
        },
      );
      const bus = t.app.get(EventBus);
      const [first] = await bus.publish({ type: 'held.first', source: 't' });
      await waitFor(
        () => (failing.state.attempts.get(first) ?? 0) >= 1,
        10000,
        'the failing consumer to fail',
      );
      const later = await bus.publish([
        { type: 'held.second', source: 't' },
        { type: 'held.third', source: 't' },
      ]);

      await waitFor(
        () => later.every((id) => bystanderSeen.includes(id)),
        10000,
        'the bystander to get the events after the failing one',
      );
      expect(bystanderSeen).toEqual([first, ...later]);
      // Still failing on the first event: it has not moved on, and the bystander did not wait.
      const failingState = await waitFor(async () => {
        const c = await cursorOf('test.failing', first);
        return c.failingEventId === first && c;
      });
      expect(failingState.passed).toBe(false);
      expect(await rowOf(first)).toBeUndefined();
      expect(later.some((id) => failing.state.attempts.has(id))).toBe(false);
    });
  });

  describe('restarts and several instances', () => {
    it('consumes on start-up what was published while no instance ran the consumer', async () => {
      const seen: string[] = [];
      const handler = {
        async handle(events: HubEvent[]) {
          seen.push(...events.map((e) => e.id));
        },
      };
      const first = await startTestApp();
      await first.app
        .get(EventConsumersService)
        .registerConsumer({ name: 'test.restart' }, handler);
      const [early] = await first.app
        .get(EventBus)
        .publish({ type: 'restart.before', source: 't' });
      await waitFor(() => seen.includes(early), 10000, 'first event');
      await first.close();

      // Published with the consumer stopped: only the new instance's catch-up can deliver it.
      const publisher = await startTestApp({ databaseUrl: first.databaseUrl });
      const [missed] = await publisher.app
        .get(EventBus)
        .publish({ type: 'restart.during', source: 't' });
      await publisher.close();
      expect(seen).not.toContain(missed);

      const second = await startTestApp({ databaseUrl: first.databaseUrl });
      try {
        await second.app
          .get(EventConsumersService)
          .registerConsumer({ name: 'test.restart' }, handler);
        await waitFor(() => seen.includes(missed), 10000, 'catch-up after restart');
        expect(seen.filter((id) => id === early)).toHaveLength(1);
      } finally {
        await second.close();
      }
    });

    it('runs a consumer on one instance at a time and delivers every event once', async () => {
      RecordingConsumer.seen = [];
      RecordingConsumer.maxInFlight = 0;
      const a = await startTestApp({ providers: [RecordingConsumer] });
      const b = await startTestApp({ databaseUrl: a.databaseUrl, providers: [RecordingConsumer] });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const target = i % 2 ? a : b;
          const res = await request(target.url)
            .post('/events')
            .set(bearer(target.adminToken))
            .send(
              Array.from({ length: 30 }, (_, j) => ({
                type: 'multi.instance',
                source: 't',
                data: { i, j },
              })),
            )
            .expect(202);
          ids.push(...res.body.ids);
        }
        // Published after all of them: once it is seen, every earlier batch (and any late
        // duplicate) is in.
        const sentinel = (
          await request(a.url)
            .post('/events')
            .set(bearer(a.adminToken))
            .send({ type: 'multi.sentinel', source: 't', data: {} })
            .expect(202)
        ).body.ids[0] as string;
        await waitFor(() => RecordingConsumer.seen.includes(sentinel), 20000, 'all events');
        RecordingConsumer.seen = RecordingConsumer.seen.filter((id) => id !== sentinel);
        expect(RecordingConsumer.seen.sort()).toEqual([...ids].sort());
        expect(RecordingConsumer.maxInFlight).toBe(1);
      } finally {
        await b.close();
        await a.close();
      }
    });
  });
});
