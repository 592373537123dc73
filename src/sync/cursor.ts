import { randomBytes } from 'node:crypto';

/**
 * Opaque sync cursors: a position (writing transaction id, sequence) in one app's change log,
 * and the identity of that log. Positions are only comparable within one xid space, so a
 * cursor names the log it came from: after a restore or a move to another server the log gets
 * a new id (src/sync/log/log-identity.ts) and every older cursor is a 410 reset, never a
 * silent skip. The app id stops a cursor of one app being used with another.
 */
export interface Position {
  /** xid8 as a decimal string (64-bit). */
  tx: string;
  seq: string;
}

/**
 * A position a client sent back. `log`: the log it came from; `null` for a format-1 cursor
 * (issued before logs had ids); absent when the client sent no cursor (the start of the log).
 */
export interface ClientPosition extends Position {
  log?: string | null;
}

const VERSION = '2';
/** Cursors of the build before log ids: `1|app|tx|seq`. */
const LEGACY_VERSION = '1';
const DIGITS = /^\d{1,20}$/;
const LOG_ID = /^[0-9a-f]{16}$/;
/** tx is an xid8 (unsigned 64-bit), seq a bigint: anything larger fails the SQL cast. */
const TX_MAX = 2n ** 64n - 1n;
const SEQ_MAX = 2n ** 63n - 1n;

/** A fresh log id: 64 random bits, so two logs never share one by chance. */
export function newLogId(): string {
  return randomBytes(8).toString('hex');
}

export function isLogId(value: unknown): value is string {
  return typeof value === 'string' && LOG_ID.test(value);
}

export function isPosition(p: { tx: unknown; seq: unknown }): p is Position {
  return (
    typeof p.tx === 'string' &&
    typeof p.seq === 'string' &&
    DIGITS.test(p.tx) &&
    DIGITS.test(p.seq) &&
    BigInt(p.tx) <= TX_MAX &&
    BigInt(p.seq) <= SEQ_MAX
  );
}

export function encodeCursor(appId: string, log: string, p: Position): string {
  return Buffer.from(`${VERSION}|${log}|${appId}|${p.tx}|${p.seq}`, 'utf8').toString('base64url');
}

/** The position and its log, or a reason the string is not a cursor of this app. */
export function decodeCursor(appId: string, cursor: string): ClientPosition | string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return 'is not a cursor issued by this server';
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  let log: string | null;
  let app: string, tx: string, seq: string;
  if (parts[0] === VERSION && parts.length === 5) {
    [, log, app, tx, seq] = parts;
    if (!isLogId(log)) return 'is not a cursor issued by this server';
  } else if (parts[0] === LEGACY_VERSION && parts.length === 4) {
    log = null;
    [, app, tx, seq] = parts;
  } else if (parts.length >= 4 && /^\d{1,3}$/.test(parts[0]))
    return `was issued by another server version (format ${parts[0]}); resync from the snapshot`;
  else return 'is not a cursor issued by this server';
  if (app !== appId) return 'belongs to another app';
  const position = { tx, seq };
  return isPosition(position) ? { ...position, log } : 'is not a cursor issued by this server';
}

export function comparePositions(a: Position, b: Position): number {
  const tx = BigInt(a.tx) - BigInt(b.tx);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const seq = BigInt(a.seq) - BigInt(b.seq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** Before every change: the start of the log. */
export const ORIGIN: Position = { tx: '0', seq: '0' };

/**
 * The cursor shown in the API docs: well-formed, but from no real log, so the server answers
 * it with 410 `reset: true` like any cursor of another database.
 */
export const EXAMPLE_CURSOR = encodeCursor('notes', '5f3c9a0e7b12d4c8', {
  tx: '90412',
  seq: '1042',
});
