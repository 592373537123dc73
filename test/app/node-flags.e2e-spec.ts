import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { APP_NODE_FLAGS, spawnApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';

const ENV = {
  ADMIN_TOKEN: 'node-flags-admin-token-0123456789abcdef',
  JWT_SECRET: 'node-flags-jwt-secret-0123456789abcdef0123',
  SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The app's node flags are written in three places: `npm start`, the Dockerfile's CMD and
 * the child-app helper the tests and benches start the app with. They must not drift, or the
 * benches measure a process nobody runs.
 */
describe('the node flags the app runs with', () => {
  it('are the same in npm start, the Dockerfile and the child-app helper', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe(`node ${APP_NODE_FLAGS.join(' ')} dist/src/main.js`);
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(JSON.parse(cmd![1])).toEqual(['node', ...APP_NODE_FLAGS, 'dist/src/main.js']);
  });

  it('reach V8: a running app keeps its young generation within 2 x 16 MiB', async () => {
    const app = spawnApp({ ...ENV, DATABASE_URL: await createSuiteDatabase() });
    try {
      const url = await app.ready;
      // Start-up alone grows a default young generation to 128 MiB here; a few requests on top.
      await Promise.all(
        Array.from({ length: 25 }, () =>
          request(url).get('/docs-json').set('Authorization', `Bearer ${ENV.ADMIN_TOKEN}`),
        ),
      );
      const metrics = await request(url)
        .get('/metrics')
        .set('Authorization', `Bearer ${ENV.ADMIN_TOKEN}`)
        .expect(200);
      const line = (metrics.text as string)
        .split('\n')
        .find((l) => l.startsWith('nodejs_heap_space_size_total_bytes{space="new"}'));
      expect(Number(line!.split(' ').pop())).toBeLessThanOrEqual(32 * 2 ** 20);
    } finally {
      app.process.kill('SIGTERM');
      await app.exited;
    }
  }, 120_000);
});
