import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/**
 * docs/operations.md: the embedded PostgreSQL keeps its port across restarts, so a
 * DATABASE_URL printed by `npm run db` or given to a second instance stays valid.
 */
describe('Embedded PostgreSQL port', () => {
  let dataDir: string;
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-port-'));
    fs.chmodSync(dir, 0o755);
    dataDir = path.join(dir, 'postgres');
  });
  afterAll(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  const start = () => startEmbeddedPostgres({ dataDir, password: 'test', database: 'hub' });

  it('reuses the last port after a stop, and takes another one when that port is busy', async () => {
    const first = await start();
    await first.stop();

    const second = await start();
    expect(second.port).toBe(first.port);
    await second.stop();

    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));
    try {
      const third = await start();
      expect(third.port).not.toBe(first.port);
      await third.stop();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 120_000);
});
