import { html } from 'htm/preact';

/**
 * An endpoint's last hours as bars, one per bucket: height is the number of deliveries, red
 * the failed share. Inline SVG (no canvas per row); the label says the totals in words.
 */
export function Sparkline({ succeeded, failed }: { succeeded: number[]; failed: number[] }) {
  const n = succeeded.length;
  const ok = succeeded.reduce((a, v) => a + v, 0);
  const bad = failed.reduce((a, v) => a + v, 0);
  const label = `${ok} succeeded, ${bad} failed in the last 24 h`;
  if (n === 0) return html`<span class="muted">no data</span>`;
  const max = Math.max(1, ...succeeded.map((v, i) => v + (failed[i] ?? 0)));
  const w = 120;
  const h = 24;
  const bw = w / n;
  return html`<svg
    class="sparkline"
    viewBox=${`0 0 ${w} ${h}`}
    width=${w}
    height=${h}
    role="img"
    aria-label=${label}
  >
    <title>${label}</title>
    ${succeeded.map((s, i) => {
      const f = failed[i] ?? 0;
      const total = ((s + f) / max) * h;
      const failedH = (f / max) * h;
      return html`<g>
        ${total > failedH ? html`<rect class="spark-ok" x=${i * bw} y=${h - total} width=${Math.max(bw - 0.5, 0.5)} height=${total - failedH} />` : ''}
        ${failedH > 0 ? html`<rect class="spark-bad" x=${i * bw} y=${h - failedH} width=${Math.max(bw - 0.5, 0.5)} height=${failedH} />` : ''}
      </g>`;
    })}
  </svg>`;
}
