import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedStatement } from '../../database/prepared-statement.js';
import { FOREIGN_KEY_VIOLATION, sqlState } from '../../database/sql-state.js';
import { EventBus, syncEventType } from '../../events/index.js';
import type { PushDto } from '../dto/push.dto.js';
import { validateChanges } from '../dto/validate-changes.js';
import { namedSpace } from '../change-space.js';
import { applyChange, Clamp, Conflict, IncomingChange, RecordState, WireChange } from '../merge.js';
import { SyncMetrics } from '../sync-metrics.js';
import { MAX_CHANGES, SyncException } from '../sync.exception.js';
import { ChangeLogRepository, PUSH_CONTEXT_COLUMNS, PushContext } from './change-log.repository.js';
import { SyncReadService, withChanges } from './sync-read.service.js';

/** NOTIFY channel: "app <payload> has new changes". */
export const SYNC_CHANNEL = 'hub_sync';

/** Thrown inside the transaction to roll back and answer a retried push from its record. */
class Replay extends Error {
  constructor(readonly response: string) {
    super('replay');
  }
}

interface StoredRecord extends RecordState {
  table: string;
  id: string;
  /** Not in the table yet: the push's write inserts it (owned by the pusher). */
  isNew?: boolean;
}

/**
 * Thrown inside the transaction when another push created one of this push's new records,
 * or deleted the space of one, after this push looked: it rolls back and runs again, and
 * then sees the record (or is refused the space).
 */
class Raced extends Error {
  constructor() {
    super('raced');
  }
}

/** A push that raced this many times in a row answers 409 and the client pushes again. */
const MAX_RACES = 3;

const key = (table: string, id: string) => `${table}\u0000${id}`;

// The push's statements, prepared once per connection (PreparedStatement says why).

interface LockedRecord {
  table: string;
  id: string;
  ownerId: string;
  spaceId: string | null;
  fields: RecordState['fields'];
  insertedAt: string | null;
  deletedAt: string | null;
}

/**
 * The push's first statement: claims the changeset's eventIds ($3) for the push id ($4),
 * loads the pusher's memberships and the app's published tables, and locks the existing
 * records the changeset names ($5 tables, $6 ids) in key order, so concurrent pushes take
 * their locks in one order and cannot deadlock.
 *
 * The claim runs before any record is locked: `claim` is read by the locking scan's
 * condition, which PostgreSQL evaluates once before the scan (an InitPlan). A second push of
 * the same eventIds so waits on the first one's claim before it takes a record lock the first
 * one may need. With nothing claimed (a retry, answered from the stored push) nothing is
 * locked. Records of changes that turn out to be duplicates are locked too; harmless, and
 * one round trip fewer than claiming and locking apart.
 */
const CLAIM_AND_LOCK = new PreparedStatement(
  'sync.push.claim-and-lock',
  `WITH claimed AS (
         INSERT INTO sync_event_ids (app_id, user_id, event_id, push_id)
         SELECT $1, $2, unnest($3::text[]), $4::uuid WHERE $4::uuid IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING event_id
       ), claim AS MATERIALIZED (
         SELECT ARRAY(SELECT event_id FROM claimed) AS ids
       ), locked AS (
         SELECT r.table_name AS "table", r.record_id AS id, r.owner_id AS "ownerId", r.space_id AS "spaceId", r.fields,
                to_char(r.inserted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "insertedAt",
                to_char(r.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deletedAt"
         FROM sync_records r JOIN unnest($5::text[], $6::text[]) AS x(t, i) ON r.table_name = x.t AND r.record_id = x.i
         WHERE r.app_id = $1 AND (SELECT cardinality(ids) FROM claim) > 0
         ORDER BY r.table_name, r.record_id
         FOR UPDATE OF r
       )
       SELECT (SELECT ids FROM claim) AS claimed, ${PUSH_CONTEXT_COLUMNS},
              COALESCE((SELECT json_agg(locked) FROM locked), '[]') AS records`,
);

/**
 * Records, log rows, the push's stored answer and the NOTIFY in one statement. The NOTIFY
 * reaches streams on every instance only if this commits. New records are inserted here in
 * their final state, not created empty and updated: one row version and one index entry
 * each. ON CONFLICT DO NOTHING makes a record another push created meanwhile show as a
 * `created` count short of the push's, which rolls back and runs the push again.
 */
const WRITE = new PreparedStatement(
  'sync.push.write',
  `WITH created AS (
         INSERT INTO sync_records (app_id, table_name, record_id, owner_id, space_id, fields, inserted_at, deleted_at)
         SELECT $1, x.table_name, x.record_id, x.owner_id, x.space_id, x.fields, x.inserted_at, x.deleted_at
         FROM jsonb_to_recordset($9::jsonb) AS x(table_name text, record_id text, owner_id text, space_id uuid,
           fields jsonb, inserted_at timestamptz, deleted_at timestamptz)
         ORDER BY x.table_name, x.record_id
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), updated AS (
         UPDATE sync_records r SET fields = x.fields, inserted_at = x.inserted_at, deleted_at = x.deleted_at, updated_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS x(table_name text, record_id text, fields jsonb,
           inserted_at timestamptz, deleted_at timestamptz)
         WHERE r.app_id = $1 AND r.table_name = x.table_name AND r.record_id = x.record_id
         RETURNING 1
       ), witness AS MATERIALIZED (
         -- Read once, the clock after this statement's snapshot: the row witnesses that
         -- whatever commits after created_at has tx >= snap_xmin (ChangeLogRepository.positionAt).
         SELECT pg_snapshot_xmin(pg_current_snapshot()) AS snap_xmin, clock_timestamp() AS at
       ), added AS (
         INSERT INTO sync_changes (app_id, table_name, record_id, op, owner_id, space_id, user_id, client_id, event_id, body,
                                   snap_xmin, created_at)
         SELECT $1, x.body->>'table', x.body->>'id', x.body->>'op', x.owner_id, (x.body->>'spaceId')::uuid,
                x.body->>'userId', x.body->>'clientId', x.body->>'eventId', x.body, w.snap_xmin, w.at
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, n)
         CROSS JOIN LATERAL (SELECT e.value->'body' AS body, e.value->>'ownerId' AS owner_id) x
         CROSS JOIN witness w
         ORDER BY e.n
         RETURNING 1
       ), pushed AS (
         INSERT INTO sync_pushes (id, app_id, user_id, client_id, response) VALUES ($4, $1, $5, $6, $7)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM created)::int AS created, (SELECT count(*) FROM updated) AS updated,
              (SELECT count(*) FROM pushed) AS pushed,
              CASE WHEN (SELECT count(*) FROM added) > 0 THEN pg_notify($8, $1) END AS notified`,
);

/**
 * Applies a changeset in one transaction: idempotency by eventId, row locks on the records
 * in a fixed order (no deadlocks between concurrent pushes), authorization, field-level LWW,
 * the change log, bus events for opted-in tables, and the answer (stored for retries).
 */
@Injectable()
export class PushService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: SyncReadService,
    private readonly log: ChangeLogRepository,
    private readonly bus: EventBus,
    private readonly metrics: SyncMetrics,
  ) {}

  /** The answer as JSON text: a retry gets these exact bytes again. */
  async push(appId: string, userId: string, dto: PushDto, headerClientId?: string) {
    const clientId = headerClientId ?? dto.clientId;
    if (!clientId)
      throw SyncException.invalid('clientId', 'is required (body clientId or X-Client-Id header)');
    this.check(dto);
    const schemaVersion = dto.schemaVersion ?? 1;
    const stop = this.metrics.pushDuration.startTimer();
    try {
      await this.reader.identity.ensureCurrent();
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await this.dataSource.transaction((m) =>
            this.apply(m, appId, userId, clientId, schemaVersion, dto),
          );
          this.metrics.pushes.inc({ outcome: 'applied' });
          return response;
        } catch (err) {
          if (!(err instanceof Raced)) throw err;
          this.metrics.pushes.inc({ outcome: 'raced' });
          if (attempt === MAX_RACES) throw SyncException.pushRaced();
        }
      }
    } catch (err) {
      if (err instanceof Replay) {
        this.metrics.pushes.inc({ outcome: 'replayed' });
        this.metrics.changes.inc({ result: 'duplicate' }, dto.changes.length);
        return err.response;
      }
      this.metrics.pushes.inc({ outcome: 'refused' });
      throw err;
    } finally {
      stop();
    }
  }

  private check(dto: PushDto): void {
    if (dto.changes.length > MAX_CHANGES) throw SyncException.tooManyChanges(dto.changes.length);
    validateChanges(dto.changes);
    // mana-sync clients send no eventId: each such change gets one, and no idempotency.
    for (const c of dto.changes) c.eventId ??= randomUUID();
    const max = this.reader.config.maxSchemaVersion;
    if ((dto.schemaVersion ?? 1) > max)
      throw SyncException.schemaVersionTooHigh('schemaVersion', dto.schemaVersion!, max);
    const seen = new Map<string, number>();
    (dto.changes as IncomingChange[]).forEach((c, i) => {
      if (c.schemaVersion !== undefined && c.schemaVersion > max)
        throw SyncException.schemaVersionTooHigh(
          `changes[${i}].schemaVersion`,
          c.schemaVersion,
          max,
        );
      const first = seen.get(c.eventId);
      if (first !== undefined)
        throw SyncException.invalid(
          `changes[${i}].eventId`,
          `repeats the eventId of changes[${first}]`,
        );
      seen.set(c.eventId, i);
    });
  }

  private async apply(
    m: EntityManager,
    appId: string,
    userId: string,
    clientId: string,
    schemaVersion: number,
    dto: PushDto,
  ): Promise<string> {
    // Round trips are most of a push's cost, so: claim eventIds, load the context and lock the
    // records in one statement, read the answer, then write everything in one statement.
    const after = await this.reader.resolveSince(appId, dto.since, 'since', m);
    const { pushId, claimed, context, records } = await this.claimAndLock(m, appId, userId, dto);
    const changes = dto.changes
      .map((c, index) => ({ c: c as IncomingChange, index }))
      .filter(({ c }) => claimed.has(c.eventId));

    const memberOf = new Set(context.memberships.map((s) => s.spaceId));
    // A new record joins the space named by its first change; refuse unknown spaces before
    // any row is written (a foreign-key error would be a 500).
    const firstSpace = new Map<string, string | null>();
    /** Changes whose space came from data or fields: errors name that field. */
    const spaceFields = new Map<number, string>();
    for (const { c, index } of changes) {
      const space = namedSpace(c);
      if (space) {
        if (!memberOf.has(space.spaceId))
          throw SyncException.notSpaceMember(`changes[${index}].${space.field}`, space.spaceId);
        // From here on the change names its space where the rest of the push looks for it.
        c.spaceId = space.spaceId;
        if (space.field !== 'spaceId') spaceFields.set(index, space.field);
      } else if (c.spaceId === '') c.spaceId = undefined;
      const k = key(c.table, c.id);
      if (!firstSpace.has(k)) firstSpace.set(k, c.spaceId ?? null);
    }
    const states = this.recordStates(records, userId, firstSpace);

    // Other clients' changes, read before ours are written: ours are excluded either way
    // (this client's, and this transaction's id is not below the watermark). The read also
    // checks the compaction horizon (410), which rolls everything back.
    const page = await this.reader.changesSince(m, appId, userId, null, after, {
      excludeClientId: clientId,
      memberships: context.memberships,
    });

    const nowMs = Date.now();
    const ctx = {
      userId,
      clientId,
      schemaVersion,
      nowMs,
      maxSkewMs: this.reader.config.maxClockSkewMs,
    };
    const effective: WireChange[] = [];
    const conflicts: Conflict[] = [];
    const clamped: Clamp[] = [];
    const touched = new Set<StoredRecord>();
    for (const { c, index } of changes) {
      const state = states.get(key(c.table, c.id))!;
      this.authorize(state, c, index, userId, memberOf, spaceFields.get(index) ?? 'spaceId');
      const result = applyChange(state, c, ctx);
      conflicts.push(...result.conflicts);
      clamped.push(...result.clamped);
      if (result.effective) {
        effective.push(result.effective);
        touched.add(state);
      }
    }
    const response = withChanges('serverChanges', page.changes, {
      conflicts,
      clamped,
      resync: page.resync,
      syncedUntil: page.syncedUntil,
      hasMore: page.hasMore,
    });
    if (pushId) {
      await this.write(
        m,
        { appId, userId, clientId, pushId, response },
        [...touched],
        effective,
        states,
      );
      await this.publish(m, appId, effective, context.publishTables);
    }
    // Counted once the write is through: a push that raced runs again and counts then.
    this.metrics.changes.inc({ result: 'effective' }, effective.length);
    this.metrics.changes.inc({ result: 'no_effect' }, changes.length - effective.length);
    this.metrics.changes.inc({ result: 'duplicate' }, dto.changes.length - changes.length);
    return response;
  }

  /**
   * Claims the changeset's eventIds for a new push id, loads memberships and published
   * tables, and locks the records the changeset names, in one statement (CLAIM_AND_LOCK).
   * None claimed means a retry: answer with the first push's stored response (this
   * transaction rolls back, so the retry writes nothing). A concurrent identical push waits on
   * the unique index until the first commits.
   */
  private async claimAndLock(
    m: EntityManager,
    appId: string,
    userId: string,
    dto: PushDto,
  ): Promise<{
    pushId: string | null;
    claimed: Set<string>;
    context: PushContext;
    records: LockedRecord[];
  }> {
    const pushId = dto.changes.length > 0 ? randomUUID() : null;
    // Every change has an eventId by now (check() gave one to those without).
    const ids = dto.changes.map((c) => c.eventId!);
    const keys = [...new Set(dto.changes.map((c) => key(c.table, c.id)))];
    const [row] = await CLAIM_AND_LOCK.run<
      PushContext & { claimed: string[]; records: LockedRecord[] }
    >(m, [
      appId,
      userId,
      ids,
      pushId,
      keys.map((k) => k.slice(0, k.indexOf('\u0000'))),
      keys.map((k) => k.slice(k.indexOf('\u0000') + 1)),
    ]);
    if (pushId && row.claimed.length === 0) {
      const previous: { response: string }[] = await m.query(
        `SELECT p.response FROM sync_pushes p
         WHERE p.id IN (SELECT e.push_id FROM sync_event_ids e
                        WHERE e.app_id = $1 AND e.user_id = $3 AND e.event_id = ANY($2::text[]))`,
        [appId, ids, userId],
      );
      // One earlier push holding exactly these eventIds: the same changeset again.
      if (previous.length === 1) throw new Replay(previous[0].response);
    }
    return {
      pushId,
      claimed: new Set(row.claimed),
      context: { memberships: row.memberships, publishTables: row.publishTables },
      records: row.records,
    };
  }

  /**
   * The state of each record the push's applied changes touch: as locked, or for a record
   * not in the table yet a new state, owned by the pusher in the space its first change
   * names, which the write inserts.
   */
  private recordStates(
    records: LockedRecord[],
    userId: string,
    firstSpace: Map<string, string | null>,
  ): Map<string, StoredRecord> {
    const locked = new Map(records.map((r) => [key(r.table, r.id), r]));
    const states = new Map<string, StoredRecord>();
    for (const [k, spaceId] of firstSpace) {
      const row = locked.get(k);
      if (row) {
        states.set(k, row);
        continue;
      }
      const cut = k.indexOf('\u0000');
      states.set(k, {
        table: k.slice(0, cut),
        id: k.slice(cut + 1),
        ownerId: userId,
        spaceId,
        fields: {},
        insertedAt: null,
        deletedAt: null,
        isNew: true,
      });
    }
    return states;
  }

  private authorize(
    state: StoredRecord,
    c: IncomingChange,
    index: number,
    userId: string,
    memberOf: Set<string>,
    spaceField: string,
  ): void {
    if (c.spaceId !== undefined && (c.spaceId ?? null) !== state.spaceId)
      throw SyncException.spaceMove(
        `changes[${index}].${spaceField}`,
        c.table,
        c.id,
        state.spaceId,
      );
    if (state.spaceId) {
      if (!memberOf.has(state.spaceId))
        throw SyncException.notSpaceMember(`changes[${index}]`, state.spaceId);
    } else if (state.ownerId !== userId)
      throw SyncException.notRecordOwner(`changes[${index}].id`, c.table, c.id);
  }

  /**
   * Records, log rows, the push's stored answer and the NOTIFY in one statement. The NOTIFY
   * reaches streams on every instance only if this commits.
   */
  private async write(
    m: EntityManager,
    push: { appId: string; userId: string; clientId: string; pushId: string; response: string },
    touched: StoredRecord[],
    effective: WireChange[],
    states: Map<string, StoredRecord>,
  ): Promise<void> {
    const created = [...states.values()].filter((s) => s.isNew);
    const [row] = await WRITE.run<{ created: number }>(m, [
      push.appId,
      JSON.stringify(
        touched
          .filter((s) => !s.isNew)
          .map((s) => ({
            table_name: s.table,
            record_id: s.id,
            fields: s.fields,
            inserted_at: s.insertedAt,
            deleted_at: s.deletedAt,
          })),
      ),
      JSON.stringify(
        effective.map((body) => ({
          body,
          ownerId: states.get(key(body.table, body.id))!.ownerId,
        })),
      ),
      push.pushId,
      push.userId,
      push.clientId,
      push.response,
      SYNC_CHANNEL,
      JSON.stringify(
        created.map((s) => ({
          table_name: s.table,
          record_id: s.id,
          owner_id: s.ownerId,
          space_id: s.spaceId,
          fields: s.fields,
          inserted_at: s.insertedAt,
          deleted_at: s.deletedAt,
        })),
      ),
    ]).catch((error: unknown) => {
      // A new record's space was deleted after this push read its memberships: run again,
      // and the membership check refuses it with the field named.
      if (sqlState(error) === FOREIGN_KEY_VIOLATION) throw new Raced();
      throw error;
    });
    if (row.created !== created.length) throw new Raced();
  }

  /** `sync.<table>.<op>` on the bus, in this transaction, for the tables the app opted into. */
  private async publish(
    m: EntityManager,
    appId: string,
    effective: WireChange[],
    publishTables: string[],
  ): Promise<void> {
    const published = new Set(publishTables);
    const events = effective
      .filter((c) => published.has(c.table))
      .map((c) => ({
        type: syncEventType(c.table, c.op),
        source: `sync/${appId}`,
        subject: `${c.table}/${c.id}`,
        data: c as unknown as Record<string, unknown>,
        origin: 'sync',
      }));
    if (events.length > 0) await this.bus.publish(events, m);
  }
}
