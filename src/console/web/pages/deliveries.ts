import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { Page } from '../api';
import { usePaged, Pager, type Paged } from '../components/paged';
import { Badge, HttpStatus } from '../components/status';
import { Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago, short } from '../format';
import { Link, setQuery, type Location } from '../router';
import type { EndpointDto } from './endpoints';
import { WebhooksNav } from './webhooks-nav';

export interface DeliveryDto {
  id: string;
  webhookId: string;
  endpointId: string;
  eventId?: string | null;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  nextAttemptAt?: string | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  createdAt: string;
  completedAt?: string | null;
}

export function DeliveryTable({
  list,
  showEndpoint = true,
  names = {},
}: {
  list: Paged<DeliveryDto>;
  showEndpoint?: boolean;
  /** Endpoint id to its description or URL, where known. */
  names?: Record<string, string>;
}) {
  return html`<${Table} label="Deliveries">
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          <th scope="col">Created</th>
          <th scope="col">Event type</th>
          ${showEndpoint ? html`<th scope="col">Endpoint</th>` : ''}
          <th scope="col">Status</th>
          <th scope="col" class="num">Attempts</th>
          <th scope="col">Last answer</th>
        </tr>
      </thead>
      <tbody>
        ${list.items.map(
          (d) => html`<tr>
            <td><${Link} href=${`/webhooks/deliveries/${d.id}`}>${short(d.id)}</${Link}></td>
            <td>${ago(d.createdAt)}</td>
            <td>${d.eventType}</td>
            ${showEndpoint ? html`<td><${Link} href=${`/webhooks/endpoints/${d.endpointId}`}>${names[d.endpointId] ?? short(d.endpointId)}</${Link}></td>` : ''}
            <td><${Badge} value=${d.status} /></td>
            <td class="num">${d.attemptCount}</td>
            <td><${HttpStatus} code=${d.lastStatusCode} /> <span class="error-text">${d.lastError ?? ''}</span></td>
          </tr>`,
        )}
      </tbody>
    </${Table}>
    <${Pager} list=${list} empty="No deliveries match." />`;
}

/** The delivery log, filtered by status, event type and endpoint (kept in the URL). */
export function Deliveries({ loc }: { loc: Location }) {
  const status = loc.query.get('status') ?? '';
  const eventType = loc.query.get('eventType') ?? '';
  const endpointId = loc.query.get('endpointId') ?? '';
  const [typeInput, setTypeInput] = useState(eventType);
  const endpoints = useGet<Page<EndpointDto>>('/webhooks/endpoints?limit=100');
  const list = usePaged<DeliveryDto>('/webhooks/deliveries', {
    limit: 50,
    status: status || undefined,
    eventType: eventType || undefined,
    endpointId: endpointId || undefined,
  });
  const filters = { status, eventType, endpointId };
  const change = (key: keyof typeof filters) => (e: Event) =>
    setQuery({ ...filters, [key]: (e.target as HTMLSelectElement).value });
  return html`<h1>Webhooks</h1>
    <${WebhooksNav} current="deliveries" />
    <h2>Delivery log</h2>
    <form
      class="filters"
      role="search"
      aria-label="Filter deliveries"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        setQuery({ ...filters, eventType: typeInput.trim() });
      }}
    >
      <div>
        <label for="f-status">Status</label>
        <select id="f-status" value=${status} onChange=${change('status')}>
          <option value="">Any</option>
          <option value="pending">pending</option>
          <option value="succeeded">succeeded</option>
          <option value="failed">failed</option>
        </select>
      </div>
      <div>
        <label for="f-endpoint">Endpoint</label>
        <select id="f-endpoint" value=${endpointId} onChange=${change('endpointId')}>
          <option value="">Any</option>
          ${(endpoints.data?.data ?? []).map((e) => html`<option value=${e.id}>${e.description || e.url}</option>`)}
          ${
            endpointId && !endpoints.data?.data.some((e) => e.id === endpointId)
              ? html`<option value=${endpointId}>${endpointId}</option>`
              : ''
          }
        </select>
      </div>
      <div>
        <label for="f-type">Event type</label>
        <input
          id="f-type"
          value=${typeInput}
          onInput=${(e: Event) => setTypeInput((e.target as HTMLInputElement).value)}
          placeholder="exact, e.g. card.created"
        />
      </div>
      <div class="form-row">
        <button type="submit">Apply</button>
        <button type="button" onClick=${list.reload}>Refresh</button>
      </div>
    </form>
    <${DeliveryTable}
      list=${list}
      names=${Object.fromEntries((endpoints.data?.data ?? []).map((e) => [e.id, e.description || e.url]))}
    />`;
}
