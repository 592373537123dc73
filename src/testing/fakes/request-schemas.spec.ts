import { FakeGitHub } from './github/fake-github.js';
import { FakeJira } from './jira/fake-jira.js';

// The fakes refuse bodies the services' published OpenAPI schemas refuse, with the services'
// own error shapes, and still accept the bodies the hub sends. Requests go to 127.0.0.1 only.
describe('fakes validate request bodies against the published schemas', () => {
  let jira: FakeJira;
  let github: FakeGitHub;
  beforeAll(async () => {
    [jira, github] = await Promise.all([FakeJira.start(), FakeGitHub.start()]);
  });
  afterAll(() => Promise.all([jira.close(), github.close()]));

  const jiraAuth = () =>
    `Basic ${Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64')}`;
  async function send(url: string, method: string, auth: string, body: unknown) {
    const res = await fetch(url, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
  const toJira = (method: string, path: string, body: unknown) =>
    send(`${jira.url}${path}`, method, jiraAuth(), body);
  const toGitHub = (method: string, path: string, body: unknown) =>
    send(`${github.url}/repos/acme/board${path}`, method, `Bearer ${github.token}`, body);

  const adf = (text: string) => ({
    type: 'doc',
    version: 1,
    content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
  });
  const newIssue = { project: { key: 'HUB' }, issuetype: { name: 'Task' }, summary: 'A card' };

  it('Jira: a body of the wrong type is refused with 400 { errorMessages, errors }', async () => {
    // Other tests of this file make issues on the same fake: count, don't expect none.
    const before = jira.issueList().length;
    const res = await toJira('POST', '/rest/api/3/issue', { fields: 'summary=A card' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errorMessages: [expect.stringContaining('Invalid request payload')],
      errors: { fields: 'must be object' },
    });
    expect(jira.issueList()).toHaveLength(before);
  });

  it('Jira: a remote link without its required object is refused, naming the field', async () => {
    const created = await toJira('POST', '/rest/api/3/issue', { fields: newIssue });
    expect(created.status).toBe(201);
    const key = (created.body as { key: string }).key;
    const res = await toJira('POST', `/rest/api/3/issue/${key}/remotelink`, { globalId: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errorMessages: [expect.stringContaining('Invalid request payload')],
      errors: { object: "must have required property 'object'" },
    });
  });

  it('Jira: valid bodies pass the schema and the fake still applies the ADF rules', async () => {
    const created = await toJira('POST', '/rest/api/3/issue', { fields: newIssue });
    const key = (created.body as { key: string }).key;
    const ok = await toJira('POST', `/rest/api/3/issue/${key}/comment`, {
      body: adf('hello'),
      properties: [{ key: 'hub', value: { messageId: 'm1' } }],
    });
    expect(ok.status).toBe(201);
    // `body` has no type in Jira's schema: the ADF rules are what refuse a bad document.
    const bad = await toJira('POST', `/rest/api/3/issue/${key}/comment`, {
      body: { type: 'doc', version: 1, content: [{ type: 'text', text: 'bare' }] },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { comment: string } }).errors.comment).toMatch(/ADF/);
    const props = await toJira('POST', `/rest/api/3/issue/${key}/comment`, {
      body: adf('x'),
      properties: { key: 'hub' },
    });
    expect(props.status).toBe(400);
    expect((props.body as { errors: Record<string, string> }).errors).toEqual({
      properties: 'must be array',
    });
  });

  it('GitHub: an issue without a title is refused with 422 Validation Failed', async () => {
    const before = github.issueList().length;
    const res = await toGitHub('POST', '/issues', { body: 'no title', labels: ['hub'] });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: 'Validation Failed',
      errors: [
        { resource: 'Issue', field: 'title', code: 'missing_field', message: expect.any(String) },
      ],
    });
    expect(github.issueList()).toHaveLength(before);
  });

  it('GitHub: a state outside the enum and a comment of the wrong type are refused', async () => {
    const created = await toGitHub('POST', '/issues', { title: 'A card', labels: ['hub'] });
    expect(created.status).toBe(201);
    const n = (created.body as { number: number }).number;
    const state = await toGitHub('PATCH', `/issues/${n}`, { state: 'archived' });
    expect(state.status).toBe(422);
    expect((state.body as { errors: { field: string; code: string }[] }).errors).toContainEqual(
      expect.objectContaining({ resource: 'Issue', field: 'state', code: 'invalid' }),
    );
    const comment = await toGitHub('POST', `/issues/${n}/comments`, { body: 42 });
    expect(comment.status).toBe(422);
    expect((comment.body as { errors: { resource: string; field: string }[] }).errors).toEqual([
      expect.objectContaining({ resource: 'IssueComment', field: 'body', code: 'invalid' }),
    ]);
    const closed = await toGitHub('PATCH', `/issues/${n}`, {
      state: 'closed',
      state_reason: 'not_planned',
    });
    expect(closed.status).toBe(200);
    expect(github.issues.get(n)?.state).toBe('closed');
  });
});
