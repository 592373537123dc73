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

/** Records what it saw; shared state lives on the class so every app instance writes here. */
@Injectable()
@EventConsumer({ name: 'test.recorder', batchSize: 50 })
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
      // A write in the consumer's transaction proves it commits together with the cursor.
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
      await waitFor(
        () => RecordingConsumer.seen.length >= published.length,
        30000,
        'all events consumed',
      );
      await sleep(300); // would reveal duplicates that arrive late
      expect(RecordingConsumer.seen).toHaveLength(published.length);
      expect(new Set(RecordingConsumer.seen)).toEqual(new Set(published));
    });

    it('reports the consumer with zero lag in GET /events/consumers', async () => {
      const res = await request(t.url)
        .get('/events/consumers')
        .set(bearer(t.adminToken))
        .expect(200);
      const me = res.body.find((c: { name: string }) => c.name === 'test.recorder');
      expect(me).toMatchObject({ registered: true, lag: 0, poisonCount: 0, attempts: 0 });
      expect(Number(me.processedCount)).toBe(RecordingConsumer.seen.length);
    });
  });

  describe('retries and poison events', () => {
    let t: TestApp;
    const attempts = new Map<string, number>();
    const delivered: string[] = [];
    const otherSeen: string[] = [];

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
      await consumers.registerConsumer(
        { name: 'test.bystander' },
        {
          async handle(events: HubEvent[]) {
            otherSeen.push(...events.map((e) => e.id));
          },
        },
      );
    });
    afterAll(() => t.close());

    it('retries a failing event with back-off, records a poison event and moves on', async () => {
      const bus = t.app.get(EventBus);
      const [before] = await bus.publish({ type: 'job.ok', source: 't', data: {} });
      const [flaky] = await bus.publish({ type: 'job.flaky', source: 't', data: { flaky: true } });
      const [poison] = await bus.publish({
        type: 'job.poison',
        source: 't',
        data: { poison: true },
      });
      const [after] = await bus.publish({ type: 'job.ok', source: 't', data: {} });

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

    it('does not hold up other consumers while one is failing', () => {
      expect(otherSeen.length).toBeGreaterThanOrEqual(4);
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
        await waitFor(() => RecordingConsumer.seen.length >= ids.length, 20000, 'all events');
        await sleep(300);
        expect(RecordingConsumer.seen.sort()).toEqual([...ids].sort());
        expect(RecordingConsumer.maxInFlight).toBe(1);
      } finally {
        await b.close();
        await a.close();
      }
    });
  });
});
