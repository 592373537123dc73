const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `5s`, `5m`, `2h`, `1d`; a bare number means seconds. Undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']);
}

/** Parses a comma-separated list of durations; undefined if any item is malformed. */
export function parseDurationList(text: string): number[] | undefined {
  const items = text.split(',').map(parseDuration);
  return items.every((n): n is number => n !== undefined) ? items : undefined;
}
