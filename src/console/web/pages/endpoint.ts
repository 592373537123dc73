import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, patch, post } from '../api';
import { ActionButton } from '../components/action';
import { usePaged } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Badge } from '../components/status';
import { Facts } from '../components/table';
import { useGet } from '../components/use-get';
import { duration, percent, time, toLocalInput } from '../format';
import { DeliveryTable, type DeliveryDto } from './deliveries';
import { Headers } from './delivery';
import { endpointState, type EndpointDto } from './endpoints';
import { WebhooksNav } from './webhooks-nav';

interface Stats {
  counts: Record<string, number>;
  successRate?: number | null;
  p50Ms?: number | null;
  p95Ms?: number | null;
  lastError?: { error?: string; statusCode?: number; at?: string } | null;
}

interface Secret {
  secret: string;
  previous: { expiresAt?: string }[];
}

/** The signing secret: hidden until asked for; rotation asks for a second click. */
function SecretPanel({ id }: { id: string }) {
  const [secret, setSecret] = useState<Secret | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const reveal = async () => {
    setError(null);
    try {
      setSecret(secret ? null : await get<Secret>(`/webhooks/endpoints/${id}/secret`));
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-labelledby="secret-h">
    <h2 id="secret-h">Signing secret</h2>
    <p>
      ${secret ? html`<code class="secret">${secret.secret}</code>` : html`<span class="muted">Hidden.</span>`}
      ${' '}<button type="button" onClick=${reveal} aria-expanded=${secret !== null}>
        ${secret ? 'Hide secret' : 'Reveal secret'}
      </button>
    </p>
    ${
      secret && secret.previous.length
        ? html`<p class="hint">
            ${secret.previous.length} previous secret(s) still accepted until
            ${secret.previous.map((p) => time(p.expiresAt)).join(', ')}.
          </p>`
        : ''
    }
    ${
      confirming
        ? html`<p>
          Receivers must accept the new secret. The old one keeps signing alongside for the grace period.
          <${ActionButton}
            class="danger"
            run=${async () => {
              setSecret(await post<Secret>(`/webhooks/endpoints/${id}/secret/rotate`, {}));
              setConfirming(false);
              return 'Rotated.';
            }}
          >Confirm rotation</${ActionButton}>
          <button type="button" onClick=${() => setConfirming(false)}>Keep the current secret</button>
        </p>`
        : html`<button type="button" onClick=${() => setConfirming(true)}>Rotate secret…</button>`
    }
    <${ErrorBox} error=${error} />
  </section>`;
}

/** Recover (resend failed since) and replay (deliver events again since) for one endpoint. */
function RecoverReplay({ id, onDone }: { id: string; onDone: () => void }) {
  const [since, setSince] = useState(toLocalInput(new Date(Date.now() - 24 * 3600_000)));
  const iso = () => new Date(since).toISOString();
  return html`<section aria-labelledby="recover-h">
    <h2 id="recover-h">Recover and replay</h2>
    <div class="form-row">
      <label for="since">Since</label>
      <input id="since" type="datetime-local" value=${since} onInput=${(e: Event) => setSince((e.target as HTMLInputElement).value)} />
    </div>
    <div class="toolbar">
      <${ActionButton}
        run=${async () => {
          const r = await post<{ count: number }>(`/webhooks/endpoints/${id}/recover`, {
            since: iso(),
          });
          onDone();
          return `${r.count} failed deliveries queued again.`;
        }}
      >Recover failed</${ActionButton}>
      <${ActionButton}
        run=${async () => {
          const r = await post<{ count: number; skipped: unknown[] }>(
            `/webhooks/endpoints/${id}/replay`,
            { since: iso() },
          );
          onDone();
          return `${r.count} events replayed, ${r.skipped.length} skipped.`;
        }}
      >Replay events</${ActionButton}>
      <${ActionButton}
        run=${async () => {
          const a = await post<{
            statusCode?: number | null;
            error?: string | null;
            durationMs: number;
          }>(`/webhooks/endpoints/${id}/test`, {});
          return a.error
            ? `Test send failed: ${a.error}`
            : `Test send answered ${a.statusCode} in ${duration(a.durationMs)}.`;
        }}
      >Send test event</${ActionButton}>
    </div>
  </section>`;
}

/** One endpoint: settings, health numbers, secret, recover/replay, and its deliveries. */
export function Endpoint({ params }: { params: Record<string, string> }) {
  const e = useGet<EndpointDto>(`/webhooks/endpoints/${params.id}`);
  const stats = useGet<Stats>(`/webhooks/endpoints/${params.id}/stats`);
  const deliveries = usePaged<DeliveryDto>('/webhooks/deliveries', {
    endpointId: params.id,
    limit: 25,
  });
  const x = e.data;
  return html`<h1>${x ? x.description || x.url : 'Endpoint'}</h1>
    <${WebhooksNav} current="endpoints" />
    <${ErrorBox} error=${e.error} />
    ${
      x
        ? html`<${Facts}
            items=${[
              ['URL', html`<code class="wrap">${x.url}</code>`],
              [
                'State',
                html`<${Badge}
                    value=${endpointState(x)}
                  />${x.disabledReason ? html` <span class="muted">${x.disabledReason}</span>` : ''}`,
              ],
              ['Failing since', time(x.failingSince)],
              ['Event types', x.eventTypes.length ? x.eventTypes.join(', ') : 'all'],
              [
                'Signature',
                x.signature.scheme + (x.signature.header ? ` (${x.signature.header})` : ''),
              ],
              ['Body', x.body],
              ['Rate limit', x.rateLimitPerSecond ? `${x.rateLimitPerSecond}/s` : 'none'],
              ['Config error', x.configError ?? '—'],
              ['Success rate', percent(stats.data?.successRate)],
              [
                'Latency p50 / p95',
                `${duration(stats.data?.p50Ms)} / ${duration(stats.data?.p95Ms)}`,
              ],
              [
                'Deliveries',
                stats.data
                  ? Object.entries(stats.data.counts)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(', ') || '0'
                  : '—',
              ],
            ]}
          />
          <div class="toolbar">
            <${ActionButton}
              run=${async () => {
                await patch(`/webhooks/endpoints/${x.id}`, { enabled: !x.enabled });
                e.reload();
                return x.enabled ? 'Disabled.' : 'Enabled.';
              }}
            >${x.enabled ? 'Disable endpoint' : 'Enable endpoint'}</${ActionButton}>
          </div>
          <section aria-labelledby="headers-h">
            <h2 id="headers-h">Custom headers</h2>
            <${Headers} label="Custom headers" headers=${x.headers} />
          </section>
          <${SecretPanel} id=${x.id} />
          <${RecoverReplay} id=${x.id} onDone=${deliveries.reload} />
          <section aria-labelledby="ep-deliveries-h">
            <h2 id="ep-deliveries-h">Deliveries</h2>
            <${DeliveryTable} list=${deliveries} showEndpoint=${false} />
          </section>`
        : ''
    }`;
}
