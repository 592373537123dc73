import { html } from 'htm/preact';
import { Link } from '../router';

/** The two halves of the Webhooks section. */
export function WebhooksNav({ current }: { current: 'endpoints' | 'deliveries' }) {
  return html`<nav class="tabs" aria-label="Webhooks">
    <${Link} href="/webhooks" aria-current=${current === 'endpoints' ? 'page' : undefined}>Endpoints</${Link}>
    <${Link} href="/webhooks/deliveries" aria-current=${current === 'deliveries' ? 'page' : undefined}>Delivery log</${Link}>
  </nav>`;
}
