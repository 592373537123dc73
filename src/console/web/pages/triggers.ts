import { html } from 'htm/preact';
import { del } from '../api';
import { ActionButton } from '../components/action';
import { usePaged, Pager, type Paged } from '../components/paged';
import { Badge } from '../components/status';
import { Table } from '../components/table';
import { ago, time } from '../format';
import { Link, setQuery, type Location } from '../router';

interface Matcher {
  label: string;
  op: string;
  value: string;
}

export interface TriggerDto {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  matchers: Matcher[];
  filter: Record<string, string | undefined>;
  action: { type: string; url: string; headers: Record<string, string> };
  payloadFormat: string;
  repeatInterval: string;
  groupBy: string[];
  createdAt: string;
  updatedAt: string;
}

export interface SilenceDto {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  state: 'active' | 'pending' | 'expired';
  createdAt: string;
}

export const matchers = (ms: Matcher[]) =>
  ms.length
    ? ms.map((m) => `${m.label} ${m.op} ${JSON.stringify(m.value)}`).join(' and ')
    : 'every event';

/** `0` (the API's "every match fires") in words. */
export const repeat = (interval: string) =>
  interval === '0' ? 'every match' : `at most every ${interval}`;

export function SilenceTable({ list }: { list: Paged<SilenceDto> }) {
  return html`<${Table} label="Silences">
      <thead>
        <tr>
          <th scope="col">Matchers</th>
          <th scope="col">State</th>
          <th scope="col">From</th>
          <th scope="col">Until</th>
          <th scope="col">By</th>
          <th scope="col">Comment</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${list.items.map(
          (s) =>
            html`<tr>
              <td><code>${matchers(s.matchers)}</code></td>
              <td><${Badge} value=${s.state} /></td>
              <td>${time(s.startsAt)}</td>
              <td>${time(s.endsAt)}</td>
              <td>${s.createdBy}</td>
              <td>${s.comment}</td>
              <td>
                ${
                  s.state !== 'expired'
                    ? html`<${ActionButton}
                    label=${`End now: silence ${matchers(s.matchers)}`}
                    run=${async () => {
                      await del(`/triggers/silences/${s.id}`);
                      list.reload();
                    }}
                  >End now</${ActionButton}>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </${Table}>
    <${Pager} list=${list} empty="No silences." />`;
}

/** Trigger rules and the silences over them. */
export function Triggers({ loc }: { loc: Location }) {
  const state = loc.query.get('state') ?? '';
  const triggers = usePaged<TriggerDto>('/triggers', { limit: 50 });
  const silences = usePaged<SilenceDto>('/triggers/silences', {
    limit: 25,
    state: state || undefined,
  });
  return html`<h1>Triggers</h1>
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Rules</h2>
      <${Table} label="Trigger rules">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Matches</th>
            <th scope="col">Sends to</th>
            <th scope="col">Repeat</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          ${triggers.items.map(
            (t) => html`<tr>
              <td><${Link} href=${`/triggers/${t.id}`}>${t.name}</${Link}></td>
              <td><${Badge} value=${t.enabled ? 'enabled' : 'disabled'} /></td>
              <td><code>${matchers(t.matchers)}</code></td>
              <td class="wrap">${t.action.url}</td>
              <td>${repeat(t.repeatInterval)}${t.groupBy.length ? ` per ${t.groupBy.join(', ')}` : ''}</td>
              <td>${ago(t.updatedAt)}</td>
            </tr>`,
          )}
        </tbody>
      </${Table}>
      <${Pager} list=${triggers} empty="No triggers yet." />
    </section>
    <section aria-labelledby="silences-h">
      <h2 id="silences-h">Silences</h2>
      <div class="filters">
        <div>
          <label for="f-state">State</label>
          <select id="f-state" value=${state} onChange=${(e: Event) => setQuery({ state: (e.target as HTMLSelectElement).value })}>
            <option value="">Any</option>
            <option value="active">active</option>
            <option value="pending">pending</option>
            <option value="expired">expired</option>
          </select>
        </div>
      </div>
      <${SilenceTable} list=${silences} />
    </section>`;
}
