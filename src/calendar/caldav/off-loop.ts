import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import {
  WorkerBudgetError,
  WorkerPool,
  WorkerTaskError,
} from '../../common/workers/worker-pool.js';
import type { Appointment } from '../appointments/appointment.js';
import { CALDAV_BUDGET, OverBudgetError, type OverBudgetKind } from './caldav-budget.js';
import {
  buildIcs,
  parseIcs,
  type BuildOptions,
  type BuiltIcs,
  type RemoteEvent,
} from './icalendar.js';
import { parseMultistatus, type Multistatus } from './multistatus.js';

/**
 * Under ts-jest this module is the TypeScript source, and a worker thread cannot load that
 * through Jest: it runs the built copy (`npm run build` precedes the e2e suites).
 */
function workerScript(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./parse.worker.js', here);
  return new URL('../../../dist/src/calendar/caldav/parse.worker.js', here);
}

// One pool per process: 1 thread on a 2-core machine, at most 2, so parsing never takes
// every core from the event loop.
const pool = new WorkerPool({
  script: workerScript(),
  size: Math.min(2, Math.max(1, availableParallelism() - 1)),
  deadlineMs: CALDAV_BUDGET.deadlineMs,
  maxHeapMb: CALDAV_BUDGET.workerHeapMb,
  idleMs: 30_000,
});

async function offLoop<T>(task: string, input: unknown, size: number, inline: () => T): Promise<T> {
  if (size < CALDAV_BUDGET.inlineMaxBytes) return inline();
  try {
    return await pool.run<T>(task, input);
  } catch (err) {
    if (err instanceof WorkerBudgetError) throw new OverBudgetError(err.kind, err.message);
    if (err instanceof WorkerTaskError && err.remoteName === 'OverBudgetError')
      throw new OverBudgetError(err.code as OverBudgetKind, err.message);
    throw err;
  }
}

/** parseMultistatus, in the worker when the answer is large. */
export function parseMultistatusOffLoop(xml: string): Promise<Multistatus> {
  return offLoop('multistatus', xml, xml.length, () => parseMultistatus(xml));
}

/** parseIcs, in the worker when the object is large. */
export function parseIcsOffLoop(ics: string): Promise<RemoteEvent | null> {
  return offLoop('parseIcs', ics, ics.length, () => parseIcs(ics));
}

/** buildIcs, in the worker when the remote object it keeps properties of is large. */
export function buildIcsOffLoop(
  appointment: Appointment,
  options: BuildOptions,
): Promise<BuiltIcs> {
  return offLoop('buildIcs', { appointment, options }, options.remoteIcs?.length ?? 0, () =>
    buildIcs(appointment, options),
  );
}

let users = 0;

/**
 * Stops the parse workers when the last app in the process shuts down (a test process may
 * run two instances; one stopping must not fail the other's parse).
 */
@Injectable()
export class ParseWorkers implements OnModuleInit, OnApplicationShutdown {
  onModuleInit(): void {
    users++;
  }

  async onApplicationShutdown(): Promise<void> {
    users = Math.max(0, users - 1);
    if (users === 0) await pool.close();
  }
}
