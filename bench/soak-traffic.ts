import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { api } from './support.js';
import { call, sleep, token, type Answer } from './sync-support.js';

/**
 * The soak's steady traffic: events published in 100 ms ticks (webhook events fanned out to
 * every endpoint, trigger events matched by the soak's triggers) and sync users that push
 * updates over a fixed set of records and pull them on another device. Latencies and errors
 * go into the current sample window; the soak swaps windows when it samples.
 */

/** What one sample window saw. */
export interface Window {
  /** Publish-to-receive ms of each webhook delivery (from `data.sentAt`). */
  hook: number[];
  /** Publish-to-receive ms of each trigger delivery. */
  trigger: number[];
  /** Sync push request ms. */
  syncPush: number[];
  syncPulled: number;
  syncResets: number;
  errors: number;
}

export const newWindow = (): Window => ({
  hook: [],
  trigger: [],
  syncPush: [],
  syncPulled: 0,
  syncResets: 0,
  errors: 0,
});

export interface Traffic {
  published: { hook: number; trigger: number };
  /** The first error of each kind, for the report. */
  errors: Map<string, string>;
  stop(): Promise<void>;
}

export interface TrafficOptions {
  hookPerSecond: number;
  triggerPerSecond: number;
  /** Sources the soak's triggers match, one per trigger. */
  triggerSources: string[];
  syncUsers: number;
  syncChangesPerSecond: number;
  syncRecords: number;
}

export const SYNC_APP = 'soak';

export function startTraffic(
  base: string,
  o: TrafficOptions,
  window: () => Window,
  until: () => boolean,
): Traffic {
  const traffic: Traffic = {
    published: { hook: 0, trigger: 0 },
    errors: new Map(),
    stop: async () => undefined,
  };
  const failed = (kind: string, err: unknown) => {
    window().errors++;
    if (!traffic.errors.has(kind)) traffic.errors.set(kind, String(err));
  };
  const loops = [
    publishLoop(base, o, traffic, until, failed),
    ...Array.from({ length: o.syncUsers }, (_, u) =>
      syncUserLoop(base, `soak-user-${u}`, o, window, until, failed),
    ),
  ];
  traffic.stop = async () => {
    await Promise.all(loops);
  };
  return traffic;
}

/** One POST /events per 100 ms tick; fractional rates carry over to the next tick. */
async function publishLoop(
  base: string,
  o: TrafficOptions,
  traffic: Traffic,
  until: () => boolean,
  failed: (kind: string, err: unknown) => void,
): Promise<void> {
  const started = Date.now();
  let hookDue = 0;
  let triggerDue = 0;
  for (let tick = 0; !until(); tick++) {
    hookDue += o.hookPerSecond / 10;
    triggerDue += o.triggerPerSecond / 10;
    const hooks = Math.floor(hookDue);
    const triggers = Math.floor(triggerDue);
    hookDue -= hooks;
    triggerDue -= triggers;
    const sentAt = Date.now();
    const events = [
      ...Array.from({ length: hooks }, () => ({
        type: 'soak.hook',
        source: 'soak',
        data: { sentAt },
      })),
      ...Array.from({ length: triggers }, (_, k) => {
        const n = traffic.published.trigger + k;
        return {
          type: 'soak.trigger',
          source: o.triggerSources[n % o.triggerSources.length],
          subject: `item-${n}`,
          severity: 'error',
          data: { sentAt, message: 'disk 3 is 97% full' },
        };
      }),
    ];
    if (events.length)
      try {
        await api(base, 'POST', '/events', events);
        traffic.published.hook += hooks;
        traffic.published.trigger += triggers;
      } catch (err) {
        failed('publish', err);
      }
    await sleep(Math.max(0, started + (tick + 1) * 100 - Date.now()));
  }
}

/**
 * One user with two devices: a phone that pushes updates over `syncRecords` records of its
 * own (record ids are per app, so each user's carry its name) once a second (so the records stay a fixed set and only the change log grows), and a laptop that
 * pulls them. A 410 (cursor behind the compacted log) is a reset from the snapshot, counted.
 */
async function syncUserLoop(
  base: string,
  user: string,
  o: TrafficOptions,
  window: () => Window,
  until: () => boolean,
  failed: (kind: string, err: unknown) => void,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const phone = `${user}-phone`;
  const laptop = `${user}-laptop`;
  let pushCursor: string | undefined;
  let pullCursor: string | undefined;
  let n = 0;
  const resetCursor = async (bearer: string): Promise<string | undefined> => {
    window().syncResets++;
    const page = await call(
      agent,
      base,
      'GET',
      `/sync/${SYNC_APP}/snapshot?collection=cards&limit=1000`,
      bearer,
    );
    return page.status === 200 ? (page.body as { syncedUntil: string }).syncedUntil : undefined;
  };
  const check = (a: Answer, what: string) => {
    if (a.status !== 200 && a.status !== 410)
      throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
    return a.status === 200;
  };
  try {
    const bearer = await token(user);
    const inserted = await call(agent, base, 'POST', `/sync/${SYNC_APP}`, bearer, {
      clientId: phone,
      changes: Array.from({ length: o.syncRecords }, (_, i) => ({
        eventId: randomUUID(),
        table: 'cards',
        id: `${user}-card-${i}`,
        op: 'insert',
        data: { title: `card ${i}`, n: 0 },
      })),
    });
    if (check(inserted, 'sync insert'))
      pushCursor = (inserted.body as { syncedUntil: string }).syncedUntil;
  } catch (err) {
    failed('sync', err);
  }
  const started = Date.now();
  for (let tick = 0; !until(); tick++) {
    try {
      // A fresh token now and then: a soak may outlast one.
      const bearer = await token(user);
      const at = new Date().toISOString();
      const t0 = performance.now();
      const pushed = await call(agent, base, 'POST', `/sync/${SYNC_APP}`, bearer, {
        clientId: phone,
        ...(pushCursor ? { since: pushCursor } : {}),
        changes: Array.from({ length: o.syncChangesPerSecond }, () => {
          const i = n++;
          return {
            eventId: randomUUID(),
            table: 'cards',
            id: `${user}-card-${i % o.syncRecords}`,
            op: 'update',
            fields: { n: { value: i, at }, title: { value: `card ${i}`, at } },
          };
        }),
      });
      if (check(pushed, 'sync push')) {
        window().syncPush.push(performance.now() - t0);
        pushCursor = (pushed.body as { syncedUntil: string }).syncedUntil;
      } else pushCursor = await resetCursor(bearer);
      for (let more = true; more;) {
        const since = pullCursor ? `&since=${encodeURIComponent(pullCursor)}` : '';
        const page = await call(
          agent,
          base,
          'GET',
          `/sync/${SYNC_APP}/pull?collection=cards&limit=1000${since}`,
          bearer,
          undefined,
          { 'x-client-id': laptop },
        );
        if (!check(page, 'sync pull')) {
          pullCursor = await resetCursor(bearer);
          break;
        }
        const body = page.body as { changes: unknown[]; hasMore: boolean; syncedUntil: string };
        window().syncPulled += body.changes.length;
        pullCursor = body.syncedUntil;
        more = body.hasMore;
      }
    } catch (err) {
      failed('sync', err);
    }
    await sleep(Math.max(0, started + (tick + 1) * 1000 - Date.now()));
  }
  agent.destroy();
}
