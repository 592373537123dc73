import type { Connector } from './connector.js';
import { JiraConnector } from './jira/jira.connector.js';

/** Every kind of integration; adding one is a folder under kinds/ and a line here. */
const CONNECTORS: Connector<object>[] = [new JiraConnector() as unknown as Connector<object>];

export const INTEGRATION_KINDS = CONNECTORS.map((c) => c.kind);

export function connectorFor(kind: string): Connector<object> | undefined {
  return CONNECTORS.find((c) => c.kind === kind);
}
