import { registerAs } from '@nestjs/config';
import { IsInt, Max, Min } from 'class-validator';
import { ToInt, validateEnv } from './validate-env.js';

export class EventsEnv {
  /** Tries per event before a consumer records it as poison and moves past it. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  EVENT_CONSUMER_MAX_ATTEMPTS: number = 5;

  /** First retry delay; doubles per try, capped at 5 minutes. */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600000)
  EVENT_CONSUMER_RETRY_BASE_MS: number = 1000;

  /** Catch-up timer: a lost NOTIFY costs at most this much latency. */
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600000)
  EVENT_CONSUMER_POLL_MS: number = 30000;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  EVENT_CONSUMER_BATCH_SIZE: number = 100;

  /** A consumer batch (its open transaction) longer than this is logged as slow. */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600000)
  EVENT_CONSUMER_SLOW_BATCH_MS: number = 1000;
}

export interface EventsConfig {
  maxAttempts: number;
  retryBaseMs: number;
  pollMs: number;
  batchSize: number;
  slowBatchMs: number;
}

export const eventsConfig = registerAs('events', (): EventsConfig => {
  const env = validateEnv(EventsEnv, process.env);
  return {
    maxAttempts: env.EVENT_CONSUMER_MAX_ATTEMPTS,
    retryBaseMs: env.EVENT_CONSUMER_RETRY_BASE_MS,
    pollMs: env.EVENT_CONSUMER_POLL_MS,
    batchSize: env.EVENT_CONSUMER_BATCH_SIZE,
    slowBatchMs: env.EVENT_CONSUMER_SLOW_BATCH_MS,
  };
});
