import { AsyncLocalStorage } from 'node:async_hooks';

/** Where background work runs: `webhook-delivery`, `event-consumer`, `sync-stream`, ... */
export interface BackgroundContext {
  context: string;
  [detail: string]: string | number | undefined;
}

const storage = new AsyncLocalStorage<BackgroundContext>();

/**
 * Runs `fn` (and every callback, timer and promise it starts) labelled with `ctx`, so an
 * error that escapes it, even as an uncaught exception from a socket event, is reported with
 * the path it came from instead of as an anonymous crash.
 */
export function inBackground<T>(ctx: BackgroundContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentBackgroundContext(): BackgroundContext | undefined {
  return storage.getStore();
}
