import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { insertChange, push, SYNC_TEST_ENV, userToken } from './helpers.js';
import { openSse } from './sse-client.js';

/** The value of one sample line of the Prometheus text format, or undefined. */
async function metric(t: TestApp, sample: string): Promise<number | undefined> {
  const text = (await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('Sync metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
  });
  afterAll(() => t.close());

  it('counts pushes by outcome, changes by result, and open streams', async () => {
    const alice = await userToken(t, 'alice');
    const changeset = {
      clientId: 'phone',
      changes: [insertChange('m1', { title: 'a' }), insertChange('m2', { title: 'b' })],
    };
    await push(t, alice, 'metrics', changeset);
    await push(t, alice, 'metrics', changeset); // a retry: replayed, nothing recorded
    expect(await metric(t, 'sync_pushes_total{outcome="applied"}')).toBe(1);
    expect(await metric(t, 'sync_pushes_total{outcome="replayed"}')).toBe(1);
    expect(await metric(t, 'sync_changes_total{result="effective"}')).toBe(2);
    expect(await metric(t, 'sync_changes_total{result="duplicate"}')).toBe(2);

    const stream = await openSse(`${t.url}/sync/metrics/stream?collections=cards`, {
      token: alice,
    });
    await waitFor(async () => (await metric(t, 'sync_open_streams')) === 1, 5000, 'one stream');
    stream.close();
    await waitFor(async () => (await metric(t, 'sync_open_streams')) === 0, 5000, 'no stream');
  });
});
