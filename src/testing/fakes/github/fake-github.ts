import type { IncomingMessage } from 'node:http';
import { FakeAnswer, FakeServer, INVALID_JSON } from '../fake-server.js';
import type { FakeFault, FakeRequest } from '../fake-server.js';
import { RequestSchemas } from '../request-schemas.js';
import type { SchemaProblem } from '../request-schemas.js';

/**
 * A GitHub REST API stand-in on 127.0.0.1 for the issue endpoints the hub calls: bearer
 * tokens (401 `Bad credentials` otherwise), one repository, issues with labels and
 * open/closed state reasons, comments, label search; GitHub's error shapes (`{ message,
 * errors }`, 422 `Validation Failed`) and scripted faults like the fake Jira's. Every
 * request body is first validated against GitHub's published OpenAPI description
 * (github-request-schemas.json, extracted by scripts/extract-fake-schemas.mjs).
 * Self-contained: node:http and ajv only.
 */
export interface FakeGitHubIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  stateReason: string | null;
  comments: { id: number; body: string }[];
}
export type FakeGitHubRequest = FakeRequest;
export type FakeGitHubFault = FakeFault;

const REASONS = ['completed', 'not_planned', 'reopened', null];

export class FakeGitHub extends FakeServer {
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  readonly issues = new Map<number, FakeGitHubIssue>();
  /** How long a new issue stays out of the issues list (a lagging replica or index). */
  listLagMs = 0;
  private readonly createdAt = new Map<number, number>();
  private nextId = 1000;

  private constructor(
    o: { token?: string; owner?: string; repo?: string; latencyMs?: number },
    private readonly schemas: RequestSchemas,
  ) {
    super();
    this.token = o.token ?? 'github_pat_fake_0123456789';
    this.owner = o.owner ?? 'acme';
    this.repo = o.repo ?? 'board';
    this.latencyMs = o.latencyMs ?? 0;
  }

  static async start(
    options: { token?: string; owner?: string; repo?: string; latencyMs?: number } = {},
  ): Promise<FakeGitHub> {
    const schemas = new URL('./github-request-schemas.json', import.meta.url);
    const fake = new FakeGitHub(options, await RequestSchemas.load(schemas));
    await fake.listen();
    return fake;
  }

  issueList(): FakeGitHubIssue[] {
    return [...this.issues.values()];
  }

  protected faultBody(status: number): unknown {
    return { message: `HTTP ${status}` };
  }

  protected route(
    method: string,
    url: URL,
    body: unknown,
    headers: IncomingMessage['headers'],
  ): FakeAnswer {
    const auth = headers.authorization;
    if (auth !== `Bearer ${this.token}` && auth !== `token ${this.token}`)
      return [401, { message: 'Bad credentials' }];
    if (body === INVALID_JSON) return [400, { message: 'Problems parsing JSON' }];
    const p = url.pathname;
    const problems = this.schemas.problems(method, p, body);
    if (problems.length) return schemaRefusal(p, problems);
    if (method === 'GET' && p === '/user') return [200, { login: 'hub-bot', id: 1 }];
    const base = `/repos/${this.owner}/${this.repo}`;
    if (!p.startsWith(`${base}`)) return [404, { message: 'Not Found' }];
    const rest = p.slice(base.length);
    let m: RegExpMatchArray | null;
    if (method === 'GET' && rest === '')
      return [200, { full_name: `${this.owner}/${this.repo}`, has_issues: true }];
    if (method === 'GET' && rest === '/issues') {
      const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
      const state = url.searchParams.get('state') ?? 'open';
      const hits = this.issueList().filter(
        (i) =>
          wanted.every((l) => i.labels.includes(l)) &&
          (state === 'all' || i.state === state) &&
          Date.now() - (this.createdAt.get(i.number) ?? 0) >= this.listLagMs,
      );
      return [200, hits.map((i) => this.view(i))];
    }
    if (method === 'POST' && rest === '/issues') {
      const errors = issueErrors(body, true);
      if (errors.length) return [422, { message: 'Validation Failed', errors }];
      const b = body as { title: string; body?: string; labels?: string[] };
      const issue: FakeGitHubIssue = {
        number: this.issues.size + 1,
        title: b.title,
        body: b.body ?? '',
        labels: b.labels ?? [],
        state: 'open',
        stateReason: null,
        comments: [],
      };
      this.issues.set(issue.number, issue);
      this.createdAt.set(issue.number, Date.now());
      return [201, this.view(issue)];
    }
    if ((m = rest.match(/^\/issues\/(\d+)(\/comments)?$/))) {
      const issue = this.issues.get(Number(m[1]));
      if (!issue) return [404, { message: 'Not Found' }];
      if (!m[2] && method === 'PATCH') {
        const errors = issueErrors(body, false);
        if (errors.length) return [422, { message: 'Validation Failed', errors }];
        const b = body as Partial<{
          title: string;
          body: string;
          labels: string[];
          state: 'open' | 'closed';
          state_reason: string | null;
        }>;
        if (b.title !== undefined) issue.title = b.title;
        if (b.body !== undefined) issue.body = b.body;
        if (b.labels !== undefined) issue.labels = b.labels;
        if (b.state !== undefined) {
          issue.state = b.state;
          issue.stateReason =
            b.state === 'closed'
              ? (b.state_reason ?? 'completed')
              : b.state_reason === 'reopened'
                ? 'reopened'
                : null;
        }
        return [200, this.view(issue)];
      }
      if (m[2] && method === 'GET') return [200, issue.comments.map((c) => ({ ...c }))];
      if (m[2] && method === 'POST') {
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== 'string' || !text.trim())
          return [
            422,
            {
              message: 'Validation Failed',
              errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }],
            },
          ];
        const comment = { id: this.nextId++, body: text };
        issue.comments.push(comment);
        return [201, comment];
      }
    }
    return [404, { message: 'Not Found' }];
  }

  private view(i: FakeGitHubIssue) {
    return {
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.stateReason,
      labels: i.labels.map((name) => ({ name })),
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${i.number}`,
    };
  }
}

/** GitHub's 422 for a body its published schema refuses. */
function schemaRefusal(path: string, problems: SchemaProblem[]): FakeAnswer {
  const resource = path.endsWith('/comments') ? 'IssueComment' : 'Issue';
  const errors = problems.map((x) => ({
    resource,
    field: x.field,
    code: x.keyword === 'required' ? 'missing_field' : 'invalid',
    message: x.message,
  }));
  return [422, { message: 'Validation Failed', errors }];
}

/** GitHub's checks on the issue fields the hub sends. */
function issueErrors(
  body: unknown,
  creating: boolean,
): { resource: string; field: string; code: string }[] {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: { resource: string; field: string; code: string }[] = [];
  const err = (field: string, code: string) => errors.push({ resource: 'Issue', field, code });
  if (creating || b.title !== undefined)
    if (typeof b.title !== 'string' || !b.title.trim() || b.title.length > 256)
      err('title', creating && b.title === undefined ? 'missing_field' : 'invalid');
  if (b.body !== undefined && (typeof b.body !== 'string' || b.body.length > 65536))
    err('body', 'invalid');
  if (
    b.labels !== undefined &&
    (!Array.isArray(b.labels) ||
      b.labels.some((l) => typeof l !== 'string' || !l || l.length > 50 || l.includes(',')))
  )
    err('labels', 'invalid');
  if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed') err('state', 'invalid');
  if (b.state_reason !== undefined && !REASONS.includes(b.state_reason as string | null))
    err('state_reason', 'invalid');
  return errors;
}
