import { parseDuration } from '../../config/duration.js';

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `4h` -> 14400000; the DTO has checked the form. */
export function repeatIntervalMs(text: string | undefined): number {
  return text === undefined || text === '0' ? 0 : (parseDuration(text) ?? 0);
}

/** 14400000 -> `4h`: the largest unit that divides it, so reads echo what operators write. */
export function formatRepeatInterval(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
