// Test worker for worker-pool.spec.ts (plain JS: Jest does not compile worker threads).
// Speaks the serveTasks protocol: { id, task, input } -> { id, ok, value | error }.
import { parentPort } from 'node:worker_threads';

const tasks = {
  echo: (input) => input,
  spin: () => {
    for (;;);
  },
  hoard: () => {
    const kept = [];
    for (;;) kept.push(new Array(1e6).fill(kept.length));
  },
  fail: (input) => {
    throw new Error(input);
  },
};

parentPort.on('message', async ({ id, task, input }) => {
  try {
    parentPort.postMessage({ id, ok: true, value: await tasks[task](input) });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: { message: err.message, name: err.name } });
  }
});
