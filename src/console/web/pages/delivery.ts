import { html } from 'htm/preact';
import { post } from '../api';
import { ActionButton } from '../components/action';
import { ErrorBox } from '../components/problem';
import { Badge, HttpStatus } from '../components/status';
import { Facts, Table } from '../components/table';
import { useGet } from '../components/use-get';
import { duration, pretty, time } from '../format';
import { Link } from '../router';
import type { DeliveryDto } from './deliveries';
import type { EndpointDto } from './endpoints';
import { WebhooksNav } from './webhooks-nav';

export interface AttemptDto {
  id: string;
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  statusCode?: number | null;
  /** As sent (credential-like static headers redacted); null for attempts older than this field. */
  requestHeaders?: Record<string, string> | null;
  responseHeaders: Record<string, string | string[]>;
  responseBody?: string | null;
  error?: string | null;
  instanceId: string;
}

type DeliveryDetail = DeliveryDto & { payload: string; attempts: AttemptDto[] };

export function Headers({ label, headers }: { label: string; headers: Record<string, unknown> }) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return html`<p class="muted">No headers.</p>`;
  return html`<${Table} label=${label}>
    <thead><tr><th scope="col">Header</th><th scope="col">Value</th></tr></thead>
    <tbody>
      ${entries.map(
        ([k, v]) =>
          html`<tr>
            <td><code>${k}</code></td>
            <td class="wrap"><code>${Array.isArray(v) ? v.join(', ') : String(v)}</code></td>
          </tr>`,
      )}
    </tbody>
  </${Table}>`;
}

function signatureHeaders(e: EndpointDto | undefined): string {
  if (!e) return '';
  return e.signature.scheme === 'hmac-sha256-hex'
    ? (e.signature.header ?? '')
    : 'webhook-id, webhook-timestamp, webhook-signature';
}

/** One attempt; the newest one opens with the receiver's answer, the others on request. */
function Attempt({ a, open }: { a: AttemptDto; open: boolean }) {
  return html`<li class="attempt">
    <h3>
      Attempt ${a.attemptNumber}
      <${HttpStatus} code=${a.statusCode} />
      <span class="muted small"
        >${time(a.startedAt)} · ${duration(a.durationMs)} · ${a.instanceId}</span
      >
    </h3>
    ${a.error ? html`<p class="error-text">${a.error}</p>` : ''}
    <details open=${open}>
      <summary>
        ${a.requestHeaders ? 'Request headers, response headers and body' : 'Response headers and body'}
      </summary>
      ${
        a.requestHeaders
          ? html`<h4>Request headers</h4>
              <${Headers}
                label=${`Request headers of attempt ${a.attemptNumber}`}
                headers=${a.requestHeaders}
              />`
          : ''
      }
      <h4>Response headers</h4>
      <${Headers}
        label=${`Response headers of attempt ${a.attemptNumber}`}
        headers=${a.responseHeaders}
      />
      <h4>Response body</h4>
      ${a.responseBody ? html`<pre class="body" tabindex="0">${pretty(a.responseBody)}</pre>` : html`<p class="muted">Empty.</p>`}
    </details>
  </li>`;
}

/**
 * One delivery: what was sent (body, each attempt's headers), every attempt with the
 * receiver's answer, and retry. Refreshes every second while the delivery is pending.
 */
export function Delivery({ params }: { params: Record<string, string> }) {
  const d = useGet<DeliveryDetail>(`/webhooks/deliveries/${params.id}`, {
    refreshMs: 1000,
    keepPolling: (x) => x.status === 'pending',
  });
  const endpoint = useGet<EndpointDto>(d.data ? `/webhooks/endpoints/${d.data.endpointId}` : null);
  const x = d.data;
  return html`<h1>Delivery <code>${params.id.slice(0, 8)}</code></h1>
    <${WebhooksNav} current="deliveries" />
    <${ErrorBox} error=${d.error} />
    ${
      x
        ? html`<div class="toolbar">
            <${ActionButton}
              class="primary"
              run=${async () => {
                await post(`/webhooks/deliveries/${x.id}/retry`);
                d.reload();
                return 'Retry queued.';
              }}
            >Retry now</${ActionButton}>
          </div>
          <${Facts}
            items=${[
              [
                'Status',
                html`<span data-testid="delivery-status"><${Badge} value=${x.status} /></span>`,
              ],
              ['Event type', x.eventType],
              [
                'Endpoint',
                html`<${Link} href=${`/webhooks/endpoints/${x.endpointId}`}>${endpoint.data ? endpoint.data.description || endpoint.data.url : x.endpointId}</${Link}>`,
              ],
              [
                'Event',
                x.eventId
                  ? html`<code>${x.eventId}</code> (<${Link} href=${`/events?type=${encodeURIComponent(x.eventType)}`}>events of this type</${Link}>)`
                  : '—',
              ],
              ['Webhook id', html`<code>${x.webhookId}</code>`],
              ['Attempts', String(x.attemptCount)],
              ['Created', time(x.createdAt)],
              ['Completed', time(x.completedAt)],
              [
                'Created to completed',
                x.completedAt ? duration(Date.parse(x.completedAt) - Date.parse(x.createdAt)) : '—',
              ],
              ['Next attempt', time(x.nextAttemptAt)],
            ]}
          />
          <section aria-labelledby="attempts-h">
            <h2 id="attempts-h">Attempts</h2>
            ${
              x.attempts.length === 0
                ? html`<p class="muted">No attempt yet.</p>`
                : html`<ol class="timeline">
                    ${x.attempts.map((a, i) => html`<${Attempt} a=${a} open=${i === x.attempts.length - 1} />`)}
                  </ol>`
            }
          </section>
          <section aria-labelledby="request-h">
            <h2 id="request-h">Request</h2>
            <p><code>POST ${endpoint.data?.url ?? ''}</code></p>
            ${
              x.attempts.some((a) => a.requestHeaders)
                ? html`<p class="hint">
                    Each attempt's headers as sent are under it above: the signature headers change
                    per attempt.
                  </p>`
                : html`<p class="hint">
                      ${`With the endpoint's headers below, plus content-type: application/json and the signature headers (${signatureHeaders(endpoint.data)}), computed per attempt.`}
                    </p>
                    ${endpoint.data ? html`<${Headers} label="Endpoint headers" headers=${endpoint.data.headers} />` : ''}`
            }
            <h3>Body</h3>
            <pre class="body" tabindex="0">${pretty(x.payload)}</pre>
          </section>`
        : ''
    }`;
}
