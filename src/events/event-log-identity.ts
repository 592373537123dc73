import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { describePlace, LogPlace, LogPlaceGuard } from '../database/log-place-guard.js';
import { rawWrite } from '../database/raw-write.js';

/**
 * Keeps the bus's positions in order after a restore or move (the check is LogPlaceGuard's,
 * shared with the sync change log). Events and consumer cursors are positioned by (xid8, id);
 * restored ones keep the old server's xids while new events take the new server's, which may
 * be lower: every consumer would then skip each new event until the xids caught up. So on a
 * new place every restored event and cursor at or above the new server's oldest running xid
 * moves to xid 0: below every new event, still in id order among themselves, and a cursor
 * stays exactly behind the restored events it had not passed (docs/event-bus.md, "After a
 * restore"). Ids are kept, so nothing that refers to an event by id changes.
 */
@Injectable()
export class EventLogIdentity extends LogPlaceGuard {
  protected readonly logger = new Logger(EventLogIdentity.name);

  constructor(@InjectDataSource() dataSource: DataSource) {
    super(dataSource, 'event_log_identity', ['event_log_identity', 'events', 'event_consumers']);
  }

  protected async first(m: EntityManager, live: LogPlace): Promise<void> {
    await m.query(
      `INSERT INTO event_log_identity (system_identifier, timeline, database_oid, table_oid)
       VALUES ($1, $2, $3::oid, $4::oid)`,
      [live.system, live.timeline, live.database, live.table],
    );
  }

  protected async moved(
    m: EntityManager,
    stored: LogPlace,
    live: LogPlace,
    start: string,
  ): Promise<void> {
    const { affected: events } = await rawWrite(
      m,
      `UPDATE events SET tx = '0' WHERE tx >= $1::xid8`,
      [start],
    );
    const { affected: cursors } = await rawWrite(
      m,
      `UPDATE event_consumers SET
         cursor_tx = CASE WHEN cursor_tx >= $1::xid8 THEN '0'::xid8 ELSE cursor_tx END,
         isolate_until_tx = CASE WHEN isolate_until_tx >= $1::xid8 THEN '0'::xid8 ELSE isolate_until_tx END
       WHERE cursor_tx >= $1::xid8 OR isolate_until_tx >= $1::xid8`,
      [start],
    );
    await m.query(`UPDATE event_log_identity SET started_at = now()`);
    this.logger.warn(
      `this database is a restored or moved copy of the event log (${describePlace(stored)}; ` +
        `now ${describePlace(live)}): re-stamped ${events} events and ${cursors} consumer cursors ` +
        `below the new server's transaction ids, so every consumer goes on from where it was`,
    );
  }
}
