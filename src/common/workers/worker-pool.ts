import { Worker } from 'node:worker_threads';

/** Why a task did not finish: it ran past its deadline or its worker ran out of heap. */
export class WorkerBudgetError extends Error {
  constructor(
    readonly kind: 'deadline' | 'memory',
    message: string,
  ) {
    super(message);
  }
}

/** An error the task itself threw in the worker: its message, name and string `code`. */
export class WorkerTaskError extends Error {
  constructor(
    message: string,
    readonly remoteName: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface WorkerPoolOptions {
  /** The worker module; it answers `{ id, task, input }` with `{ id, ok, value | error }`. */
  script: URL;
  /** Threads at most; each is started on demand. */
  size: number;
  /** Per task, from the moment a worker takes it; on overrun the worker is terminated. */
  deadlineMs: number;
  /** The worker's V8 old-generation heap; past it the worker dies, not the process. */
  maxHeapMb: number;
  /** An idle worker is terminated after this long, so its heap goes back to the system. */
  idleMs: number;
}

interface RemoteError {
  message: string;
  name: string;
  code?: string;
}

interface Task {
  task: string;
  input: unknown;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  current: (Task & { id: number; timer: NodeJS.Timeout }) | null;
  idle: NodeJS.Timeout | null;
}

/**
 * A small bounded pool of worker threads for CPU-heavy work on untrusted input: each task
 * has a deadline and each worker a heap limit, and a worker that overruns either is
 * terminated (its task rejects with WorkerBudgetError) and replaced on the next task. Tasks
 * wait in order when every worker is busy. Workers are unref'd and stop when idle, so the
 * pool never keeps a process alive; `close()` stops them at shutdown.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;

  constructor(private readonly options: WorkerPoolOptions) {}

  run<T>(task: string, input: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, input, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Threads alive now (busy or idle). */
  get threads(): number {
    return this.slots.size;
  }

  /** Terminates every worker; queued and running tasks reject. The pool can be used again. */
  async close(): Promise<void> {
    const pending = this.queue.splice(0);
    for (const t of pending) t.reject(new Error('worker pool closed'));
    await Promise.all([...this.slots].map((s) => this.retire(s, new Error('worker pool closed'))));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = [...this.slots].find((s) => !s.current) ?? this.spawn();
      if (!slot) return;
      const t = this.queue.shift()!;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = null;
      const id = this.nextId++;
      const timer = setTimeout(() => {
        void this.retire(
          slot,
          new WorkerBudgetError(
            'deadline',
            `${t.task} ran longer than its ${this.options.deadlineMs} ms budget`,
          ),
        );
      }, this.options.deadlineMs);
      slot.current = { ...t, id, timer };
      slot.worker.postMessage({ id, task: t.task, input: t.input });
    }
  }

  private spawn(): Slot | null {
    if (this.slots.size >= this.options.size) return null;
    const worker = new Worker(this.options.script, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb },
    });
    worker.unref();
    const slot: Slot = { worker, current: null, idle: null };
    this.slots.add(slot);
    worker.on(
      'message',
      (msg: { id: number; ok: boolean; value?: unknown; error?: RemoteError }) => {
        const cur = slot.current;
        if (!cur || cur.id !== msg.id) return;
        clearTimeout(cur.timer);
        slot.current = null;
        if (msg.ok) cur.resolve(msg.value);
        else cur.reject(new WorkerTaskError(msg.error!.message, msg.error!.name, msg.error!.code));
        this.park(slot);
        this.dispatch();
      },
    );
    worker.on('error', (err: Error & { code?: string }) => {
      const outOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const task = slot.current?.task ?? 'worker';
      void this.retire(
        slot,
        outOfMemory
          ? new WorkerBudgetError(
              'memory',
              `${task} needed more than its ${this.options.maxHeapMb} MB heap budget`,
            )
          : err,
      );
    });
    worker.on('exit', () => {
      if (this.slots.has(slot)) void this.retire(slot, new Error('worker exited'));
    });
    return slot;
  }

  private park(slot: Slot): void {
    if (this.queue.length > 0) return;
    slot.idle = setTimeout(() => void this.retire(slot, null), this.options.idleMs);
    slot.idle.unref();
  }

  private async retire(slot: Slot, reason: Error | null): Promise<void> {
    if (!this.slots.delete(slot)) return;
    if (slot.idle) clearTimeout(slot.idle);
    const cur = slot.current;
    slot.current = null;
    if (cur) {
      clearTimeout(cur.timer);
      cur.reject(reason ?? new Error('worker stopped'));
    }
    await slot.worker.terminate();
    this.dispatch();
  }
}
