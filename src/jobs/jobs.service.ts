import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { parseDuration } from '../config/duration.js';
import {
  type CronSchedule,
  cronProblem,
  DEFAULT_TIME_ZONE,
  nextCronRun,
  timeZoneProblem,
} from './cron.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobEnqueueRepository } from './job-enqueue.repository.js';
import { JobsException } from './jobs.exception.js';
import { SchedulePeriod, ScheduleRepository } from './schedule.repository.js';

export interface EnqueueOptions {
  /** Jobs of one key run in enqueue order, never at once, when the queue is `perKey: 1`. */
  key?: string;
  /** A second enqueue while a job with this key is still pending returns that job instead. */
  dedupeKey?: string;
  /** Not before this time (default: now). */
  runAt?: Date;
  correlationId?: string;
}

export interface ScheduleOptions {
  /** The first run (default: one period from now, or the cron rule's next fire time). */
  firstRunAt?: Date;
}

/** A period (`'5m'`, milliseconds) or a cron rule with its time zone. */
export type Every = string | number | CronSchedule;

const MAX_TEXT = 500;

/**
 * The public verbs of the job layer. Enqueue writes in the caller's transaction when given
 * one, so a state change and the job that acts on it commit together (or neither does); the
 * NOTIFY that wakes workers is sent by PostgreSQL at that commit.
 */
@Injectable()
export class JobsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enqueues: JobEnqueueRepository,
    private readonly schedules: ScheduleRepository,
    private readonly registry: JobHandlersRegistry,
  ) {}

  /** Returns the job's id (with a dedupe key, possibly an existing pending job's). */
  async enqueue(
    queue: string,
    payload: Record<string, unknown>,
    options: EnqueueOptions = {},
    manager?: EntityManager,
  ): Promise<string> {
    this.registry.get(queue);
    checkPayload(payload);
    for (const [name, value] of Object.entries({
      key: options.key,
      dedupeKey: options.dedupeKey,
      correlationId: options.correlationId,
    })) {
      if (value !== undefined && (typeof value !== 'string' || value.length > MAX_TEXT))
        throw JobsException.invalid(`${name} must be a string of at most ${MAX_TEXT} characters`);
    }
    if (options.runAt && Number.isNaN(options.runAt.getTime()))
      throw JobsException.invalid('runAt is not a valid date');
    const write = async (m: EntityManager) => {
      const { id } = await this.enqueues.insert(m, { queue, payload, ...options });
      return id;
    };
    return manager ? write(manager) : this.dataSource.transaction(write);
  }

  /**
   * Recurring work, cluster-wide: (queue, key) runs every `every` (`'5m'` or milliseconds) or
   * whenever a cron rule fires (`{ cron: '0 3 * * *', timeZone: 'Europe/Berlin' }`), once per
   * run across all instances. Calling it again updates payload and period.
   */
  async schedule(
    queue: string,
    key: string,
    every: Every,
    payload: Record<string, unknown> = {},
    options: ScheduleOptions = {},
    manager?: EntityManager,
  ): Promise<void> {
    this.registry.get(queue);
    checkPayload(payload);
    const period = toPeriod(every);
    if (typeof key !== 'string' || !key || key.length > MAX_TEXT)
      throw JobsException.invalid(`schedule key must be 1 to ${MAX_TEXT} characters`);
    if (options.firstRunAt && Number.isNaN(options.firstRunAt.getTime()))
      throw JobsException.invalid('firstRunAt is not a valid date');
    const m = manager ?? this.dataSource.manager;
    const cronNextRunAt =
      'cron' in period && !options.firstRunAt
        ? nextCronRun(period, await this.schedules.now(m))
        : null;
    await this.schedules.upsert(m, {
      queue,
      key,
      period,
      payload,
      firstRunAt: options.firstRunAt ?? null,
      cronNextRunAt,
    });
  }

  /** Stops a schedule; jobs it already enqueued still run. False when there was none. */
  unschedule(queue: string, key: string, manager?: EntityManager): Promise<boolean> {
    return this.schedules.delete(manager ?? this.dataSource.manager, queue, key);
  }
}

function checkPayload(payload: unknown): void {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw JobsException.invalid('a job payload must be a JSON object');
}

/** A checked period: a whole number of milliseconds, or a cron rule that fires in its zone. */
export function toPeriod(every: Every): SchedulePeriod {
  if (typeof every === 'object' && every !== null) {
    const timeZone = every.timeZone ?? DEFAULT_TIME_ZONE;
    const zone = timeZoneProblem(timeZone);
    if (zone) throw JobsException.invalid(`schedule timeZone ${String(timeZone)} ${zone}`);
    const rule = cronProblem(every.cron, timeZone);
    if (rule) throw JobsException.invalid(`schedule cron ${String(every.cron)} ${rule}`);
    return { cron: every.cron, timeZone };
  }
  const everyMs = typeof every === 'number' ? every : parseDuration(every);
  if (!everyMs || !Number.isInteger(everyMs) || everyMs < 1)
    throw JobsException.invalid(`schedule period ${String(every)} is not a positive duration`);
  return { everyMs };
}
