import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { ActionButton } from '../components/action';
import { usePaged, Pager } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Badge } from '../components/status';
import { Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, duration, pretty, seconds, short, time } from '../format';
import { setQuery, type Location } from '../router';

export interface QueueStats {
  queue: string;
  pending: number;
  due: number;
  running: number;
  failed: number;
  oldestDueAgeSeconds: number;
}

interface Job {
  id: string;
  queue: string;
  key?: string | null;
  payload: unknown;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  attempt: number;
  runAt: string;
  lastError?: string | null;
  lastSummary?: string | null;
  createdAt: string;
  finishedAt?: string | null;
}

interface JobAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  summary?: string | null;
  error?: string | null;
  instance: string;
}

const STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

/** A job's payload and attempts, read when the row is opened. */
function JobDetail({ id }: { id: string }) {
  const [detail, setDetail] = useState<(Job & { attempts: JobAttempt[] }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const onToggle = (e: Event) => {
    if ((e.target as HTMLDetailsElement).open && !detail)
      get<Job & { attempts: JobAttempt[] }>(`/jobs/${id}`).then(setDetail, setError);
  };
  return html`<details onToggle=${onToggle}>
    <summary>Details</summary>
    <${ErrorBox} error=${error} />
    ${
      detail
        ? html`<pre class="body" tabindex="0">${pretty(detail.payload)}</pre>
            <ol class="timeline">
              ${detail.attempts.map(
                (a) =>
                  html`<li>
                    Attempt ${a.attempt}: ${a.outcome}, ${duration(a.durationMs)} at
                    ${time(a.startedAt)} on ${a.instance}
                    ${a.error ? html`<div class="error-text">${a.error}</div>` : ''}
                    ${a.summary ? html`<div class="muted">${a.summary}</div>` : ''}
                  </li>`,
              )}
            </ol>`
        : ''
    }
  </details>`;
}

/** Queues with their counts, and the job list (failed first) with retry and cancel. */
export function Jobs({ loc }: { loc: Location }) {
  const queue = loc.query.get('queue') ?? '';
  const status = loc.query.get('status') ?? 'failed';
  const stats = useGet<{ queues: QueueStats[] }>('/jobs/stats');
  const jobs = usePaged<Job>('/jobs', {
    limit: 50,
    queue: queue || undefined,
    status: status === 'any' ? undefined : status,
  });
  const filters = { queue, status };
  const change = (key: keyof typeof filters) => (e: Event) =>
    setQuery({ ...filters, [key]: (e.target as HTMLSelectElement).value });
  const act = (job: Job, verb: 'retry' | 'cancel') => async () => {
    await post(`/jobs/${job.id}/${verb}`);
    jobs.reload();
    stats.reload();
    return verb === 'retry' ? 'Queued again.' : 'Cancelled.';
  };
  return html`<h1>Jobs</h1>
    <section aria-labelledby="queues-h">
      <h2 id="queues-h">Queues</h2>
      <${ErrorBox} error=${stats.error} />
      ${
        stats.data
          ? html`<${Table} label="Queues">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col" class="num">Pending</th>
                <th scope="col" class="num">Due</th>
                <th scope="col" class="num">Running</th>
                <th scope="col" class="num">Failed</th>
                <th scope="col" class="num">Oldest due</th>
              </tr>
            </thead>
            <tbody>
              ${stats.data.queues.map(
                (q) =>
                  html`<tr>
                    <th scope="row">${q.queue}</th>
                    <td class="num">${q.pending}</td>
                    <td class="num">${q.due}</td>
                    <td class="num">${q.running}</td>
                    <td class="num">${q.failed}</td>
                    <td class="num">${q.due ? seconds(q.oldestDueAgeSeconds) : '—'}</td>
                  </tr>`,
              )}
            </tbody>
          </${Table}>`
          : ''
      }
    </section>
    <section aria-labelledby="job-list-h">
      <h2 id="job-list-h">Jobs</h2>
      <div class="filters">
        <div>
          <label for="f-queue">Queue</label>
          <select id="f-queue" value=${queue} onChange=${change('queue')}>
            <option value="">Any</option>
            ${(stats.data?.queues ?? []).map((q) => html`<option value=${q.queue}>${q.queue}</option>`)}
            ${queue && !stats.data?.queues.some((q) => q.queue === queue) ? html`<option value=${queue}>${queue}</option>` : ''}
          </select>
        </div>
        <div>
          <label for="f-job-status">Status</label>
          <select id="f-job-status" value=${status} onChange=${change('status')}>
            <option value="any">Any</option>
            ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select>
        </div>
        <div>
          <button
            type="button"
            onClick=${() => {
              jobs.reload();
              stats.reload();
            }}
          >
            Refresh
          </button>
        </div>
      </div>
      <${Table} label="Jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Queue</th>
            <th scope="col">Key</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Attempt</th>
            <th scope="col">Run at</th>
            <th scope="col">Last error</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${jobs.items.map(
            (j) =>
              html`<tr>
                <td><code>${short(j.id)}</code><${JobDetail} id=${j.id} /></td>
                <td>${j.queue}</td>
                <td class="wrap">${j.key ?? '—'}</td>
                <td><${Badge} value=${j.status} /></td>
                <td class="num">${j.attempt}</td>
                <td>${ago(j.runAt)}</td>
                <td class="error-text">${j.lastError ?? ''}</td>
                <td>
                  ${
                    j.status === 'failed' || j.status === 'cancelled'
                      ? html`<${ActionButton} label=${`Retry job ${short(j.id)}`} run=${act(j, 'retry')}>Retry</${ActionButton}>`
                      : ''
                  }
                  ${
                    j.status === 'pending'
                      ? html`<${ActionButton} label=${`Cancel job ${short(j.id)}`} run=${act(j, 'cancel')}>Cancel</${ActionButton}>`
                      : ''
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </${Table}>
      <${Pager} list=${jobs} empty="No jobs match." />
    </section>`;
}
