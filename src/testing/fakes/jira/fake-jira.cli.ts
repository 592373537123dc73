import { FakeJira } from './fake-jira.js';

/**
 * `npm run fake:jira`: the fake Jira of the testing kit as a process, for trying the Jira
 * integration by hand without a Jira. It listens on 127.0.0.1 (FAKE_JIRA_PORT, default a free
 * port), prints its URL first, then the integration config to paste and one line per
 * request, until Ctrl-C. Issues live in memory only.
 */
async function main(): Promise<void> {
  const port = Number(process.env.FAKE_JIRA_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`FAKE_JIRA_PORT must be a port number, not ${process.env.FAKE_JIRA_PORT}`);
  const jira = await FakeJira.start({ port, projectKey: process.env.FAKE_JIRA_PROJECT || 'HUB' });
  console.log(`Fake Jira listening on ${jira.url}`);
  const config = {
    baseUrl: jira.url,
    email: jira.email,
    apiToken: jira.apiToken,
    projectKey: jira.projectKey,
    statusMap: { todo: 'To Do', doing: 'In Progress', done: 'Done' },
  };
  console.log(`Integration config for POST /integrations: ${JSON.stringify(config)}`);
  console.log(
    'The hub refuses loopback URLs unless it was started with OUTBOUND_ALLOW_HOSTS=127.0.0.1 ' +
      '(or OUTBOUND_ALLOW_PRIVATE=true). Press Ctrl-C to stop.',
  );
  jira.onRequest = (r) => {
    const issue = r.method === 'POST' && /\/issue$/.test(r.path) && r.status === 201;
    const key = issue ? ` ${jira.issueList().at(-1)?.key}` : '';
    console.log(`${new Date(r.at).toISOString()} ${r.method} ${r.path} -> ${r.status}${key}`);
  };
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`${signal}: stopping the fake Jira`);
  await jira.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
