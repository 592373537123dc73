import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { spawnApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';

const VALID = {
  ADMIN_TOKEN: 'startup-admin-token-0123456789abcdef',
  JWT_SECRET: 'startup-jwt-secret-0123456789abcdef0123',
  SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('Start-up', () => {
  describe('embedded PostgreSQL (no DATABASE_URL)', () => {
    let dataDir: string;
    beforeAll(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-start-'));
    });
    afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    it('starts from an empty DATA_DIR, prints the admin token and URLs, and keeps data across restarts', async () => {
      const first = spawnApp({ DATA_DIR: dataDir });
      const url = await first.ready;
      const token = /Admin token \(generated[^)]*\): (\S+)/.exec(first.stdout())?.[1];
      expect(token).toBeDefined();
      expect(first.stdout()).toContain(`(Swagger UI: ${url}/docs)`);
      const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
      expect(secrets.adminToken).toBe(token);
      expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o077).toBe(0);

      await request(url).get('/health/ready').expect(200);
      const published = await request(url)
        .post('/events')
        .set('Authorization', `Bearer ${token}`)
        .send({ type: 'startup.check', source: 'test' })
        .expect(202);
      const minted = await request(url)
        .post('/admin/user-tokens')
        .set('Authorization', `Bearer ${token}`)
        .send({ userId: 'u1' })
        .expect(201);
      await request(url)
        .get('/auth/whoami')
        .set('Authorization', `Bearer ${minted.body.token}`)
        .expect(200);

      first.process.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

      const second = spawnApp({ DATA_DIR: dataDir });
      const url2 = await second.ready;
      expect(second.stdout()).not.toContain(token);
      const list = await request(url2)
        .get('/events')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(list.body.data.map((e: { id: string }) => e.id)).toContain(published.body.ids[0]);
      second.process.kill('SIGINT');
      expect(await second.exited).toBe(0);
    });
  });

  describe('DATABASE_URL', () => {
    it('uses the given PostgreSQL and creates no embedded data', async () => {
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-url-'));
      try {
        const app = spawnApp({ ...VALID, DATABASE_URL: await createSuiteDatabase() }, cwd);
        const url = await app.ready;
        await request(url).get('/health/ready').expect(200);
        await request(url)
          .get('/events')
          .set('Authorization', `Bearer ${VALID.ADMIN_TOKEN}`)
          .expect(200);
        expect(fs.existsSync(path.join(cwd, '.data'))).toBe(false);
        app.process.kill('SIGTERM');
        expect(await app.exited).toBe(0);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    });
  });

  describe('configuration errors stop the process with a message naming the variable', () => {
    const run = async (env: Record<string, string>) => {
      const app = spawnApp(env);
      const code = await app.exited;
      return { code, stderr: app.stderr() };
    };

    it('reports every malformed variable at once', async () => {
      const { code, stderr } = await run({
        ...VALID,
        DATABASE_URL: 'mysql://nope',
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        OUTBOUND_ALLOW_PRIVATE: 'maybe',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
      expect(stderr).toMatch(/PORT: must be an integer between 0 and 65535.*\(got "abc"\)/);
      expect(stderr).toContain('LOG_LEVEL: must be one of');
      expect(stderr).toContain('OUTBOUND_ALLOW_PRIVATE: must be true or false');
    });

    it('requires ADMIN_TOKEN, a JWT key and SECRET_KEY when DATABASE_URL is set, named in one error with any malformed variable', async () => {
      const { code, stderr } = await run({
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        LOG_LEVEL: 'loud',
      });
      expect(code).toBe(1);
      // One message, one line per problem, so an operator fixes them all in one go.
      expect(stderr.match(/Invalid configuration:/g)).toHaveLength(1);
      const problems = stderr
        .slice(stderr.indexOf('Invalid configuration:'))
        .split('\n')
        .filter((line) => line.startsWith('  - '));
      expect(problems).toEqual(
        expect.arrayContaining([
          '  - ADMIN_TOKEN: is required when DATABASE_URL is set (got unset)',
          '  - JWT_SECRET or JWT_JWKS_URL: one is required when DATABASE_URL is set (got neither)',
          '  - SECRET_KEY: is required when DATABASE_URL is set (got unset)',
          expect.stringMatching(/^ {2}- LOG_LEVEL: must be one of/),
        ]),
      );
      expect(problems).toHaveLength(4);
    });

    it('checks the database timeouts, and that the query timeout exceeds the statement timeout', async () => {
      const bad = await run({
        ...VALID,
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        DB_CONNECT_TIMEOUT_MS: 'soon',
        DB_HEALTH_TIMEOUT_MS: '0',
      });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/DB_CONNECT_TIMEOUT_MS: .*\(got "soon"\)/);
      expect(bad.stderr).toMatch(/DB_HEALTH_TIMEOUT_MS: .*\(got "0"\)/);

      const inverted = await run({
        ...VALID,
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        DB_STATEMENT_TIMEOUT_MS: '60000',
        DB_QUERY_TIMEOUT_MS: '10000',
      });
      expect(inverted.code).toBe(1);
      expect(inverted.stderr).toContain(
        'DB_QUERY_TIMEOUT_MS: must be greater than DB_STATEMENT_TIMEOUT_MS (60000) (got 10000)',
      );
    });

    it('names a bad secret without printing it', async () => {
      const { code, stderr } = await run({
        ...VALID,
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        JWT_SECRET: 'short-hunter2',
        SECRET_KEY: 'not-base64',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('JWT_SECRET: must be at least 32 characters (got a hidden value)');
      expect(stderr).toContain('SECRET_KEY: must be 32 bytes encoded as base64');
      expect(stderr).not.toContain('hunter2');
      expect(stderr).not.toContain('not-base64');
    });
  });
});
