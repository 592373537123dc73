import pg from 'pg';
import type { FakeJira } from '../src/testing/index.js';

/** Where a card's time went, read off the fake Jira's request log (no app instrumentation). */
export interface CardTiming {
  /** Mean time a request spent at the fake (its latency plus the fake's own work), ms. */
  requestMs: number;
  /** Mean per card: first request arriving to last answer sent, ms. */
  spanMs: number;
  /** Mean per card: the part of the span spent waiting for Jira's answers, ms. */
  inJiraMs: number;
  /** Mean per card: answer sent to the card's next request arriving (the app's own time), ms. */
  betweenMs: number;
  /** Requests open at the fake at once, averaged over the run (the in-flight limit caps it). */
  meanOpenAtJira: number;
  /** The same gap per step, `GET /issue/{key} -> POST /issue/{key}/transitions`: mean ms. */
  steps: { step: string; count: number; meanGapMs: number }[];
}

const kindOf = (method: string, path: string) =>
  `${method} ${path.replace(/\/issue\/[A-Z]+-\d+/, '/issue/{key}')}`;

export function cardTiming(jira: FakeJira): CardTiming {
  const keyByLabel = new Map<string, string>();
  for (const issue of jira.issueList())
    for (const label of issue.labels) keyByLabel.set(label, issue.key);
  const byCard = new Map<string, typeof jira.requests>();
  for (const r of jira.requests) {
    const created = r.method === 'POST' && r.path === '/rest/api/3/issue';
    const label = created
      ? (r.body as { fields?: { labels?: string[] } }).fields?.labels?.[0]
      : undefined;
    const key = created ? keyByLabel.get(label ?? '') : r.path.match(/\/issue\/([A-Z]+-\d+)/)?.[1];
    if (!key) continue;
    byCard.set(key, [...(byCard.get(key) ?? []), r]);
  }
  let span = 0;
  let inJira = 0;
  const gaps = new Map<string, number[]>();
  for (const requests of byCard.values()) {
    requests.sort((a, b) => a.receivedAt - b.receivedAt);
    span += requests.at(-1)!.at - requests[0].receivedAt;
    for (const [i, r] of requests.entries()) {
      inJira += r.at - r.receivedAt;
      if (i === 0) continue;
      const prev = requests[i - 1];
      const step = `${kindOf(prev.method, prev.path)} -> ${kindOf(r.method, r.path)}`;
      gaps.set(step, [...(gaps.get(step) ?? []), r.receivedAt - prev.at]);
    }
  }
  const cards = byCard.size || 1;
  const all = jira.requests;
  const busy = all.reduce((sum, r) => sum + (r.at - r.receivedAt), 0);
  const wall = Math.max(...all.map((r) => r.at)) - Math.min(...all.map((r) => r.receivedAt)) || 1;
  return {
    requestMs: busy / (all.length || 1),
    spanMs: span / cards,
    inJiraMs: inJira / cards,
    betweenMs: (span - inJira) / cards,
    meanOpenAtJira: busy / wall,
    steps: [...gaps].map(([step, list]) => ({
      step,
      count: list.length,
      meanGapMs: list.reduce((a, b) => a + b, 0) / list.length,
    })),
  };
}

/** A card's job as the app ran it, next to its requests at Jira: means per card, ms. */
export interface JobPhases {
  /** Card-sync job runs (the five events of a card merge into one while it is pending). */
  runs: number;
  /** Run started (claimed) to its first request at Jira: loading the card and config. */
  beforeFirstMs: number;
  /** Last answer to the run's end: the last mark stored. */
  afterLastMs: number;
  /** Run's end to the job's row settled (finished_at). */
  settleMs: number;
  /** Run started to the job settled. */
  runMs: number;
  /** The first run's start, after the bench began publishing the events (ingest, dispatch). */
  firstRunAfterMs: number;
}

/**
 * Reads the card-sync runs from `jobs` and `job_attempts` (the same clock as the fake: one
 * machine) and lines them up with each card's first and last request at Jira.
 */
export async function jobPhases(
  databaseUrl: string,
  jira: FakeJira,
  labelOf: (cardId: string) => string,
  publishedFrom: number,
): Promise<JobPhases> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      key: string;
      started_at: Date;
      duration_ms: number;
      finished_at: Date | null;
    }>(
      `SELECT j.key, a.started_at, a.duration_ms, j.finished_at
         FROM jobs j JOIN job_attempts a ON a.job_id = j.id
        WHERE j.queue = 'integrations.card-sync'`,
    );
    const keyByLabel = new Map<string, string>();
    for (const issue of jira.issueList())
      for (const label of issue.labels) keyByLabel.set(label, issue.key);
    const requestsOf = new Map<string, { first: number; last: number }>();
    for (const r of jira.requests) {
      const key =
        r.method === 'POST' && r.path === '/rest/api/3/issue'
          ? keyByLabel.get((r.body as { fields?: { labels?: string[] } }).fields?.labels?.[0] ?? '')
          : r.path.match(/\/issue\/([A-Z]+-\d+)/)?.[1];
      if (!key) continue;
      const seen = requestsOf.get(key);
      requestsOf.set(key, {
        first: Math.min(seen?.first ?? Infinity, r.receivedAt),
        last: Math.max(seen?.last ?? 0, r.at),
      });
    }
    const sum = { before: 0, after: 0, settle: 0, run: 0, n: 0 };
    for (const row of rows) {
      const cardId = row.key.slice(row.key.indexOf(':') + 1);
      const at = requestsOf.get(keyByLabel.get(labelOf(cardId)) ?? '');
      if (!at || !row.finished_at) continue;
      const started = row.started_at.getTime();
      const ended = started + row.duration_ms;
      sum.before += at.first - started;
      sum.after += ended - at.last;
      sum.settle += row.finished_at.getTime() - ended;
      sum.run += row.finished_at.getTime() - started;
      sum.n++;
    }
    const n = sum.n || 1;
    return {
      runs: rows.length,
      beforeFirstMs: sum.before / n,
      afterLastMs: sum.after / n,
      settleMs: sum.settle / n,
      runMs: sum.run / n,
      firstRunAfterMs: Math.min(...rows.map((r) => r.started_at.getTime())) - publishedFrom,
    };
  } finally {
    await client.end();
  }
}
