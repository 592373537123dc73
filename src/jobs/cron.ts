import { registerDecorator, type ValidationOptions } from 'class-validator';
import { CronTime } from 'cron';

/** A calendar rule for a schedule: a cron expression read in an IANA time zone. */
export interface CronSchedule {
  /**
   * Five fields (minute hour day-of-month month day-of-week) or six with seconds first, as
   * the `cron` package reads them (`0 3 * * *`, `*\/2 * * * * *`, `@daily`).
   */
  cron: string;
  /** IANA name (`Europe/Berlin`); default `UTC`, never the zone of the host. */
  timeZone?: string;
}

export const DEFAULT_TIME_ZONE = 'UTC';

const MAX_CRON_LENGTH = 200;
// An IANA name (`UTC`, `Europe/Berlin`, `Etc/GMT+5`), not an offset (`+01:00`) nor luxon's
// `local` / `system`, which would differ from one host to the next.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Why `zone` is not a time zone a schedule may use, or undefined when it is one. */
export function timeZoneProblem(zone: unknown): string | undefined {
  const message = 'must be an IANA time zone such as UTC or Europe/Berlin';
  if (typeof zone !== 'string' || zone.length > 100 || !ZONE_NAME.test(zone)) return message;
  if (zone.toLowerCase() === 'local' || zone.toLowerCase() === 'system') return message;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return message;
  }
  return undefined;
}

/**
 * Why `expression` is not a cron rule a schedule may use, or undefined. A rule that never
 * fires (`0 0 30 2 *`, February 30th) is refused here, not found out by the scheduler.
 */
export function cronProblem(expression: unknown, zone = DEFAULT_TIME_ZONE): string | undefined {
  if (typeof expression !== 'string' || !expression.trim() || expression.length > MAX_CRON_LENGTH)
    return `must be a cron expression of at most ${MAX_CRON_LENGTH} characters such as 0 3 * * *`;
  try {
    new CronTime(expression, zone).getNextDateFrom(new Date(), zone);
    return undefined;
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0].trim();
    return `is not a cron expression the scheduler can use (${reason})`;
  }
}

/** The first time after `from` at which the rule fires, read in its time zone. */
export function nextCronRun(schedule: CronSchedule, from: Date): Date {
  const zone = schedule.timeZone ?? DEFAULT_TIME_ZONE;
  return new CronTime(schedule.cron, zone).getNextDateFrom(from, zone).toJSDate();
}

/** class-validator rule: a cron expression (checked in UTC; the zone is its own field). */
export const IsCronExpression = (options?: ValidationOptions) =>
  ruleOf('isCronExpression', (value) => cronProblem(value), options);

/** class-validator rule: an IANA time zone name. */
export const IsIanaTimeZone = (options?: ValidationOptions) =>
  ruleOf('isIanaTimeZone', timeZoneProblem, options);

/** A class-validator rule whose message is the problem `problemOf` names. */
function ruleOf(
  name: string,
  problemOf: (value: unknown) => string | undefined,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => problemOf(value) === undefined,
        defaultMessage: (args) => problemOf(args?.value) ?? 'is invalid',
      },
    });
}
