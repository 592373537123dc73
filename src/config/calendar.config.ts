import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseDuration, parseDurationList } from './duration.js';
import { IsDuration, IsDurationList } from './is-duration.js';
import { ToInt, validateEnv } from './validate-env.js';

export class CalendarEnv {
  /** How often each enabled binding is synced even without appointment changes. */
  @IsString()
  @IsDuration()
  CALENDAR_SYNC_INTERVAL: string = '5m';

  /** Deadline of one CalDAV request (connect, headers and body). */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(300_000)
  CALENDAR_HTTP_TIMEOUT_MS: number = 30_000;

  /** Time limit of one binding's sync run; past it the run is aborted and retried. */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  CALENDAR_SYNC_TIMEOUT_MS: number = 600_000;

  /** Delays before retries 1, 2, ... of a run the server answered as unavailable (or timed out). */
  @IsString()
  @IsDurationList()
  CALENDAR_SYNC_RETRY_SCHEDULE: string = '1s,30s,2m,10m';
}

export interface CalendarConfig {
  syncIntervalMs: number;
  httpTimeoutMs: number;
  syncTimeoutMs: number;
  syncRetrySchedule: number[];
}

export const calendarConfig = registerAs('calendar', (): CalendarConfig => {
  const env = validateEnv(CalendarEnv, process.env);
  return {
    syncIntervalMs: parseDuration(env.CALENDAR_SYNC_INTERVAL)!,
    httpTimeoutMs: env.CALENDAR_HTTP_TIMEOUT_MS,
    syncTimeoutMs: env.CALENDAR_SYNC_TIMEOUT_MS,
    syncRetrySchedule: parseDurationList(env.CALENDAR_SYNC_RETRY_SCHEDULE)!,
  };
});
