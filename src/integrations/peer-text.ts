import { storableText } from '../common/http/storable-text.js';
import { isSensitiveName, peerTextRedactor } from '../common/security/redaction.js';
import type { Connector } from './kinds/connector.js';

/**
 * The one filter for text a Jira or GitHub sent that the hub stores (call log, a card's
 * last error) or answers (/test): the integration's secrets and the credentials of its
 * request headers masked in every encoding a peer may echo them in (credentialForms), and
 * made storable as PostgreSQL text. The repositories apply storableText again, so a text
 * that skipped this still cannot fail an insert.
 */
export function peerTextFilter(
  connector: Connector<object>,
  config: object,
): (text: string) => string {
  const secrets = connector.secretFields.map((f) =>
    String((config as Record<string, unknown>)[f] ?? ''),
  );
  const credentials = Object.entries(connector.headers(config))
    .filter(([name]) => isSensitiveName(name))
    .map(([, value]) => value);
  const redact = peerTextRedactor([...secrets, ...credentials]);
  return (text) => storableText(redact(storableText(text)));
}
