import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { parseDuration } from '../config/duration.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobRepository } from './job.repository.js';
import { JobsException } from './jobs.exception.js';

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
  /** The first run (default: one period from now). */
  firstRunAt?: Date;
}

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
    private readonly repo: JobRepository,
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
      const { id, created } = await this.repo.insert(m, { queue, payload, ...options });
      if (created) await this.repo.notify(m, queue);
      return id;
    };
    return manager ? write(manager) : this.dataSource.transaction(write);
  }

  /**
   * Recurring work, cluster-wide: (queue, key) runs every `every` (`'5m'` or milliseconds),
   * once per period across all instances. Calling it again updates payload and period.
   */
  async schedule(
    queue: string,
    key: string,
    every: string | number,
    payload: Record<string, unknown> = {},
    options: ScheduleOptions = {},
    manager?: EntityManager,
  ): Promise<void> {
    this.registry.get(queue);
    checkPayload(payload);
    const everyMs = typeof every === 'number' ? every : parseDuration(every);
    if (!everyMs || !Number.isInteger(everyMs) || everyMs < 1)
      throw JobsException.invalid(`schedule period ${String(every)} is not a positive duration`);
    if (typeof key !== 'string' || !key || key.length > MAX_TEXT)
      throw JobsException.invalid(`schedule key must be 1 to ${MAX_TEXT} characters`);
    await this.repo.upsertSchedule(
      manager ?? this.dataSource.manager,
      queue,
      key,
      everyMs,
      payload,
      options.firstRunAt ?? null,
    );
  }

  /** Stops a schedule; jobs it already enqueued still run. False when there was none. */
  unschedule(queue: string, key: string, manager?: EntityManager): Promise<boolean> {
    return this.repo.deleteSchedule(manager ?? this.dataSource.manager, queue, key);
  }
}

function checkPayload(payload: unknown): void {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw JobsException.invalid('a job payload must be a JSON object');
}
