import { AppException } from '../common/http/app.exception.js';

export enum SyncErrorCode {
  InvalidChangeset = 'sync-invalid-changeset',
  TooManyChanges = 'sync-too-many-changes',
  SchemaVersionTooHigh = 'sync-schema-version-too-high',
  InvalidCursor = 'sync-invalid-cursor',
  CursorExpired = 'sync-cursor-expired',
  CursorOfAnotherLog = 'sync-cursor-another-log',
  CursorAhead = 'sync-cursor-ahead',
  NotSpaceMember = 'sync-not-space-member',
  NotRecordOwner = 'sync-not-record-owner',
  SpaceMove = 'sync-space-move',
  SpaceNotFound = 'sync-space-not-found',
  NotSpaceOwner = 'sync-not-space-owner',
  OwnerStays = 'sync-owner-stays',
  PushRaced = 'sync-push-raced',
  TooManyStreams = 'sync-too-many-streams',
}

export const MAX_CHANGES = 5000;

export class SyncException extends AppException {
  static invalid(field: string, message: string) {
    return new SyncException(SyncErrorCode.InvalidChangeset, 400, `${field} ${message}`, {
      errors: [{ field, message }],
    });
  }
  static tooManyChanges(count: number) {
    return new SyncException(
      SyncErrorCode.TooManyChanges,
      413,
      `a changeset holds at most ${MAX_CHANGES} changes (got ${count}); split it`,
      { errors: [{ field: 'changes', message: `must hold at most ${MAX_CHANGES} changes` }] },
    );
  }
  static schemaVersionTooHigh(field: string, got: number, max: number) {
    return new SyncException(
      SyncErrorCode.SchemaVersionTooHigh,
      400,
      `schemaVersion ${got} is above the maximum ${max} this server accepts (SYNC_MAX_SCHEMA_VERSION; raising it takes a restart)`,
      {
        errors: [
          { field, message: `${got} is above the maximum ${max} (SYNC_MAX_SCHEMA_VERSION)` },
        ],
      },
    );
  }
  static invalidCursor(field: string, reason: string) {
    return new SyncException(SyncErrorCode.InvalidCursor, 400, `${field} ${reason}`, {
      errors: [{ field, message: reason }],
    });
  }
  /** 410 with `reset: true`: the log below the cursor was compacted away. */
  static cursorExpired() {
    return new SyncException(
      SyncErrorCode.CursorExpired,
      410,
      'the change log was compacted past this cursor; load the snapshot and sync from its syncedUntil',
      { reset: true },
    );
  }
  /** 410 with `reset: true`: the cursor comes from another log (a restored or moved database). */
  static cursorOfAnotherLog(field: string) {
    return new SyncException(
      SyncErrorCode.CursorOfAnotherLog,
      410,
      `${field} was issued by another change log (this database was restored or moved since); load the snapshot and sync from its syncedUntil`,
      { reset: true },
    );
  }
  /** 410 with `reset: true`: a position this log has not reached, so it never issued it. */
  static cursorAhead(field: string) {
    return new SyncException(
      SyncErrorCode.CursorAhead,
      410,
      `${field} is ahead of the change log (not a cursor this log issued); load the snapshot and sync from its syncedUntil`,
      { reset: true },
    );
  }
  static notSpaceMember(field: string, spaceId: string) {
    return new SyncException(
      SyncErrorCode.NotSpaceMember,
      403,
      `${field}: you are not a member of space ${spaceId}`,
      { errors: [{ field, message: `not a member of space ${spaceId}` }] },
    );
  }
  static notRecordOwner(field: string, table: string, id: string) {
    return new SyncException(
      SyncErrorCode.NotRecordOwner,
      403,
      `${field}: ${table}/${id} is another user's private record`,
      { errors: [{ field, message: 'belongs to another user' }] },
    );
  }
  static spaceMove(field: string, table: string, id: string, from: string | null) {
    return new SyncException(
      SyncErrorCode.SpaceMove,
      409,
      `${field}: ${table}/${id} belongs to ${from ? `space ${from}` : 'no space'}; records do not move between spaces`,
      { errors: [{ field, message: 'records do not move between spaces' }] },
    );
  }
  /** Concurrent pushes kept creating this push's new records (or deleting their space). */
  static pushRaced() {
    return new SyncException(
      SyncErrorCode.PushRaced,
      409,
      'other pushes kept creating or removing records of this changeset while it ran; push it again',
    );
  }
  /** 429, not "close the oldest": see docs/sync-protocol.md (Stream limits) for why. */
  static tooManyStreams(open: number, retryAfterSeconds: number) {
    return new SyncException(
      SyncErrorCode.TooManyStreams,
      429,
      `you already have ${open} open streams for this app on this server (the limit); close one, or retry after ${retryAfterSeconds} s`,
      { limit: open },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
  static spaceNotFound(id: string) {
    return new SyncException(SyncErrorCode.SpaceNotFound, 404, `no space ${id} in this app`);
  }
  static notSpaceOwner(id: string) {
    return new SyncException(
      SyncErrorCode.NotSpaceOwner,
      403,
      `only the owner of space ${id} can do this`,
    );
  }
  static ownerStays(id: string) {
    return new SyncException(
      SyncErrorCode.OwnerStays,
      409,
      `the owner cannot be removed from space ${id}; delete the space instead`,
    );
  }
}
