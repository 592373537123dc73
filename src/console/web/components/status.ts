import { html } from 'htm/preact';

const TONE: Record<string, string> = {
  succeeded: 'ok',
  ok: 'ok',
  fired: 'ok',
  active: 'warn',
  enabled: 'ok',
  running: 'info',
  pending: 'info',
  suppressed: 'muted',
  silenced: 'muted',
  expired: 'muted',
  cancelled: 'muted',
  disabled: 'muted',
  failed: 'bad',
  failing: 'bad',
  dead: 'bad',
  error: 'bad',
  undeliverable: 'bad',
};

/** A status word in a coloured badge; the word carries the meaning, the colour only helps. */
export function Badge({ value }: { value: string }) {
  return html`<span class=${`badge badge-${TONE[value] ?? 'info'}`}>${value}</span>`;
}

export function HttpStatus({ code }: { code: number | null | undefined }) {
  if (code === null || code === undefined) return html`<span class="muted">—</span>`;
  return html`<span class=${`badge badge-${code < 300 ? 'ok' : code < 500 ? 'warn' : 'bad'}`}
    >${code}</span
  >`;
}
