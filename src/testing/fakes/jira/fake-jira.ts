import type { IncomingMessage } from 'node:http';
import { FakeAnswer, FakeServer, INVALID_JSON } from '../fake-server.js';
import type { FakeFault, FakeRequest } from '../fake-server.js';
import { adfProblems } from './adf-rules.js';
import { RequestSchemas } from '../request-schemas.js';
import type { SchemaProblem } from '../request-schemas.js';

/**
 * A Jira Cloud stand-in on 127.0.0.1 for the REST v3 endpoints the hub calls: basic auth,
 * projects with a workflow, issues, transitions, comments, remote links and label search.
 * It answers like Jira where clients trip: `{ errorMessages, errors }` bodies, 401 for bad
 * credentials, 404 for unknown keys, 400 for bodies Jira would refuse (ADF included), and
 * scripted faults (429 with Retry-After, 5xx, a response lost after the write committed).
 * Every request body is first validated against Jira's published OpenAPI description
 * (jira-request-schemas.json, extracted by scripts/extract-fake-schemas.mjs).
 * Self-contained: node:http and ajv only, so a user's suite can import it as is.
 */
export interface FakeJiraStatus {
  id: string;
  name: string;
}
export interface FakeJiraTransition {
  id: string;
  name: string;
  to: FakeJiraStatus;
}
export interface FakeJiraIssue {
  id: string;
  key: string;
  projectKey: string;
  issueType: string;
  summary: string;
  description: unknown;
  labels: string[];
  status: FakeJiraStatus;
  comments: { id: string; body: unknown; properties: { key: string; value: unknown }[] }[];
  remoteLinks: { id: number; globalId?: string; url: string; title: string }[];
  properties: Record<string, unknown>;
}
export type FakeJiraRequest = FakeRequest;
export type FakeJiraFault = FakeFault;
export interface FakeJiraOptions {
  email?: string;
  apiToken?: string;
  /** Delay before every answer (a remote Jira's round trip). */
  latencyMs?: number;
  projectKey?: string;
  issueTypes?: string[];
  /** Default: a free port. */
  port?: number;
}

/** The default workflow: transition names differ from status names, as in localized Jira. */
export const FAKE_JIRA_STATUSES: FakeJiraStatus[] = [
  { id: '10000', name: 'To Do' },
  { id: '10001', name: 'In Progress' },
  { id: '10002', name: 'Done' },
];
const TRANSITIONS: FakeJiraTransition[] = [
  { id: '11', name: 'Backlog', to: FAKE_JIRA_STATUSES[0] },
  { id: '21', name: 'Start work', to: FAKE_JIRA_STATUSES[1] },
  { id: '31', name: 'Finish', to: FAKE_JIRA_STATUSES[2] },
];

export class FakeJira extends FakeServer {
  readonly email: string;
  readonly apiToken: string;
  readonly projectKey: string;
  readonly issueTypes: string[];
  readonly issues = new Map<string, FakeJiraIssue>();
  /**
   * How long a new issue stays out of /search/jql, as Jira Cloud's eventually consistent
   * search index does (seconds to minutes); issues ids in `reconcileIssues` show at once.
   */
  searchLagMs = 0;
  /** False: GET /issue/{key} ignores expand=transitions, as a server without it would. */
  expandsTransitions = true;
  private readonly createdAt = new Map<string, number>();
  private nextId = 10000;

  private constructor(
    options: FakeJiraOptions,
    private readonly schemas: RequestSchemas,
  ) {
    super();
    this.email = options.email ?? 'admin@example.com';
    this.apiToken = options.apiToken ?? 'jira-token-0123456789';
    this.latencyMs = options.latencyMs ?? 0;
    this.projectKey = options.projectKey ?? 'HUB';
    this.issueTypes = options.issueTypes ?? ['Task', 'Bug', 'Story'];
  }

  static async start(options: FakeJiraOptions = {}): Promise<FakeJira> {
    const schemas = new URL('./jira-request-schemas.json', import.meta.url);
    const fake = new FakeJira(options, await RequestSchemas.load(schemas));
    await fake.listen(options.port);
    return fake;
  }

  issueList(): FakeJiraIssue[] {
    return [...this.issues.values()];
  }

  /** The transitions open from the issue's status (the workflow lets any status reach any other). */
  private transitionsOf(issue: FakeJiraIssue): FakeJiraTransition[] {
    return TRANSITIONS.filter((t) => t.to.id !== issue.status.id);
  }

  protected faultBody(status: number): unknown {
    return jiraError(`HTTP ${status}`);
  }

  protected route(
    method: string,
    url: URL,
    body: unknown,
    headers: IncomingMessage['headers'],
  ): FakeAnswer {
    const auth = headers.authorization;
    const expected = `Basic ${Buffer.from(`${this.email}:${this.apiToken}`).toString('base64')}`;
    if (auth !== expected)
      return [401, jiraError('Client must be authenticated to access this resource.')];
    if (body === INVALID_JSON) return [400, jiraError('Unexpected character in the request body.')];
    const p = url.pathname;
    const problems = this.schemas.problems(method, p, body);
    if (problems.length) return schemaRefusal(problems);
    let m: RegExpMatchArray | null;
    if (method === 'GET' && p === '/rest/api/3/myself')
      return [
        200,
        {
          accountId: '5b10ac8d82e05b22cc7d4ef5',
          emailAddress: this.email,
          displayName: 'Hub Admin',
          active: true,
        },
      ];
    if (method === 'GET' && (m = p.match(/^\/rest\/api\/3\/project\/([^/]+)$/)))
      return m[1] === this.projectKey
        ? [200, { id: '10000', key: this.projectKey, name: 'Hub project' }]
        : [404, jiraError(`No project could be found with key '${m[1]}'.`)];
    if (method === 'GET' && (m = p.match(/^\/rest\/api\/3\/project\/([^/]+)\/statuses$/)))
      return m[1] === this.projectKey
        ? [
            200,
            this.issueTypes.map((name, i) => ({
              id: String(10001 + i),
              name,
              subtask: false,
              statuses: FAKE_JIRA_STATUSES,
            })),
          ]
        : [404, jiraError(`No project could be found with key '${m[1]}'.`)];
    if (method === 'GET' && p === '/rest/api/3/search/jql') return this.search(url);
    if (method === 'POST' && p === '/rest/api/3/issue') return this.create(body);
    if ((m = p.match(/^\/rest\/api\/3\/issue\/([^/]+)(\/[a-z]+)?$/))) {
      const issue = this.issues.get(m[1]) ?? [...this.issues.values()].find((i) => i.id === m![1]);
      if (!issue)
        return [404, jiraError('Issue does not exist or you do not have permission to see it.')];
      const sub = m[2] ?? '';
      if (method === 'GET' && sub === '')
        return [
          200,
          {
            id: issue.id,
            key: issue.key,
            fields: {
              summary: issue.summary,
              description: issue.description,
              labels: issue.labels,
              status: issue.status,
            },
            // Like Jira's expand=transitions: the list GET .../transitions answers.
            ...(this.expandsTransitions && expands(url, 'transitions')
              ? { transitions: this.transitionsOf(issue) }
              : {}),
          },
        ];
      if (method === 'PUT' && sub === '') return this.update(issue, body);
      if (method === 'GET' && sub === '/transitions')
        return [200, { transitions: this.transitionsOf(issue) }];
      if (method === 'POST' && sub === '/transitions') return this.transition(issue, body);
      if (method === 'POST' && sub === '/comment') return this.comment(issue, body);
      if (method === 'GET' && sub === '/comment') {
        const withProperties = expands(url, 'properties');
        const comments = issue.comments.map((c) => ({
          id: c.id,
          body: c.body,
          ...(withProperties ? { properties: c.properties } : {}),
        }));
        return [200, { startAt: 0, maxResults: 5000, total: comments.length, comments }];
      }
      if (method === 'POST' && sub === '/remotelink') return this.remoteLink(issue, body);
    }
    return [404, jiraError(`No route for ${method} ${p}`)];
  }

  private search(url: URL): [number, unknown] {
    const jql = url.searchParams.get('jql') ?? '';
    const label = jql.match(/labels\s*=\s*"([^"]+)"/)?.[1];
    const project = jql.match(/project\s*=\s*"([^"]+)"/)?.[1];
    if (!label) return [400, jiraError(`Error in the JQL Query: ${jql}`)];
    const reconciled = (url.searchParams.get('reconcileIssues') ?? '').split(',');
    const indexed = (i: FakeJiraIssue) =>
      Date.now() - (this.createdAt.get(i.key) ?? 0) >= this.searchLagMs ||
      reconciled.includes(i.id);
    const issues = [...this.issues.values()].filter(
      (i) => i.labels.includes(label) && (!project || i.projectKey === project) && indexed(i),
    );
    return [200, { issues: issues.map((i) => ({ id: i.id, key: i.key })), isLast: true }];
  }

  private create(body: unknown): [number, unknown] {
    const fields = ((body as Record<string, unknown>)?.fields ?? {}) as Record<string, unknown>;
    const errors = this.fieldErrors(fields, true);
    if (Object.keys(errors).length) return [400, { errorMessages: [], errors }];
    const id = String(this.nextId++);
    const key = `${this.projectKey}-${this.issues.size + 1}`;
    this.createdAt.set(key, Date.now());
    this.issues.set(key, {
      id,
      key,
      projectKey: this.projectKey,
      issueType: (fields.issuetype as { name: string }).name,
      summary: fields.summary as string,
      description: fields.description ?? null,
      labels: (fields.labels as string[]) ?? [],
      status: FAKE_JIRA_STATUSES[0],
      comments: [],
      remoteLinks: [],
      properties: {},
    });
    return [201, { id, key, self: `${this.url}/rest/api/3/issue/${id}` }];
  }

  private update(issue: FakeJiraIssue, body: unknown): [number, unknown] {
    const fields = ((body as Record<string, unknown>)?.fields ?? {}) as Record<string, unknown>;
    const errors = this.fieldErrors(fields, false);
    if (Object.keys(errors).length) return [400, { errorMessages: [], errors }];
    if (fields.summary !== undefined) issue.summary = fields.summary as string;
    if (fields.description !== undefined) issue.description = fields.description;
    if (fields.labels !== undefined) issue.labels = fields.labels as string[];
    return [204, undefined];
  }

  /** Jira's checks on the fields the hub sends, with Jira's messages. */
  private fieldErrors(fields: Record<string, unknown>, creating: boolean): Record<string, string> {
    const errors: Record<string, string> = {};
    if (creating) {
      const project = fields.project as { key?: string } | undefined;
      if (project?.key !== this.projectKey) errors.project = 'valid project is required';
      const type = fields.issuetype as { name?: string } | undefined;
      if (!type?.name || !this.issueTypes.includes(type.name))
        errors.issuetype = 'Specify a valid issue type';
    }
    if (creating || fields.summary !== undefined) {
      const s = fields.summary;
      if (typeof s !== 'string' || !s.trim())
        errors.summary = 'You must specify a summary of the issue.';
      else if (s.length > 255) errors.summary = 'Summary must be less than 255 characters.';
      else if (/[\r\n]/.test(s))
        errors.summary = 'The summary is invalid because it contains newline characters.';
    }
    if (fields.description !== undefined && fields.description !== null) {
      const problems = adfProblems(fields.description);
      if (problems.length)
        errors.description = `Operation value must be an Atlassian Document: ${problems[0]}`;
    }
    if (fields.labels !== undefined) {
      const labels = fields.labels;
      if (
        !Array.isArray(labels) ||
        labels.some((l) => typeof l !== 'string' || !l || /\s/.test(l) || l.length > 255)
      )
        errors.labels = 'The label must not contain spaces and must be at most 255 characters.';
    }
    return errors;
  }

  private transition(issue: FakeJiraIssue, body: unknown): [number, unknown] {
    const id = (body as { transition?: { id?: unknown } })?.transition?.id;
    const t = TRANSITIONS.find((x) => x.id === id && x.to.id !== issue.status.id);
    if (!t) return [400, jiraError(`Transition id '${String(id)}' is not valid for this issue.`)];
    issue.status = t.to;
    return [204, undefined];
  }

  private comment(issue: FakeJiraIssue, body: unknown): [number, unknown] {
    const doc = (body as { body?: { content?: unknown[] } })?.body;
    if (Array.isArray(doc?.content) && doc.content.length === 0)
      return [400, { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } }];
    const problems = adfProblems(doc);
    if (problems.length)
      return [
        400,
        { errorMessages: [], errors: { comment: `Comment body is not valid ADF: ${problems[0]}` } },
      ];
    const id = String(this.nextId++);
    const properties = (body as { properties?: unknown }).properties ?? [];
    if (
      !Array.isArray(properties) ||
      properties.some((p) => typeof p?.key !== 'string' || p.key.length > 255)
    )
      return [400, { errorMessages: ['properties must be a list of { key, value }'], errors: {} }];
    issue.comments.push({ id, body: (body as { body: unknown }).body, properties });
    return [201, { id, self: `${this.url}/rest/api/3/issue/${issue.id}/comment/${id}` }];
  }

  private remoteLink(issue: FakeJiraIssue, body: unknown): [number, unknown] {
    const b = body as { globalId?: string; object?: { url?: string; title?: string } };
    if (!b?.object?.url || !b.object.title)
      return [
        400,
        { errorMessages: [], errors: { object: 'object.url and object.title are required' } },
      ];
    const existing = b.globalId
      ? issue.remoteLinks.find((l) => l.globalId === b.globalId)
      : undefined;
    if (existing) {
      Object.assign(existing, { url: b.object.url, title: b.object.title });
      return [
        200,
        {
          id: existing.id,
          self: `${this.url}/rest/api/3/issue/${issue.key}/remotelink/${existing.id}`,
        },
      ];
    }
    const id = this.nextId++;
    issue.remoteLinks.push({ id, globalId: b.globalId, url: b.object.url, title: b.object.title });
    return [201, { id, self: `${this.url}/rest/api/3/issue/${issue.key}/remotelink/${id}` }];
  }
}

/** Jira's 400 for a body its published schema refuses. */
function schemaRefusal(problems: SchemaProblem[]): FakeAnswer {
  const errors = Object.fromEntries(problems.map((x) => [x.field || 'request', x.message]));
  return [400, { errorMessages: [INVALID_PAYLOAD], errors }];
}
const INVALID_PAYLOAD =
  'Invalid request payload. Refer to the REST API documentation and try again.';

function jiraError(message: string) {
  return { errorMessages: [message], errors: {} };
}

function expands(url: URL, what: string): boolean {
  return (url.searchParams.get('expand') ?? '').split(',').includes(what);
}
