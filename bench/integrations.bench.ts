import { CARD_SYNC_MAX_IN_FLIGHT } from '../src/config/index.js';
import { FakeJira } from '../src/testing/index.js';
import { cardLabel } from '../src/integrations/kinds/card-marks.js';
import { cardTiming, jobPhases } from './integrations-timing.js';
import { benchDatabase, startApp, table, writeResults } from './support.js';

/**
 * 200 cards x 5 work-item events (created, updated, moved, updated, message) published at
 * once, synced to the fake Jira answering after 50 ms: time until every card is in Jira
 * (issue, final title, status, comment), and requests to Jira per card against the minimum.
 * Next to cards/s it prints the ceiling the settings allow: with CARD_SYNC_MAX_IN_FLIGHT
 * card syncs at once, each a chain of requests that each take the latency, one instance
 * syncs at most in-flight / (minimum requests per card x latency) cards/s.
 */
const CARDS = Number(process.env.BENCH_CARDS ?? 200);
const LATENCY_MS = Number(process.env.BENCH_JIRA_LATENCY_MS ?? 50);
const ADMIN = 'bench-admin-token-0123456789abcdef';
/** 1: the fake ignores expand=transitions, so a move reads the transitions on its own (5 requests). */
const IGNORE_EXPAND = process.env.BENCH_JIRA_IGNORE_EXPAND === '1';
/**
 * What the scenario's card needs of Jira at the least, one request each: make the issue
 * (carrying the final title and description), read its status and the transitions open to
 * it (the status a new issue starts in is the workflow's, not ours to assume), take the
 * transition to the mapped status, post the comment.
 */
const MINIMUM_STEPS = ['create', 'read status and transitions', 'transition', 'comment'];
const MINIMUM_PER_CARD = MINIMUM_STEPS.length;

async function api(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export async function runIntegrationsBench(): Promise<void> {
  const [db, jira] = await Promise.all([
    benchDatabase(),
    FakeJira.start({ latencyMs: LATENCY_MS }),
  ]);
  jira.expandsTransitions = !IGNORE_EXPAND;
  const app = await startApp({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123',
    SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
  });
  try {
    await api(app.url, 'POST', '/integrations', {
      kind: 'jira',
      name: 'bench',
      config: {
        baseUrl: jira.url,
        email: jira.email,
        apiToken: jira.apiToken,
        projectKey: jira.projectKey,
        statusMap: { doing: 'In Progress' },
      },
    });
    const cards = Array.from({ length: CARDS }, (_, i) => `bench-${i}`);
    const now = new Date().toISOString();
    const events = cards.flatMap((card) => [
      {
        type: 'card.created',
        source: 'bench',
        subject: card,
        data: { title: `${card} v1`, column: 'todo', tags: [], createdAt: now },
      },
      {
        type: 'card.updated',
        source: 'bench',
        subject: card,
        data: { title: `${card} v2`, description: 'More *detail*' },
      },
      { type: 'card.moved', source: 'bench', subject: card, data: { column: 'doing' } },
      { type: 'card.updated', source: 'bench', subject: card, data: { title: `${card} final` } },
      {
        type: 'message.created',
        source: 'bench',
        subject: card,
        data: { id: `m-${card}`, body: 'Ship it' },
      },
    ]);
    const started = performance.now();
    const publishedFrom = Date.now();
    for (let i = 0; i < events.length; i += 500)
      await api(app.url, 'POST', '/events', events.slice(i, i + 500));
    const synced = () =>
      jira
        .issueList()
        .filter(
          (i) =>
            i.summary.endsWith(' final') &&
            i.status.name === 'In Progress' &&
            i.comments.length === 1,
        ).length;
    const deadline = Date.now() + 600_000;
    while (synced() < CARDS) {
      if (Date.now() > deadline) throw new Error(`only ${synced()} of ${CARDS} cards synced`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const requests = jira.requests.length;
    const cardsPerSecond = CARDS / seconds;
    const ceiling = CARD_SYNC_MAX_IN_FLIGHT / ((MINIMUM_PER_CARD * LATENCY_MS) / 1000);
    const timing = cardTiming(jira);
    const phases = await jobPhases(db.url, jira, cardLabel, publishedFrom);
    const duplicates = jira.issues.size - CARDS;
    const byKind = Object.entries(
      jira.requests.reduce<Record<string, number>>((acc, r) => {
        const kind = `${r.method} ${r.path.replace(/\/issue\/[A-Z]+-\d+/, '/issue/{key}')}`;
        acc[kind] = (acc[kind] ?? 0) + 1;
        return acc;
      }, {}),
    ).map(([request, count]) => ({ request, count, perCard: (count / CARDS).toFixed(2) }));
    const rows = [
      {
        cards: CARDS,
        events: events.length,
        'jira latency ms': LATENCY_MS,
        'jira expands transitions': IGNORE_EXPAND ? 'no' : 'yes',
        'all synced s': seconds.toFixed(1),
        'cards/s': cardsPerSecond.toFixed(1),
        'requests/card': (requests / CARDS).toFixed(2),
        'minimum/card': MINIMUM_PER_CARD,
        'in flight': CARD_SYNC_MAX_IN_FLIGHT,
        'ceiling cards/s': ceiling.toFixed(1),
        'share of ceiling': `${((100 * cardsPerSecond) / ceiling).toFixed(0)}%`,
        // The same bound at the requests the run made: how much the app's own time costs.
        'ceiling at requests/card made': (
          CARD_SYNC_MAX_IN_FLIGHT /
          (((requests / CARDS) * LATENCY_MS) / 1000)
        ).toFixed(1),
        'duplicate issues': duplicates,
      },
    ];
    // Where a card's time went: at Jira (latency) or in the app between one answer and the
    // card's next request (marks stored, the next step built, the job claimed).
    const where = [
      {
        'request at Jira ms': timing.requestMs.toFixed(1),
        'card span ms': timing.spanMs.toFixed(0),
        'of it at Jira ms': timing.inJiraMs.toFixed(0),
        'of it in the app ms': timing.betweenMs.toFixed(0),
        'open at Jira (mean)': timing.meanOpenAtJira.toFixed(2),
      },
    ];
    // The rest of a card's slot: its job run before the first and after the last request,
    // the settle, and the slot's idle time (in-flight / cards/s - the run): the wait for the
    // next claim, the start (events published and dispatched) and the last cards' tail.
    const slotMs = (1000 * CARD_SYNC_MAX_IN_FLIGHT) / cardsPerSecond;
    const jobs = [
      {
        'card runs': phases.runs,
        'slot per card ms': slotMs.toFixed(0),
        'run claimed..settled ms': phases.runMs.toFixed(0),
        'before 1st request ms': phases.beforeFirstMs.toFixed(0),
        'after last answer ms': phases.afterLastMs.toFixed(0),
        'settle ms': phases.settleMs.toFixed(0),
        'slot idle ms': (slotMs - phases.runMs).toFixed(0),
        'first run after publish ms': phases.firstRunAfterMs.toFixed(0),
      },
    ];
    const steps = timing.steps.map((s) => ({
      step: s.step,
      count: s.count,
      'app ms between (mean)': s.meanGapMs.toFixed(1),
    }));
    console.log(table(rows));
    console.log(table(byKind));
    console.log(table(where));
    console.log(table(steps));
    console.log(table(jobs));
    console.log(
      `results: ${writeResults('integrations', { rows, byKind, where, steps, jobs, minimum: MINIMUM_STEPS })}`,
    );
  } finally {
    app.process.kill('SIGTERM');
    await app.exited;
    await jira.close();
    await db.stop();
  }
}
