import { html } from 'htm/preact';
import { post } from '../api';
import { ActionButton } from '../components/action';
import { usePaged, Pager } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Badge, HttpStatus } from '../components/status';
import { Facts, Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, duration, pretty, time } from '../format';
import { Link, setQuery, type Location } from '../router';
import type { IntegrationDto } from './integrations';

interface CallLog {
  id: string;
  eventType: string | null;
  cardId: string | null;
  operation: string;
  httpStatus: number | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
}

interface Card {
  cardId: string;
  remoteKey: string | null;
  remoteUrl: string | null;
  title: string;
  column: string | null;
  tags: string[];
  deleted: boolean;
  lastSyncedAt: string | null;
  lastError: string | null;
  pendingComments: number;
}

/** One integration: its settings, a connection test, and its call log (filter by outcome). */
export function Integration({ params, loc }: { params: Record<string, string>; loc: Location }) {
  const status = loc.query.get('status') ?? '';
  const i = useGet<IntegrationDto>(`/integrations/${params.id}`);
  const calls = usePaged<CallLog>(`/integrations/${params.id}/logs`, {
    limit: 50,
    status: status || undefined,
  });
  const x = i.data;
  return html`<h1>${x ? x.name : 'Integration'}</h1>
    <p><${Link} href="/integrations">All integrations</${Link}></p>
    <${ErrorBox} error=${i.error} />
    ${
      x
        ? html`<${Facts}
            items=${[
              ['Kind', x.kind],
              ['State', html`<${Badge} value=${x.enabled ? 'enabled' : 'disabled'} />`],
              ['Events', x.eventFilter.length ? x.eventFilter.join(', ') : 'all'],
              ['Config error', x.configError ?? '—'],
            ]}
          />
          <details>
            <summary>Configuration</summary>
            <pre class="body" tabindex="0">${pretty(x.config)}</pre>
          </details>
          <div class="toolbar">
            <${ActionButton}
              run=${async () => {
                const r = await post<{
                  ok: boolean;
                  checks: { field: string; ok: boolean; message: string }[];
                }>(`/integrations/${x.id}/test`);
                return `${r.ok ? 'Connection works' : 'Connection fails'}: ${r.checks.map((c) => `${c.field} ${c.ok ? 'ok' : c.message}`).join('; ')}`;
              }}
            >Test connection</${ActionButton}>
          </div>`
        : ''
    }
    <section aria-labelledby="calls-h">
      <h2 id="calls-h">Call log</h2>
      <div class="filters">
        <div>
          <label for="f-call-status">Outcome</label>
          <select id="f-call-status" value=${status} onChange=${(e: Event) => setQuery({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">Any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </div>
      </div>
      <${Table} label="Call log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Operation</th>
            <th scope="col">Event</th>
            <th scope="col">Card</th>
            <th scope="col">HTTP</th>
            <th scope="col" class="num">Time</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          ${calls.items.map(
            (c) =>
              html`<tr>
                <td>${ago(c.createdAt)}</td>
                <td>${c.operation}</td>
                <td>${c.eventType ?? '—'}</td>
                <td>
                  ${c.cardId ? html`<${Link} href=${`/integrations/${params.id}/cards/${encodeURIComponent(c.cardId)}`}>${c.cardId}</${Link}>` : '—'}
                </td>
                <td><${HttpStatus} code=${c.httpStatus} /></td>
                <td class="num">${duration(c.durationMs)}</td>
                <td class="error-text">${c.error ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </${Table}>
      <${Pager} list=${calls} empty="No calls yet." />
    </section>`;
}

/** A card as the integration mirrors it remotely, with resync. */
export function IntegrationCard({ params }: { params: Record<string, string> }) {
  const card = useGet<Card>(
    `/integrations/${params.id}/cards/${encodeURIComponent(params.cardId)}`,
  );
  const c = card.data;
  return html`<h1>Card <code>${params.cardId}</code></h1>
    <p><${Link} href=${`/integrations/${params.id}`}>Back to the integration</${Link}></p>
    <${ErrorBox} error=${card.error} />
    ${
      c
        ? html`<${Facts}
            items=${[
              ['Title', c.title],
              [
                'Remote',
                c.remoteUrl
                  ? html`<a href=${c.remoteUrl} rel="noreferrer noopener" target="_blank"
                      >${c.remoteKey ?? c.remoteUrl}</a
                    >`
                  : (c.remoteKey ?? '—'),
              ],
              ['Column', c.column ?? '—'],
              ['Tags', c.tags.join(', ') || '—'],
              ['Deleted', c.deleted ? 'yes' : 'no'],
              ['Last synced', time(c.lastSyncedAt)],
              ['Pending comments', String(c.pendingComments)],
              ['Last error', c.lastError ?? '—'],
            ]}
          />
          <${ActionButton}
            run=${async () => {
              const r = await post<{ jobId: string }>(
                `/integrations/${params.id}/cards/${encodeURIComponent(params.cardId)}/resync`,
              );
              card.reload();
              return `Resync queued as job ${r.jobId}.`;
            }}
          >Resync card</${ActionButton}>`
        : ''
    }`;
}
