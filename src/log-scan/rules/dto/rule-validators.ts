import { registerDecorator } from 'class-validator';
import { parseDuration } from '../../../config/duration.js';
import { MAX_PATTERN_LENGTH, patternProblem } from '../../../common/regex/linear-regex.js';

/** Longest cooldown: a week (stored as milliseconds in an integer column). */
export const MAX_COOLDOWN_MS = 7 * 86_400_000;

/** A pattern RE2 compiles; the 400 carries RE2's reason (`missing closing )`, ...). */
export function IsLinearPattern() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLinearPattern',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length > 0 && patternProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value !== 'string' || args.value.length === 0
            ? `must be a non-empty string of at most ${MAX_PATTERN_LENGTH} characters`
            : `not a valid RE2 pattern: ${patternProblem(args.value)}`,
      },
    });
}

/** `0`, `30s`, `5m`, `2h` (a bare number is seconds), at most 7 days. */
export function IsCooldown() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCooldown',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => {
          const ms = typeof value === 'string' ? parseDuration(value) : undefined;
          return ms !== undefined && ms <= MAX_COOLDOWN_MS;
        },
        defaultMessage: () => 'must be a duration such as 0, 30s, 5m or 2h (at most 7d)',
      },
    });
}

/** Milliseconds as the shortest exact duration text: 300000 -> `5m`, 1500 -> `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
