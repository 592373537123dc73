import request from 'supertest';
import { spawnApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';

const ENV = {
  ADMIN_TOKEN: 'oplogs-admin-token-0123456789abcdef',
  JWT_SECRET: 'oplogs-jwt-secret-0123456789abcdef0123',
  SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
};

interface LogLine {
  level: string;
  msg?: string;
  context?: string;
  req?: { url: string };
}

/** The app's JSON log lines (the start-up banner is plain text and skipped). */
function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

describe('Operations logs', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createSuiteDatabase();
  });

  it('logs no module or route mapping and no health probe at info, and a final "stopped" after SIGTERM', async () => {
    const app = spawnApp({ ...ENV, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
    const url = await app.ready;
    await request(url).get('/health').expect(200);
    await request(url).get('/health/ready').expect(200);
    await request(url).get('/events').set('Authorization', `Bearer ${ENV.ADMIN_TOKEN}`).expect(200);
    app.process.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    const out = app.stdout();
    expect(out).not.toContain('Mapped {');
    expect(out).not.toContain('dependencies initialized');
    const lines = logLines(out);
    const accessUrls = lines.filter((l) => l.req).map((l) => l.req!.url);
    // The access log itself is on at info: the /events request is there, the probes are not.
    expect(accessUrls).toContain('/events');
    expect(accessUrls.filter((u) => u.startsWith('/health'))).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' });
  });

  it('keeps module and route mapping and health probes at debug', async () => {
    const app = spawnApp({ ...ENV, DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug' });
    const url = await app.ready;
    await request(url).get('/health').expect(200);
    app.process.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    const lines = logLines(app.stdout());
    const mapped = lines.filter((l) => l.msg?.startsWith('Mapped {'));
    expect(mapped.length).toBeGreaterThan(10);
    expect(new Set(mapped.map((l) => l.level))).toEqual(new Set(['debug']));
    const modules = lines.filter((l) => l.msg?.endsWith(' dependencies initialized'));
    expect(modules.length).toBeGreaterThan(10);
    expect(new Set(modules.map((l) => l.level))).toEqual(new Set(['debug']));
    expect(lines.filter((l) => l.req?.url === '/health').map((l) => l.level)).toEqual(['debug']);
  });
});
