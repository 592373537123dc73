import { html } from 'htm/preact';
import { post } from '../api';
import { ActionButton } from '../components/action';
import { usePaged, Pager } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Badge, HttpStatus } from '../components/status';
import { Facts, Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, time } from '../format';
import { Link } from '../router';
import type { WhoAmI } from './sign-in';
import { matchers, repeat, SilenceTable, type SilenceDto, type TriggerDto } from './triggers';

interface Firing {
  id: string;
  eventId: string;
  eventType: string;
  outcome: 'fired' | 'suppressed' | 'silenced' | 'undeliverable';
  group: string;
  silenceId?: string | null;
  error?: string | null;
  delivery?: {
    id: string;
    status: string;
    attemptCount: number;
    lastStatusCode?: number | null;
    lastError?: string | null;
  } | null;
  createdAt: string;
}

interface Stats {
  matches: number;
  fires: number;
  suppressed: number;
  silenced: number;
  failures: number;
  lastFiredAt?: string | null;
  lastError?: string | null;
}

/** How long a silence made from a firing lasts; the silences list can end it early. */
const SILENCE_HOURS = 1;

/** One trigger: its rule, stats, firings (each with its delivery) and one-click silences. */
export function Trigger({ params, who }: { params: Record<string, string>; who: WhoAmI }) {
  const t = useGet<TriggerDto>(`/triggers/${params.id}`);
  const stats = useGet<Stats>(`/triggers/${params.id}/stats`);
  const firings = usePaged<Firing>(`/triggers/${params.id}/firings`, { limit: 25 });
  const silences = usePaged<SilenceDto>('/triggers/silences', { limit: 10, state: 'active' });
  const x = t.data;

  const silence = async (f: Firing) => {
    const endsAt = new Date(Date.now() + SILENCE_HOURS * 3600_000).toISOString();
    const created = await post<SilenceDto>('/triggers/silences', {
      matchers: [
        { label: 'trigger', op: '=', value: x!.name },
        { label: 'type', op: '=', value: f.eventType },
      ],
      endsAt,
      createdBy: who.id,
      comment: `From firing ${f.id} in the console`,
    });
    silences.reload();
    return `Silenced ${matchers(created.matchers)} until ${time(created.endsAt)}.`;
  };

  return html`<h1>${x ? x.name : 'Trigger'}</h1>
    <p><${Link} href="/triggers">All triggers</${Link}></p>
    <${ErrorBox} error=${t.error} />
    ${
      x
        ? html`<${Facts}
            items=${[
              ['State', html`<${Badge} value=${x.enabled ? 'enabled' : 'disabled'} />`],
              ['Matchers', html`<code>${matchers(x.matchers)}</code>`],
              ['Sends to', html`<code class="wrap">${x.action.url}</code>`],
              [
                'Repeat interval',
                `${repeat(x.repeatInterval)}${x.groupBy.length ? ` per ${x.groupBy.join(', ')}` : ''}`,
              ],
              ['Matches / fired', stats.data ? `${stats.data.matches} / ${stats.data.fires}` : '—'],
              [
                'Suppressed / silenced / failed',
                stats.data
                  ? `${stats.data.suppressed} / ${stats.data.silenced} / ${stats.data.failures}`
                  : '—',
              ],
              ['Last fired', time(stats.data?.lastFiredAt)],
              ['Last error', stats.data?.lastError ?? '—'],
            ]}
          />`
        : ''
    }
    <section aria-labelledby="firings-h">
      <h2 id="firings-h">Firings</h2>
      <${Table} label="Firings">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event type</th>
            <th scope="col">Outcome</th>
            <th scope="col">Group</th>
            <th scope="col">Delivery</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${firings.items.map(
            (f) => html`<tr>
              <td>${ago(f.createdAt)}</td>
              <td><${Link} href=${`/events?type=${encodeURIComponent(f.eventType)}`}>${f.eventType}</${Link}></td>
              <td><${Badge} value=${f.outcome} />${f.error ? html` <span class="error-text">${f.error}</span>` : ''}</td>
              <td>${f.group && f.group !== '{}' ? html`<code>${f.group}</code>` : html`<span class="muted">one group</span>`}</td>
              <td>
                ${
                  f.delivery
                    ? html`<${Link} href=${`/webhooks/deliveries/${f.delivery.id}`}>${f.delivery.status}</${Link}>
                      <${HttpStatus} code=${f.delivery.lastStatusCode} />`
                    : '—'
                }
              </td>
              <td>
                ${
                  x && f.outcome !== 'silenced'
                    ? html`<${ActionButton} label=${`Silence ${SILENCE_HOURS} h: ${f.eventType}`} run=${() => silence(f)}>Silence ${SILENCE_HOURS} h</${ActionButton}>`
                    : ''
                }
              </td>
            </tr>`,
          )}
        </tbody>
      </${Table}>
      <${Pager} list=${firings} empty="No firings yet." />
    </section>
    <section aria-labelledby="active-silences-h">
      <h2 id="active-silences-h">Active silences</h2>
      <${SilenceTable} list=${silences} />
    </section>`;
}
