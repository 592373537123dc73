import type { Connector } from './connector.js';
import { GitHubConnector } from './github/github.connector.js';
import { JiraConnector } from './jira/jira.connector.js';

/** Every kind of integration; adding one is a folder under kinds/ and a line here. */
const CONNECTORS = [new JiraConnector(), new GitHubConnector()] as unknown as Connector<object>[];

export const INTEGRATION_KINDS = CONNECTORS.map((c) => c.kind);

export function connectorFor(kind: string): Connector<object> | undefined {
  return CONNECTORS.find((c) => c.kind === kind);
}
