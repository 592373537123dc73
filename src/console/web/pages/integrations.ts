import { html } from 'htm/preact';
import { ErrorBox } from '../components/problem';
import { Badge } from '../components/status';
import { Table } from '../components/table';
import { useGet } from '../components/use-get';
import { ago } from '../format';
import { Link } from '../router';

export interface IntegrationDto {
  id: string;
  kind: string;
  name: string;
  enabled: boolean;
  eventFilter: string[];
  config: Record<string, unknown>;
  configError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Every integration (the API lists them whole: there are few). */
export function Integrations() {
  const list = useGet<{ data: IntegrationDto[] }>('/integrations');
  return html`<h1>Integrations</h1>
    <${ErrorBox} error=${list.error} />
    ${
      list.data
        ? list.data.data.length === 0
          ? html`<p class="muted">No integrations yet.</p>`
          : html`<${Table} label="Integrations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Events</th>
                <th scope="col">Config error</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              ${list.data.data.map(
                (i) => html`<tr>
                  <td><${Link} href=${`/integrations/${i.id}`}>${i.name}</${Link}></td>
                  <td>${i.kind}</td>
                  <td><${Badge} value=${i.enabled ? 'enabled' : 'disabled'} /></td>
                  <td>${i.eventFilter.length ? i.eventFilter.join(', ') : 'all'}</td>
                  <td class="error-text">${i.configError ?? '—'}</td>
                  <td>${ago(i.updatedAt)}</td>
                </tr>`,
              )}
            </tbody>
          </${Table}>`
        : html`<p class="muted">Loading…</p>`
    }`;
}
