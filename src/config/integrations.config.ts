import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseDurationList } from './duration.js';
import { IsDurationList } from './is-duration.js';
import { ToInt, validateEnv } from './validate-env.js';

/** At most this many retries per card sync (INTEGRATION_RETRY_SCHEDULE is cut there). */
export const MAX_INTEGRATION_RETRIES = 20;

/**
 * Card syncs running at once per instance (CardSyncJob's maxInFlight). Against a peer that
 * answers in L ms, one instance syncs at most this many / (requests per card x L) cards/s;
 * the integrations bench prints that ceiling from this value.
 */
export const CARD_SYNC_MAX_IN_FLIGHT = 8;

export class IntegrationsEnv {
  /** Delays before retries 1, 2, ... of a card sync whose call failed retryably. */
  @IsString()
  @IsDurationList()
  INTEGRATION_RETRY_SCHEDULE: string = '1s,5s,30s';

  /** Time limit of one call to Jira or GitHub. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(120000)
  INTEGRATION_TIMEOUT_MS: number = 15000;

  /**
   * How long a new issue may take to appear in the peer's lookup (Jira's search is
   * eventually consistent). After a create whose answer was lost, no second create happens
   * until this long after the call timed out.
   */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600000)
  INTEGRATION_SEARCH_LAG_MS: number = 60000;
}

export interface IntegrationsConfig {
  retrySchedule: number[];
  timeoutMs: number;
  searchLagMs: number;
}

export const integrationsConfig = registerAs('integrations', (): IntegrationsConfig => {
  const env = validateEnv(IntegrationsEnv, process.env);
  return {
    retrySchedule: parseDurationList(env.INTEGRATION_RETRY_SCHEDULE)!.slice(
      0,
      MAX_INTEGRATION_RETRIES,
    ),
    timeoutMs: env.INTEGRATION_TIMEOUT_MS,
    searchLagMs: env.INTEGRATION_SEARCH_LAG_MS,
  };
});
