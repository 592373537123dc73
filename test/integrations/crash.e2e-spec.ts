import { Client } from 'pg';
import request from 'supertest';
import { ChildApp, spawnApp } from '../support/child-app.js';
import { FakeJira } from '../../src/testing/index.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor } from '../support/test-app.js';
import { jiraConfig } from './helpers.js';

/**
 * SIGKILL while card syncs are in flight (Jira answers slowly, so creates and comments are
 * mid-request), then a restart: every card ends with exactly one issue and one comment.
 */
describe('Integrations survive a killed process', () => {
  const ADMIN = 'crash-admin-token-0123456789abcdef';
  let db: Client;
  let jira: FakeJira;
  let child: ChildApp | undefined;
  let databaseUrl: string;

  const env = () => ({
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: ADMIN,
    JWT_SECRET: 'crash-jwt-secret-0123456789abcdef0123',
    SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    INTEGRATION_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms',
    INTEGRATION_TIMEOUT_MS: '2000',
    JOBS_POLL_MS: '100',
    JOBS_TIMEOUT_MS: '3000',
    JOBS_LEASE_MARGIN_MS: '500',
    EVENT_CONSUMER_POLL_MS: '100',
    LOG_LEVEL: 'error',
  });

  beforeAll(async () => {
    [databaseUrl, jira] = await Promise.all([
      createSuiteDatabase(),
      FakeJira.start({ latencyMs: 150 }),
    ]);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    await db.end();
    await jira.close();
  });

  it('completes every card once after SIGKILL and a restart', async () => {
    child = spawnApp(env());
    const url = await child.ready;
    const auth = { Authorization: `Bearer ${ADMIN}` };
    const integration = (
      await request(url)
        .post('/integrations')
        .set(auth)
        .send({ kind: 'jira', name: 'j', config: jiraConfig(jira) })
        .expect(201)
    ).body;
    const cards = Array.from({ length: 20 }, (_, i) => `crash-${i}`);
    await request(url)
      .post('/events')
      .set(auth)
      .send(
        cards.flatMap((card) => [
          {
            type: 'card.created',
            source: 'kanban',
            subject: card,
            data: { title: card, column: 'todo', tags: [], createdAt: new Date().toISOString() },
          },
          {
            type: 'message.created',
            source: 'kanban',
            subject: card,
            data: { id: `m-${card}`, body: `hello ${card}` },
          },
        ]),
      )
      .expect(202);
    await waitFor(() => jira.issues.size >= 3, 20000, 'some issues created');
    child.process.kill('SIGKILL');
    await child.exited;
    expect(jira.issues.size).toBeLessThan(cards.length);

    child = spawnApp(env());
    await child.ready;
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM integration_messages WHERE integration_id = $1 AND remote_comment_id IS NOT NULL`,
          [integration.id],
        );
        return rows[0].n === cards.length;
      },
      40000,
      'every comment posted',
    );
    for (const card of cards) {
      const issues = jira.issueList().filter((i) => i.summary === card);
      expect({ card, issues: issues.length, comments: issues[0]?.comments.length }).toEqual({
        card,
        issues: 1,
        comments: 1,
      });
    }
  });
});
