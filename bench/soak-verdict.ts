import { percentile } from './support.js';

/** A plateau: the last third's maximum grows less than this over the middle third's. */
export const PLATEAU_GROWTH = 0.1;
/** The last third's webhook p99 may be at most this much above the first third's. */
export const P99_GROWTH = 0.2;

export const VERDICT_RULE =
  `plateau: the maximum over the last third of the run is less than ${PLATEAU_GROWTH * 100}% ` +
  `above the maximum over the middle third (database size, app RSS); latency: the ` +
  `publish-to-receive p99 of the webhook deliveries received in the last third is at most ` +
  `${P99_GROWTH * 100}% above that of the first third; and every published delivery arrived`;

export interface Check {
  what: string;
  detail: string;
  ok: boolean;
}

export type Third = 'first' | 'middle' | 'last';

/** Which third of a run of `seconds` the time `t` (seconds) falls in. */
export function thirdOf(t: number, seconds: number): Third {
  if (t <= seconds / 3) return 'first';
  return t <= (2 * seconds) / 3 ? 'middle' : 'last';
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Max of the last third against max of the middle third of `points` ([t, value]). */
export function plateau(
  what: string,
  points: [number, number][],
  seconds: number,
  unit: (v: number) => string,
): Check {
  const max = (third: Third) =>
    Math.max(...points.filter(([t]) => thirdOf(t, seconds) === third).map(([, v]) => v));
  const middle = max('middle');
  const last = max('last');
  if (!Number.isFinite(middle) || !Number.isFinite(last))
    return { what, detail: 'not enough samples in the middle and last thirds', ok: false };
  const growth = last / middle - 1;
  return {
    what,
    detail: `max middle third ${unit(middle)}, max last third ${unit(last)}: ${pct(growth)}`,
    ok: growth < PLATEAU_GROWTH,
  };
}

/** p99 of the deliveries received in the last third against those of the first third. */
export function latencyHeld(first: number[], last: number[]): Check & { p99: number[] } {
  const p99 = [first, last].map((xs) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      99,
    ),
  );
  const what = 'webhook publish-to-receive p99';
  if (!first.length || !last.length)
    return { what, detail: 'no deliveries in the first or last third', ok: false, p99 };
  const growth = p99[1] / p99[0] - 1;
  return {
    what,
    detail: `first third ${p99[0]} ms (${first.length} deliveries), last third ${p99[1]} ms (${last.length}): ${pct(growth)}`,
    ok: growth <= P99_GROWTH,
    p99,
  };
}
