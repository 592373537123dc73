/**
 * Tells "the database is not reachable right now" apart from every other failure, so the HTTP
 * layer can answer 503 + Retry-After (retrying is the right move) while real bugs stay 500.
 */

/** Thrown by our own socket gate while the liveness probe says the server is unresponsive. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DB_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket errors from connecting to or talking with the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'DB_UNAVAILABLE',
]);

/**
 * SQLSTATEs (PostgreSQL Appendix A): class 08 connection exceptions; 53300 too_many_connections;
 * 57P01 admin_shutdown (pg_ctl stop -m fast); 57P02 crash_shutdown; 57P03 cannot_connect_now
 * (starting up, shutting down, recovering); 57014 query_canceled, which in this app only comes
 * from statement_timeout: a server too slow to finish a short statement is a transient outage.
 */
const SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03', '57014']);

/**
 * Errors node-postgres raises without a code: its own connect timeout ("timeout expired"),
 * pg-pool's acquire timeout, query_timeout ("Query read timeout"), the socket closing under a
 * query ("Connection terminated unexpectedly"), and a client used after that happened.
 */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout expired$/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /not queryable/,
  /^Client was closed/,
];

export function isDatabaseUnavailable(err: unknown): boolean {
  // TypeORM wraps driver errors (QueryFailedError.driverError); Node nests them as `cause`.
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e);) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || isConnectionSqlState(code)))
      return true;
    if (typeof message === 'string' && PG_MESSAGES.some((re) => re.test(message))) return true;
    // An AggregateError (several addresses refused) counts when its parts do.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable))
      return true;
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

function isConnectionSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || SQLSTATES.has(code);
}
