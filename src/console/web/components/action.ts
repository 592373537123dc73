import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox } from './problem';

/**
 * A button that calls the API: disabled while the call runs, then says what happened (the
 * `done` sentence, or the problem) next to itself in a live region.
 */
export function ActionButton(props: {
  run: () => Promise<string | void>;
  children: ComponentChildren;
  class?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const onClick = async () => {
    setBusy(true);
    setError(null);
    setDone('');
    try {
      setDone((await props.run()) ?? '');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action">
    <button
      type="button"
      class=${props.class ?? ''}
      disabled=${busy}
      aria-label=${props.label}
      onClick=${onClick}
    >
      ${props.children}
    </button>
    <span class="action-result" aria-live="polite">
      ${done ? html`<span class="done">${done}</span>` : ''}
      ${error ? html`<${ErrorBox} error=${error} />` : ''}
    </span>
  </span>`;
}
