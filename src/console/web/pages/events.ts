import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { usePaged, Pager } from '../components/paged';
import { Table } from '../components/table';
import { pretty, time } from '../format';
import { setQuery, type Location } from '../router';

interface EventDto {
  id: string;
  type: string;
  source: string;
  subject?: string | null;
  data: unknown;
  severity: string;
  origin?: string | null;
  occurredAt: string;
  createdAt: string;
}

const SEVERITY_TONE: Record<string, string> = { error: 'bad', critical: 'bad', warning: 'warn' };

/** The bus log, newest pages first as the API gives them, filtered by type and source. */
export function Events({ loc }: { loc: Location }) {
  const type = loc.query.get('type') ?? '';
  const source = loc.query.get('source') ?? '';
  const sinceId = loc.query.get('sinceId') ?? '';
  const [typeInput, setTypeInput] = useState(type);
  const [sourceInput, setSourceInput] = useState(source);
  const list = usePaged<EventDto>('/events', {
    limit: 50,
    type: type || undefined,
    source: source || undefined,
    sinceId: sinceId || undefined,
  });
  return html`<h1>Events</h1>
    <form
      class="filters"
      role="search"
      aria-label="Filter events"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        setQuery({ type: typeInput.trim(), source: sourceInput.trim() });
      }}
    >
      <div>
        <label for="f-ev-type">Type</label>
        <input id="f-ev-type" value=${typeInput} placeholder="e.g. card.*" onInput=${(e: Event) => setTypeInput((e.target as HTMLInputElement).value)} />
      </div>
      <div>
        <label for="f-ev-source">Source</label>
        <input id="f-ev-source" value=${sourceInput} onInput=${(e: Event) => setSourceInput((e.target as HTMLInputElement).value)} />
      </div>
      <div class="form-row">
        <button type="submit">Apply</button>
        <button type="button" onClick=${list.reload}>Refresh</button>
      </div>
    </form>
    ${sinceId ? html`<p class="hint">Only events after id ${sinceId}. <button type="button" onClick=${() => setQuery({ type, source })}>Show all</button></p>` : ''}
    <${Table} label="Events">
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Occurred</th>
          <th scope="col">Type</th>
          <th scope="col">Source</th>
          <th scope="col">Subject</th>
          <th scope="col">Severity</th>
          <th scope="col">Data</th>
        </tr>
      </thead>
      <tbody>
        ${list.items.map(
          (e) =>
            html`<tr>
              <td><code>${e.id}</code></td>
              <td>${time(e.occurredAt)}</td>
              <td>${e.type}</td>
              <td>${e.source}</td>
              <td>${e.subject ?? '—'}</td>
              <td>
                <span class=${`badge badge-${SEVERITY_TONE[e.severity] ?? 'info'}`}
                  >${e.severity}</span
                >
              </td>
              <td>
                <details>
                  <summary>Data</summary>
                  <pre class="body" tabindex="0">${pretty(e.data)}</pre>
                  ${e.origin ? html`<p class="muted">origin: ${e.origin}</p>` : ''}
                </details>
              </td>
            </tr>`,
        )}
      </tbody>
    </${Table}>
    <${Pager} list=${list} empty="No events match." />`;
}
