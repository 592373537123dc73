import { parentPort } from 'node:worker_threads';

/** The worker's side of WorkerPool: runs `{ id, task, input }` and answers with its id. */
export function serveTasks(handlers: Record<string, (input: never) => unknown>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs only inside a worker thread');
  port.on('message', async (msg: { id: number; task: string; input: never }) => {
    try {
      const handler = handlers[msg.task];
      if (!handler) throw new Error(`unknown task ${msg.task}`);
      port.postMessage({ id: msg.id, ok: true, value: await handler(msg.input) });
    } catch (err) {
      const e = (err instanceof Error ? err : new Error(String(err))) as Error & { code?: unknown };
      const code = typeof e.code === 'string' ? e.code : undefined;
      port.postMessage({
        id: msg.id,
        ok: false,
        error: { message: e.message, name: e.name, code },
      });
    }
  });
}
