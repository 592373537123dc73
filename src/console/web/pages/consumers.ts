import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorBox } from '../components/problem';
import { Badge } from '../components/status';
import { Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, time } from '../format';

export interface Consumer {
  name: string;
  registered: boolean;
  cursorEventId: string;
  lag: number;
  processedCount: number;
  poisonCount: number;
  failingEventId?: string | null;
  attempts: number;
  retryAt?: string | null;
  lastError?: string | null;
  lastErrorAt?: string | null;
  updatedAt: string;
}

interface Failure {
  id: string;
  eventId: string;
  attempts: number;
  error: string;
  createdAt: string;
}

/** The poison events a consumer set aside, read when opened. */
function Failures({ name }: { name: string }) {
  const [rows, setRows] = useState<Failure[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const onToggle = (e: Event) => {
    if ((e.target as HTMLDetailsElement).open && !rows)
      get<Failure[]>(`/events/consumers/${encodeURIComponent(name)}/failures`).then(
        setRows,
        setError,
      );
  };
  return html`<details onToggle=${onToggle}>
    <summary>Poison events</summary>
    <${ErrorBox} error=${error} />
    ${rows && rows.length === 0 ? html`<p class="muted">None.</p>` : ''}
    ${
      rows && rows.length
        ? html`<ul>
            ${rows.map((f) => html`<li>event <code>${f.eventId}</code> after ${f.attempts} attempts, ${time(f.createdAt)}: <span class="error-text">${f.error}</span></li>`)}
          </ul>`
        : ''
    }
  </details>`;
}

/** Every bus consumer: how far behind it is, what it set aside, and its current failure. */
export function Consumers() {
  const list = useGet<Consumer[]>('/events/consumers');
  return html`<h1>Consumers</h1>
    <${ErrorBox} error=${list.error} />
    ${
      list.data
        ? html`<${Table} label="Consumers">
          <thead>
            <tr>
              <th scope="col">Consumer</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Lag</th>
              <th scope="col" class="num">Processed</th>
              <th scope="col" class="num">Poison</th>
              <th scope="col">Cursor</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            ${list.data.map(
              (c) =>
                html`<tr>
                  <th scope="row">${c.name}</th>
                  <td>
                    <${Badge}
                      value=${!c.registered ? 'disabled' : c.failingEventId ? 'failing' : 'ok'}
                    />${c.retryAt ? html` <span class="muted small">retry ${ago(c.retryAt)}</span>` : ''}
                  </td>
                  <td class="num">${c.lag}</td>
                  <td class="num">${c.processedCount}</td>
                  <td class="num">
                    ${c.poisonCount}${c.poisonCount ? html`<${Failures} name=${c.name} />` : ''}
                  </td>
                  <td><code>${c.cursorEventId}</code></td>
                  <td class="error-text">
                    ${c.lastError ? `${c.lastError} (${ago(c.lastErrorAt)})` : ''}
                  </td>
                </tr>`,
            )}
          </tbody>
        </${Table}>`
        : html`<p class="muted">Loading…</p>`
    }`;
}
