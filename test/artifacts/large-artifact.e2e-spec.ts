import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import request from 'supertest';
import { ChildApp, spawnApp } from '../support/child-app.js';
import { Receiver } from '../support/receiver.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor } from '../support/test-app.js';

const ADMIN_TOKEN = 'artifacts-admin-token-0123456789';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const MIB = 1024 * 1024;
const COLLECT_OFTEN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../support/collect-often.mjs',
);
const SIZE = 100 * MIB;
/** Peak RSS growth allowed over the upload and the download: well under the 100 MiB moved. */
const RSS_BOUND_MIB = 64;

/** 100 MiB of random bytes, generated piece by piece and hashed on the way, never held. */
function randomStream(size: number, hash: ReturnType<typeof createHash>): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const piece = randomBytes(Math.min(256 * 1024, left));
      left -= piece.length;
      hash.update(piece);
      this.push(piece);
    },
  });
}

/**
 * The app runs as a child process (the built dist/src/main.js, as `npm start` runs it), so its
 * RSS is its own, read from /proc: the peak (VmHWM, reset through clear_refs before the
 * transfer) less the resident size before it. The child collects garbage every 50 ms
 * (test/support/collect-often.mjs): without it V8 lets some 64 MiB of dead chunk Buffers wait
 * for a collection, and the peak would measure V8's patience rather than what the app holds.
 * An app that held the artifact whole would still grow by at least its 100 MiB.
 */
describe('A 100 MiB artifact streams in and out with the app RSS flat', () => {
  let app: ChildApp;
  let url: string;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    app = spawnApp(
      {
        DATABASE_URL: await createSuiteDatabase(),
        ADMIN_TOKEN,
        JWT_SECRET: 'artifacts-jwt-secret-0123456789abcdef',
        SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        OUTBOUND_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '100',
        EVENT_CONSUMER_POLL_MS: '200',
      },
      undefined,
      ['--expose-gc', '--import', COLLECT_OFTEN],
    );
    url = await app.ready;
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    if (app && app.process.exitCode === null && app.process.signalCode === null) {
      app.process.kill('SIGTERM');
      await app.exited;
    }
  });

  const rssKb = (field: 'VmHWM' | 'VmRSS') =>
    Number(
      new RegExp(`${field}:\\s+(\\d+)`).exec(
        readFileSync(`/proc/${app.process.pid}/status`, 'utf8'),
      )![1],
    );

  it('uploads, delivers a link, and serves the exact bytes, with RSS growth under 64 MiB', async () => {
    await request(url)
      .post('/webhooks/endpoints')
      .set(auth)
      .send({ url: receiver.url, eventTypes: ['dump.*'] })
      .expect(201);
    const before = rssKb('VmRSS');
    writeFileSync(`/proc/${app.process.pid}/clear_refs`, '5');

    const sent = createHash('sha256');
    const uploaded = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        new URL('/artifacts?name=heap.dump', url),
        {
          method: 'POST',
          headers: {
            ...auth,
            'content-type': 'application/octet-stream',
            'content-length': String(SIZE),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      randomStream(SIZE, sent).pipe(req);
    });
    expect(uploaded.status).toBe(201);
    const artifact = JSON.parse(uploaded.body);
    const expected = sent.digest('hex');
    expect(artifact).toMatchObject({ size: SIZE, sha256: expected });

    await request(url)
      .post('/events')
      .set(auth)
      .send({
        type: 'dump.taken',
        source: 'ops',
        data: { artifacts: [{ artifactId: artifact.id }] },
      })
      .expect(202);
    const delivery = await waitFor(() => receiver.requests[0], 30_000, 'the delivery');
    const [linked] = JSON.parse(delivery.body).data.artifacts;
    expect(linked).toMatchObject({ name: 'heap.dump', size: SIZE, sha256: expected });

    // The receiver's side: fetch without credentials, hash as the bytes stream in.
    const res = await fetch(linked.url);
    expect(res.status).toBe(200);
    const got = createHash('sha256');
    let size = 0;
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(piece);
      size += piece.length;
    }
    expect({ size, sha256: got.digest('hex') }).toEqual({ size: SIZE, sha256: linked.sha256 });

    const growthMib = (rssKb('VmHWM') - before) / 1024;
    expect(growthMib).toBeLessThan(RSS_BOUND_MIB);
  }, 600_000);
});
