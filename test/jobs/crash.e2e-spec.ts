import { Client } from 'pg';
import { ChildApp, spawnApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor } from '../support/test-app.js';

/**
 * A process killed mid-job (SIGKILL: no shutdown hooks, the lease is left behind) and
 * restarted: the lease expires, the job is reclaimed and runs to completion. The child uses
 * the diagnostic queue `jobs.selftest` (JOBS_SELFTEST=true), which waits `payload.ms`.
 */
describe('Jobs survive a killed process', () => {
  let db: Client;
  let child: ChildApp | undefined;
  let databaseUrl: string;

  const env = () => ({
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: 'crash-admin-token-0123456789abcdef',
    JWT_SECRET: 'crash-jwt-secret-0123456789abcdef0123',
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    JOBS_SELFTEST: 'true',
    JOBS_POLL_MS: '100',
    JOBS_TIMEOUT_MS: '2500',
    JOBS_LEASE_MARGIN_MS: '500',
    // Drain 60% of it (1.5 s): less than the job's timeout, so SIGTERM must release it.
    SHUTDOWN_TIMEOUT_MS: '2500',
    LOG_LEVEL: 'error',
  });

  beforeAll(async () => {
    databaseUrl = await createSuiteDatabase();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    await db.end();
  });

  it('runs the job again after SIGKILL and a restart, and completes it', async () => {
    child = spawnApp(env());
    await child.ready;
    const {
      rows: [{ id }],
    } = await db.query(
      `WITH j AS (INSERT INTO jobs (queue, payload) VALUES ('jobs.selftest', '{"ms": 1500}') RETURNING id)
       SELECT id, pg_notify('hub_jobs', 'jobs.selftest') FROM j`,
    );
    const status = async () =>
      (await db.query(`SELECT status, attempt, lease_owner FROM jobs WHERE id = $1`, [id])).rows[0];
    await waitFor(async () => (await status()).status === 'running', 10000, 'the job to start');
    const firstOwner = (await status()).lease_owner;
    child.process.kill('SIGKILL');
    await child.exited;
    expect(await status()).toMatchObject({ status: 'running', attempt: 1 });

    child = spawnApp(env());
    await child.ready;
    await waitFor(async () => (await status()).status === 'succeeded', 20000, 'the job to succeed');
    const { rows: attempts } = await db.query(
      `SELECT attempt, outcome, instance FROM job_attempts WHERE job_id = $1 ORDER BY id`,
      [id],
    );
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'lease-expired', instance: firstOwner },
      expect.objectContaining({ attempt: 2, outcome: 'succeeded' }),
    ]);
    expect(attempts[1].instance).not.toBe(firstOwner);
  });

  it('gives a running job back on SIGTERM when it cannot finish within the drain time', async () => {
    // Its own app when it runs first (the other test leaves a running one behind).
    if (!child || child.process.exitCode !== null || child.process.signalCode !== null) {
      child = spawnApp(env());
      await child.ready;
    }
    const {
      rows: [{ id }],
    } = await db.query(
      `WITH j AS (INSERT INTO jobs (queue, payload) VALUES ('jobs.selftest', '{"ms": 30000}') RETURNING id)
       SELECT id, pg_notify('hub_jobs', 'jobs.selftest') FROM j`,
    );
    await waitFor(
      async () =>
        (await db.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0].status ===
        'running',
      10000,
      'the job to start',
    );
    child!.process.kill('SIGTERM');
    expect(await child!.exited).toBe(0);
    const { rows } = await db.query(
      `SELECT j.status, j.lease_id, a.outcome FROM jobs j JOIN job_attempts a ON a.job_id = j.id WHERE j.id = $1`,
      [id],
    );
    expect(rows).toEqual([{ status: 'pending', lease_id: null, outcome: 'released' }]);
  });
});
