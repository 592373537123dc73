import {
  createReceiver,
  hubBacklog,
  Hub,
  Receiver,
  startHub,
  waitForIdle,
} from '../../src/testing/index.js';

/**
 * The testing kit as a team's suite uses it (through its public entry point): a real hub with
 * test defaults, a verifying receiver that can be told to fail, and waitForIdle.
 */
describe('testing kit', () => {
  let hub: Hub;
  let receiver: Receiver;

  beforeAll(async () => {
    hub = await startHub();
    receiver = await createReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await hub?.stop();
  });

  async function endpointFor(r: Receiver, eventTypes: string[]): Promise<string> {
    const res = await fetch(`${hub.url}/webhooks/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: r.url, eventTypes, secret: r.secret }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it('delivers a published event to the receiver, signed so the reference library verifies it', async () => {
    await endpointFor(receiver, ['kit.signed']);
    const [id] = await hub.publish({ type: 'kit.signed', source: 'kit', data: { n: 1 } });
    const [got] = await receiver.waitFor(
      (r) => (r.json as { type?: string })?.type === 'kit.signed',
    );
    expect(got.verified).toBe(true);
    expect(got.answeredStatus).toBe(200);
    expect(got.json).toMatchObject({ type: 'kit.signed', data: { n: 1 } });
    expect(id).toMatch(/^\d+$/);
  });

  it('refuses a request whose signature does not verify', async () => {
    const other = await createReceiver(); // a different secret than the endpoint signs with
    try {
      const res = await fetch(other.url, {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAA',
        },
        body: '{}',
      });
      expect(res.status).toBe(401);
      expect(other.requests[0].verified).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('fails the next requests on demand; the hub retries and the event arrives', async () => {
    const flaky = await createReceiver();
    try {
      await endpointFor(flaky, ['kit.flaky']);
      flaky.failNext(2, 503);
      await hub.publish({ type: 'kit.flaky', source: 'kit' });
      const all = await flaky.waitFor(() => true, { count: 3 });
      expect(all.map((r) => r.answeredStatus)).toEqual([503, 503, 200]);
      expect(new Set(all.map((r) => r.headers['webhook-id'])).size).toBe(1);
    } finally {
      await flaky.close();
    }
  });

  it('answers 429 with Retry-After, and 410 which disables the endpoint', async () => {
    const gone = await createReceiver();
    try {
      const endpointId = await endpointFor(gone, ['kit.gone']);
      gone.throttleNext(1, 1);
      gone.goneNext(1);
      await hub.publish({ type: 'kit.gone', source: 'kit' });
      const [throttled, refused] = await gone.waitFor(() => true, { count: 2 });
      expect(throttled.answeredStatus).toBe(429);
      expect(refused.answeredStatus).toBe(410);
      // The hub honoured Retry-After: 1 s before the second attempt.
      expect(refused.at.getTime() - throttled.at.getTime()).toBeGreaterThanOrEqual(900);
      await waitForIdle(hub);
      const endpoint = await fetch(`${hub.url}/webhooks/endpoints/${endpointId}`, {
        headers: { authorization: `Bearer ${hub.adminToken}` },
      });
      expect(((await endpoint.json()) as { enabled: boolean }).enabled).toBe(false);
    } finally {
      await gone.close();
    }
  });

  it('waitForIdle resolves only once the work is done, and names what is busy when it is not', async () => {
    const slow = await createReceiver();
    try {
      await endpointFor(slow, ['kit.slow']);
      slow.hangNext(1); // the first attempt hangs until the hub's 2 s timeout, then a retry succeeds
      await hub.publish({ type: 'kit.slow', source: 'kit' });
      await slow.waitFor();
      await expect(waitForIdle(hub, { timeoutMs: 200 })).rejects.toThrow(
        /not idle after 200 ms: .*"deliveriesDue":1/,
      );
      await waitForIdle(hub);
      expect(slow.requests.map((r) => r.answeredStatus)).toEqual([0, 200]);
      expect(await hubBacklog(hub.databaseUrl)).toEqual({
        consumersBehind: 0,
        deliveriesDue: 0,
        jobsDue: 0,
      });
    } finally {
      await slow.close();
    }
  });

  it('mints user tokens the sync API accepts', async () => {
    const token = await hub.userToken('kit-user');
    const res = await fetch(`${hub.url}/sync/kit-app/pull?collection=cards`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('testing kit without a globalSetup', () => {
  it('starts an embedded PostgreSQL for the process and stops it with the last hub', async () => {
    const saved = {
      admin: process.env.IH_TEST_ADMIN_URL,
      template: process.env.IH_TEST_TEMPLATE_DB,
    };
    delete process.env.IH_TEST_ADMIN_URL;
    delete process.env.IH_TEST_TEMPLATE_DB;
    let hub: Hub | undefined;
    try {
      hub = await startHub();
      const port = Number(new URL(hub.databaseUrl).port);
      expect(port).not.toBe(Number(new URL(saved.admin ?? 'postgres://x:1/').port));
      const [id] = await hub.publish({ type: 'kit.lazy', source: 'kit' });
      expect(id).toMatch(/^\d+$/);
      await hub.stop();
      hub = undefined;
      // Stopped with its last hub: nothing listens on its port any more.
      const refused = await fetch(`http://127.0.0.1:${port}/`).then(
        () => false,
        () => true,
      );
      expect(refused).toBe(true);
    } finally {
      await hub?.stop();
      process.env.IH_TEST_ADMIN_URL = saved.admin;
      process.env.IH_TEST_TEMPLATE_DB = saved.template;
    }
  });
});
