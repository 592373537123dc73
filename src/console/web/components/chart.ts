import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/**
 * A time series chart (uPlot on a canvas). The canvas says nothing to a screen reader, so the
 * figure carries a text summary of each series, and the legend is ours (plain text); the
 * line above the plot reads out the values under the pointer.
 */
export function TimeChart(props: {
  title: string;
  at: number[];
  series: Series[];
  format?: (v: number) => string;
  summary?: (s: Series) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const readout = useRef<HTMLParagraphElement>(null);
  const format = props.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height: 170,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // The values under the pointer, written straight into the DOM (no re-render per move).
        hooks: {
          setCursor: [
            (u) => {
              const i = u.cursor.idx;
              if (readout.current)
                readout.current.textContent =
                  i === null || i === undefined
                    ? ''
                    : `${new Date(props.at[i] * 1000).toLocaleString(undefined, { hour12: false })}: ` +
                      props.series
                        .map(
                          (s) => `${s.label} ${s.values[i] === null ? '—' : format(s.values[i]!)}`,
                        )
                        .join(', ');
            },
          ],
        },
        scales: { x: { time: true } },
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            spanGaps: false,
            // A value between gaps draws no line: show those as dots, and only those.
            points: { show: true, size: 5, fill: s.color, filter: isolated },
          })),
        ],
        axes: [
          { stroke: '#333', grid: { stroke: '#e4e4e4' } },
          {
            stroke: '#333',
            grid: { stroke: '#e4e4e4' },
            size: 60,
            values: (_u, ticks) => ticks.map((t) => format(t)),
          },
        ],
      },
      [props.at, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(el.clientWidth, 200), height: 170 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.at]);

  const summary =
    props.summary ??
    ((s: Series) => {
      const last = [...s.values].reverse().find((v) => v !== null && v !== undefined);
      return last === undefined || last === null ? 'no data' : `latest ${format(last)}`;
    });
  return html`<figure class="chart">
    <figcaption>${props.title}</figcaption>
    <p class="readout" ref=${readout} aria-hidden="true"></p>
    <div
      class="chart-canvas"
      ref=${box}
      role="img"
      aria-label=${`${props.title}: ${props.series.map((s) => `${s.label} ${summary(s)}`).join('; ')}`}
    ></div>
    <ul class="legend">
      ${props.series.map(
        (s) =>
          html`<li>
            <span class="swatch" style=${{ background: s.color }}></span>${s.label}: ${summary(s)}
          </li>`,
      )}
    </ul>
  </figure>`;
}

function isolated(u: uPlot, seriesIdx: number): number[] {
  const values = u.data[seriesIdx] as (number | null | undefined)[];
  const out: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (values[i] != null && values[i - 1] == null && values[i + 1] == null) out.push(i);
  return out;
}

export const sum = (values: (number | null)[]) => values.reduce<number>((a, v) => a + (v ?? 0), 0);
