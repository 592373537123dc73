import { html } from 'htm/preact';
import { TimeChart, sum, type Series } from '../components/chart';
import { ErrorBox } from '../components/problem';
import { Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, duration, percent, seconds } from '../format';
import { Link } from '../router';
import type { Consumer } from './consumers';
import type { QueueStats } from './jobs';

interface SeriesDto {
  from: string;
  to: string;
  stepSeconds: number;
  at: number[];
  deliveries: { succeeded: number[]; failed: number[]; dead: number[] };
  successRate: (number | null)[];
  latencyP95Ms: (number | null)[];
  eventsPublished: number[];
  logLinesScanned: number[];
}

interface FailingDto {
  endpoints: {
    id: string;
    url: string;
    description?: string;
    enabled: boolean;
    failingSince: string;
    lastStatus: number | null;
    lastError: string | null;
  }[];
  bindings: {
    id: string;
    userId: string;
    calendarUrl: string;
    displayName: string | null;
    failingSince: string | null;
    lastError: string;
  }[];
  integrations: {
    id: string;
    name: string;
    kind: string;
    lastErrorAt: string;
    lastError: string;
    lastStatus: number | null;
  }[];
  consumers: {
    name: string;
    poisonCount: number;
    lastError: string | null;
    lastErrorAt: string | null;
  }[];
}

const OK = '#1a7f37';
const BAD = '#cf222e';
const DEAD = '#6e2b8c';
const BLUE = '#0a59c2';

const totals = (s: Series) => `${sum(s.values)} in 24 h`;

function Charts({ data }: { data: SeriesDto }) {
  const per = data.stepSeconds === 60 ? 'per minute' : `per ${seconds(data.stepSeconds)}`;
  return html`<div class="charts">
    <${TimeChart}
      title=${`Deliveries ${per}`}
      at=${data.at}
      summary=${totals}
      series=${[
        { label: 'Succeeded', values: data.deliveries.succeeded, color: OK },
        { label: 'Failed', values: data.deliveries.failed, color: BAD },
        { label: 'Dead', values: data.deliveries.dead, color: DEAD },
      ]}
    />
    <${TimeChart}
      title="Success rate"
      at=${data.at}
      format=${(v: number) => percent(v)}
      series=${[{ label: 'Success rate', values: data.successRate, color: OK }]}
    />
    <${TimeChart}
      title="p95 publish-to-receive latency"
      at=${data.at}
      format=${(v: number) => duration(v)}
      series=${[{ label: 'p95', values: data.latencyP95Ms, color: BLUE }]}
    />
    <${TimeChart}
      title=${`Events published ${per}`}
      at=${data.at}
      summary=${totals}
      series=${[{ label: 'Events', values: data.eventsPublished, color: BLUE }]}
    />
    <${TimeChart}
      title=${`Log lines scanned ${per}`}
      at=${data.at}
      summary=${totals}
      series=${[{ label: 'Lines', values: data.logLinesScanned, color: '#8a4600' }]}
    />
  </div>`;
}

function Failing({ data }: { data: FailingDto }) {
  const rows = [
    ...data.endpoints.map((e) => ({
      kind: e.enabled ? 'Endpoint' : 'Endpoint (disabled)',
      name: e.description || e.url,
      href: `/webhooks/endpoints/${e.id}`,
      since: e.failingSince,
      error: [e.lastStatus ? `HTTP ${e.lastStatus}` : '', e.lastError ?? '']
        .filter(Boolean)
        .join(': '),
    })),
    ...data.bindings.map((b) => ({
      kind: 'Calendar binding',
      name: `${b.displayName || b.calendarUrl} (${b.userId})`,
      href: `/calendar?binding=${b.id}`,
      since: b.failingSince,
      error: b.lastError,
    })),
    ...data.integrations.map((i) => ({
      kind: `Integration (${i.kind})`,
      name: i.name,
      href: `/integrations/${i.id}`,
      since: i.lastErrorAt,
      error: [i.lastStatus ? `HTTP ${i.lastStatus}` : '', i.lastError].filter(Boolean).join(': '),
    })),
    ...data.consumers.map((c) => ({
      kind: 'Consumer',
      name: `${c.name} (${c.poisonCount} poison)`,
      href: `/consumers`,
      since: c.lastErrorAt,
      error: c.lastError ?? '',
    })),
  ];
  if (rows.length === 0) return html`<p class="all-good">Nothing is failing.</p>`;
  return html`<${Table} label="Failing now">
    <thead><tr><th scope="col">What</th><th scope="col">Name</th><th scope="col">When</th><th scope="col">Last error</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr>
          <td>${r.kind}</td>
          <td><${Link} href=${r.href}>${r.name}</${Link}></td>
          <td>${ago(r.since)}</td>
          <td class="error-text">${r.error || '—'}</td>
        </tr>`,
      )}
    </tbody>
  </${Table}>`;
}

/** The hub at a glance: 24 h charts, what is failing now, consumer lag, jobs per queue. */
export function Overview() {
  const series = useGet<SeriesDto>('/overview/series?hours=24');
  const failing = useGet<FailingDto>('/overview/failing');
  const consumers = useGet<Consumer[]>('/events/consumers');
  const jobs = useGet<{ queues: QueueStats[] }>('/jobs/stats');
  return html`<h1>Overview</h1>
    <section aria-labelledby="failing-h">
      <h2 id="failing-h">Failing now</h2>
      <${ErrorBox} error=${failing.error} />
      ${failing.data ? html`<${Failing} data=${failing.data} />` : ''}
    </section>
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">Last 24 hours</h2>
      <${ErrorBox} error=${series.error} />
      ${series.data ? html`<${Charts} data=${series.data} />` : series.loading ? html`<p class="muted">Loading…</p>` : ''}
    </section>
    <div class="two-up">
      <section aria-labelledby="lag-h">
        <h2 id="lag-h">Consumer lag</h2>
        <${ErrorBox} error=${consumers.error} />
        ${
          consumers.data
            ? html`<${Table} label="Consumer lag">
              <thead><tr><th scope="col">Consumer</th><th scope="col" class="num">Lag</th><th scope="col" class="num">Poison</th></tr></thead>
              <tbody>
                ${consumers.data.map(
                  (c) => html`<tr>
                    <td><${Link} href="/consumers">${c.name}</${Link}></td>
                    <td class="num">${c.lag}</td>
                    <td class="num">${c.poisonCount}</td>
                  </tr>`,
                )}
              </tbody>
            </${Table}>`
            : ''
        }
      </section>
      <section aria-labelledby="jobs-h">
        <h2 id="jobs-h">Jobs by queue and state</h2>
        <${ErrorBox} error=${jobs.error} />
        ${
          jobs.data
            ? html`<${Table} label="Jobs by queue and state">
              <thead><tr><th scope="col">Queue</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Due</th><th scope="col" class="num">Running</th><th scope="col" class="num">Failed</th></tr></thead>
              <tbody>
                ${jobs.data.queues.map(
                  (q) => html`<tr>
                    <td><${Link} href=${`/jobs?queue=${encodeURIComponent(q.queue)}`}>${q.queue}</${Link}></td>
                    <td class="num">${q.pending}</td>
                    <td class="num">${q.due}</td>
                    <td class="num">${q.running}</td>
                    <td class="num">${q.failed}</td>
                  </tr>`,
                )}
              </tbody>
            </${Table}>`
            : ''
        }
      </section>
    </div>`;
}
