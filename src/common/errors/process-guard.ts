import type { UnexpectedErrors } from './unexpected-errors.service.js';

/**
 * Last line of defence for the running server: an exception or rejection that escaped every
 * handler is reported and the process keeps serving. Node's default (exit) would turn one bad
 * receiver, payload or client into a crash loop, since the same work is retried after every
 * restart; every unit of work here is durable and leased, so state is re-read from the
 * database rather than trusted from memory. Returns a function that removes the guard.
 */
export function installProcessGuard(errors: UnexpectedErrors): () => void {
  const onException = (err: Error) => errors.report(err);
  const onRejection = (reason: unknown) => errors.report(reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
