import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseDuration } from './duration.js';
import { IsDuration } from './is-duration.js';
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
}

export interface CalendarConfig {
  syncIntervalMs: number;
  httpTimeoutMs: number;
}

export const calendarConfig = registerAs('calendar', (): CalendarConfig => {
  const env = validateEnv(CalendarEnv, process.env);
  return {
    syncIntervalMs: parseDuration(env.CALENDAR_SYNC_INTERVAL)!,
    httpTimeoutMs: env.CALENDAR_HTTP_TIMEOUT_MS,
  };
});
