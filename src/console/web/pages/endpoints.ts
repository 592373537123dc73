import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { usePaged, Pager } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Sparkline } from '../components/sparkline';
import { Badge, HttpStatus } from '../components/status';
import { Table } from '../components/table';
import { ago } from '../format';
import { Link, navigate } from '../router';
import { WebhooksNav } from './webhooks-nav';

export interface EndpointDto {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason?: string | null;
  disabledAt?: string | null;
  headers: Record<string, string>;
  signature: { scheme: string; header?: string };
  body: string;
  rateLimitPerSecond?: number | null;
  failingSince?: string | null;
  configError: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Health {
  endpointId: string;
  at: number[];
  succeeded: number[];
  failed: number[];
  lastStatus: number | null;
  lastAttemptAt: string | null;
  failingSince: string | null;
}

export function endpointState(e: EndpointDto): string {
  if (!e.enabled) return 'disabled';
  return e.failingSince ? 'failing' : 'enabled';
}

function CreateEndpoint({ onCreated }: { onCreated: (id: string) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const eventTypes = types
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const created = await post<EndpointDto>('/webhooks/endpoints', {
        url,
        ...(description ? { description } : {}),
        ...(eventTypes.length ? { eventTypes } : {}),
      });
      onCreated(created.id);
    } catch (err) {
      setError(err);
    }
  };
  const input = (set: (v: string) => void) => (e: Event) =>
    set((e.target as HTMLInputElement).value);
  return html`<details class="create">
    <summary>New endpoint</summary>
    <form onSubmit=${submit} class="form-grid">
      <label for="ep-url">URL</label>
      <input
        id="ep-url"
        type="url"
        required
        value=${url}
        onInput=${input(setUrl)}
        placeholder="https://example.com/hooks"
      />
      <label for="ep-description">Description</label>
      <input id="ep-description" value=${description} onInput=${input(setDescription)} />
      <label for="ep-types">Event types</label>
      <input
        id="ep-types"
        value=${types}
        onInput=${input(setTypes)}
        aria-describedby="ep-types-hint"
      />
      <p id="ep-types-hint" class="hint">
        Comma-separated, e.g. <code>card.created, card.*</code>; empty for every type.
      </p>
      <div><button type="submit" class="primary">Create endpoint</button></div>
    </form>
    <${ErrorBox} error=${error} />
  </details>`;
}

/** Endpoints with their health: 24 h sparkline, last status, failing since. */
export function Endpoints() {
  const list = usePaged<EndpointDto>('/webhooks/endpoints', { limit: 50 });
  const [health, setHealth] = useState<Record<string, Health>>({});
  const [healthError, setHealthError] = useState<unknown>(null);
  const missing = list.items.filter((e) => !health[e.id]).map((e) => e.id);
  useEffect(() => {
    if (missing.length === 0) return;
    get<{ items: Health[] }>('/overview/endpoint-health', { ids: missing.join(','), hours: 24 })
      .then((res) =>
        setHealth((h) => ({
          ...h,
          ...Object.fromEntries(res.items.map((i) => [i.endpointId, i])),
        })),
      )
      .catch(setHealthError);
  }, [missing.join(',')]);

  return html`<h1>Webhooks</h1>
    <${WebhooksNav} current="endpoints" />
    <${CreateEndpoint} onCreated=${(id: string) => navigate(`/webhooks/endpoints/${id}`)} />
    <h2>Endpoints</h2>
    <${ErrorBox} error=${healthError} />
    <${Table} label="Endpoints">
      <thead>
        <tr>
          <th scope="col">Endpoint</th>
          <th scope="col">State</th>
          <th scope="col">Last 24 h</th>
          <th scope="col">Last status</th>
          <th scope="col">Failing since</th>
          <th scope="col">Event types</th>
        </tr>
      </thead>
      <tbody>
        ${list.items.map((e) => {
          const h = health[e.id];
          return html`<tr>
            <td>
              <${Link} href=${`/webhooks/endpoints/${e.id}`}>${e.description || e.url}</${Link}>
              ${e.description ? html`<div class="muted small">${e.url}</div>` : ''}
            </td>
            <td><${Badge} value=${endpointState(e)} /></td>
            <td>${h ? html`<${Sparkline} succeeded=${h.succeeded} failed=${h.failed} />` : html`<span class="muted">…</span>`}</td>
            <td>${h ? html`<${HttpStatus} code=${h.lastStatus} /> <span class="muted small">${ago(h.lastAttemptAt)}</span>` : '—'}</td>
            <td>${ago(e.failingSince ?? h?.failingSince)}</td>
            <td>${e.eventTypes.length ? e.eventTypes.join(', ') : html`<span class="muted">all</span>`}</td>
          </tr>`;
        })}
      </tbody>
    </${Table}>
    <${Pager} list=${list} empty="No endpoints yet." />`;
}
