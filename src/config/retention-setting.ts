import { parseDuration } from './duration.js';
import { ConfigError } from './validate-env.js';

const DAY_MS = 86_400_000;

/**
 * A retention set as a duration (`WEBHOOK_RETENTION=12h`), or through the older whole-day
 * setting it replaced (`WEBHOOK_RETENTION_DAYS=30`), which keeps working for deployments that
 * set it. Both at once is refused: which one wins would be a guess.
 */
export function retentionMs(
  name: string,
  duration: string | undefined,
  days: number | undefined,
  fallback: string,
): number {
  if (duration !== undefined && days !== undefined)
    throw new ConfigError([`${name}: set either ${name} or ${name}_DAYS, not both`]);
  if (days !== undefined) return days * DAY_MS;
  return parseDuration(duration ?? fallback)!;
}
