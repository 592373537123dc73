import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';

/**
 * A table that scrolls sideways on a narrow screen. The wrapper is focusable and named so a
 * keyboard user can scroll it too (axe's scrollable-region-focusable).
 */
export function Table({ label, children }: { label: string; children: ComponentChildren }) {
  return html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0">
    <table>
      <caption class="visually-hidden">
        ${label}
      </caption>
      ${children}
    </table>
  </div>`;
}

/** A definition list of label/value pairs. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return html`<dl class="facts">
    ${items.map(
      ([k, v]) =>
        html`<div>
          <dt>${k}</dt>
          <dd>${v}</dd>
        </div>`,
    )}
  </dl>`;
}
