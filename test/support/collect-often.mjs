// Preloaded into a child app (node --expose-gc --import) by memory tests: a full collection
// every 50 ms, so its peak RSS measures what the app holds, not the dead Buffers V8 lets
// build up (it waits for about 64 MiB of them) before it collects on its own.
globalThis.setInterval(() => globalThis.gc(), 50).unref();
