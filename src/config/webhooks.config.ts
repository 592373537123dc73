import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { parseDuration, parseDurationList } from './duration.js';
import { IsDuration, IsDurationList } from './is-duration.js';
import { retentionMs } from './retention-setting.js';
import { ToInt, validateEnv } from './validate-env.js';

export class WebhooksEnv {
  /** Delays before attempts 2, 3, ...: after the last one the delivery is failed. */
  @IsString()
  @IsDurationList()
  WEBHOOK_RETRY_SCHEDULE: string = '5s,5m,30m,2h,5h,10h,10h';

  @ToInt()
  @IsInt()
  @Min(100)
  @Max(120000)
  WEBHOOK_TIMEOUT_MS: number = 15000;

  /** An endpoint whose every attempt failed for this long is disabled. */
  @IsString()
  @IsDuration()
  WEBHOOK_DISABLE_AFTER: string = '5d';

  /** Succeeded deliveries and attempt rows older than this are pruned (default 30d). */
  @IsOptional()
  @IsString()
  @IsDuration()
  WEBHOOK_RETENTION?: string;

  /** The whole-day form WEBHOOK_RETENTION replaced; still read when set. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_RETENTION_DAYS?: number;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_IN_FLIGHT: number = 50;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: number = 10;

  /**
   * A body larger than this is sent with `data` replaced by a `dataReference` (a signed,
   * short-lived URL to fetch it): receivers and proxies often cap request bodies.
   */
  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  WEBHOOK_MAX_INLINE_BYTES: number = 256 * 1024;

  /** How long a payload reference URL stays valid after the attempt that carried it. */
  @IsString()
  @IsDuration()
  WEBHOOK_PAYLOAD_URL_TTL: string = '1h';

  /** How often workers look for due deliveries when nothing woke them. */
  @ToInt()
  @IsInt()
  @Min(20)
  @Max(60000)
  WEBHOOK_POLL_MS: number = 30000;
}

export interface WebhooksConfig {
  retrySchedule: number[];
  timeoutMs: number;
  disableAfterMs: number;
  retentionMs: number;
  maxInFlight: number;
  maxInFlightPerEndpoint: number;
  pollMs: number;
  maxInlineBytes: number;
  payloadUrlTtlMs: number;
}

export const webhooksConfig = registerAs('webhooks', (): WebhooksConfig => {
  const env = validateEnv(WebhooksEnv, process.env);
  return {
    retrySchedule: parseDurationList(env.WEBHOOK_RETRY_SCHEDULE)!,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    disableAfterMs: parseDuration(env.WEBHOOK_DISABLE_AFTER)!,
    retentionMs: retentionMs(
      'WEBHOOK_RETENTION',
      env.WEBHOOK_RETENTION,
      env.WEBHOOK_RETENTION_DAYS,
      '30d',
    ),
    maxInFlight: env.WEBHOOK_MAX_IN_FLIGHT,
    maxInFlightPerEndpoint: env.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
    pollMs: env.WEBHOOK_POLL_MS,
    maxInlineBytes: env.WEBHOOK_MAX_INLINE_BYTES,
    payloadUrlTtlMs: parseDuration(env.WEBHOOK_PAYLOAD_URL_TTL)!,
  };
});
