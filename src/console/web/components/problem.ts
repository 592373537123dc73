import { html } from 'htm/preact';
import { ApiError } from '../api';

/** An API failure as a sentence: the problem's title, its detail, and each field it names. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e =
    error instanceof ApiError
      ? error
      : new ApiError(
          0,
          'Something went wrong',
          error instanceof Error ? error.message : String(error),
        );
  return html`<div class="problem" role="alert">
    <p>
      <strong>${e.title}</strong
      >${e.status ? html` <span class="muted">(HTTP ${e.status})</span>` : ''}
    </p>
    ${e.detail ? html`<p>${e.detail}</p>` : ''}
    ${
      e.fields.length
        ? html`<ul>
            ${e.fields.map((f) => html`<li><code>${f.field}</code>: ${f.message}</li>`)}
          </ul>`
        : ''
    }
  </div>`;
}
