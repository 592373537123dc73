/**
 * Opaque sync cursors: a position (writing transaction id, sequence) in one app's change log.
 * The version prefix lets a future format refuse old cursors with a clear 400 instead of a
 * silent full resync; the app id stops a cursor of one app being used with another.
 */
export interface Position {
  /** xid8 as a decimal string (64-bit). */
  tx: string;
  seq: string;
}

const VERSION = '1';
const DIGITS = /^\d{1,20}$/;
/** tx is an xid8 (unsigned 64-bit), seq a bigint: anything larger fails the SQL cast. */
const TX_MAX = 2n ** 64n - 1n;
const SEQ_MAX = 2n ** 63n - 1n;

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

export function encodeCursor(appId: string, p: Position): string {
  return Buffer.from(`${VERSION}|${appId}|${p.tx}|${p.seq}`, 'utf8').toString('base64url');
}

/** The position, or a reason the string is not a cursor of this app and build. */
export function decodeCursor(appId: string, cursor: string): Position | string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return 'is not a cursor issued by this server';
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (parts.length !== 4) return 'is not a cursor issued by this server';
  const [version, app, tx, seq] = parts;
  if (version !== VERSION)
    return `was issued by another server version (format ${version}); resync from the snapshot`;
  if (app !== appId) return 'belongs to another app';
  const position = { tx, seq };
  return isPosition(position) ? position : 'is not a cursor issued by this server';
}

export function comparePositions(a: Position, b: Position): number {
  const tx = BigInt(a.tx) - BigInt(b.tx);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const seq = BigInt(a.seq) - BigInt(b.seq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** Before every change: the start of the log. */
export const ORIGIN: Position = { tx: '0', seq: '0' };
