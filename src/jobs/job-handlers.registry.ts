import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService, type ConfigType } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { parseDuration, parseDurationList } from '../config/duration.js';
import { jobsConfig } from '../config/jobs.config.js';
import { type CronSchedule, cronProblem, DEFAULT_TIME_ZONE, timeZoneProblem } from './cron.js';
import { QUEUE_PATTERN } from './dto/job.dto.js';
import {
  FromConfig,
  JOB_HANDLER_KEY,
  JobHandlerOptions,
  JobRunner,
} from './job-handler.decorator.js';
import { JobsException } from './jobs.exception.js';
import { SELFTEST_OPTIONS, SelftestJob } from './selftest.job.js';

/** A handler with every option resolved. */
export interface RegisteredHandler {
  queue: string;
  retrySchedule: readonly number[];
  timeoutMs: number;
  maxInFlight: number;
  perKey: boolean;
  everyMs?: number;
  cron?: Required<CronSchedule>;
  runner: JobRunner;
}

/**
 * Finds every @JobHandler provider (all providers exist before any onModuleInit), refusing to
 * start on a duplicate queue, a handler without run(), or options that do not parse. Enqueue
 * and schedule ask it whether a queue exists, so a typo fails at the call (at boot for
 * start-up schedules) instead of leaving jobs nobody runs.
 */
@Injectable()
export class JobHandlersRegistry implements OnModuleInit {
  private readonly logger = new Logger(JobHandlersRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();
  private discovered = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly selftest: SelftestJob,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
    private readonly settings: ConfigService,
  ) {}

  onModuleInit(): void {
    this.discover();
  }

  private discover(): void {
    if (this.discovered) return;
    this.discovered = true;
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype;
      if (!type || !wrapper.instance) continue;
      const options = this.reflector.get<JobHandlerOptions | undefined>(JOB_HANDLER_KEY, type);
      if (options) this.register(options, wrapper.instance as JobRunner);
    }
    if (this.config.selftest) this.register(SELFTEST_OPTIONS, this.selftest);
    if (this.handlers.size) this.logger.log(`job queues: ${[...this.handlers.keys()].join(', ')}`);
  }

  register(options: JobHandlerOptions, runner: JobRunner): void {
    const { queue } = options;
    const refuse = (why: string): never => {
      throw new Error(`@JobHandler "${queue}": ${why}`);
    };
    if (typeof queue !== 'string' || !QUEUE_PATTERN.test(queue))
      refuse(`queue name must match ${QUEUE_PATTERN}`);
    if (typeof runner?.run !== 'function') refuse('the provider has no run(job) method');
    if (this.handlers.has(queue)) refuse('two handlers claim this queue');
    const setting = (from: FromConfig): unknown => {
      const value: unknown = this.settings.get(from.config);
      if (value === undefined) refuse(`no configuration value ${from.config}`);
      return value;
    };
    const retry = isFromConfig(options.retry) ? setting(options.retry) : options.retry;
    const retrySchedule =
      retry === undefined
        ? this.config.retrySchedule
        : typeof retry === 'string'
          ? parseDurationList(retry)
          : (retry as readonly number[]);
    if (
      !Array.isArray(retrySchedule) ||
      retrySchedule.some((n) => typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    )
      refuse('retry must be a list of non-negative delays');
    const every = isFromConfig(options.every) ? setting(options.every) : options.every;
    const everyMs =
      typeof every === 'string' ? parseDuration(every) : (every as number | undefined);
    if (every !== undefined && !(Number.isInteger(everyMs) && everyMs! > 0))
      refuse('every must be a duration such as 1h');
    const cron = this.cronOf(options, refuse);
    const timeoutMs = (
      isFromConfig(options.timeoutMs)
        ? setting(options.timeoutMs)
        : (options.timeoutMs ?? this.config.timeoutMs)
    ) as number;
    const maxInFlight = options.maxInFlight ?? 4;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      refuse('timeoutMs must be a positive integer');
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
      refuse('maxInFlight must be a positive integer');
    if (options.perKey !== undefined && options.perKey !== 1) refuse('perKey can only be 1');
    this.handlers.set(queue, {
      queue,
      retrySchedule: retrySchedule!,
      timeoutMs,
      maxInFlight,
      perKey: options.perKey === 1,
      everyMs,
      cron,
      runner,
    });
  }

  private cronOf(
    options: JobHandlerOptions,
    refuse: (why: string) => never,
  ): Required<CronSchedule> | undefined {
    if (options.cron === undefined) {
      if (options.timeZone !== undefined) refuse('timeZone needs cron');
      return undefined;
    }
    if (options.every !== undefined) refuse('every and cron exclude each other');
    const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    const zone = timeZoneProblem(timeZone);
    if (zone) refuse(`timeZone ${zone}`);
    const rule = cronProblem(options.cron, timeZone);
    if (rule) refuse(`cron ${rule}`);
    return { cron: options.cron, timeZone };
  }

  all(): RegisteredHandler[] {
    this.discover();
    return [...this.handlers.values()];
  }

  /** The queue's handler, or a JobsException naming the unknown queue. */
  get(queue: string): RegisteredHandler {
    this.discover();
    const handler = this.handlers.get(queue);
    if (!handler) throw JobsException.unknownQueue(queue);
    return handler;
  }
}

function isFromConfig(value: unknown): value is FromConfig {
  return typeof value === 'object' && value !== null && 'config' in value;
}
