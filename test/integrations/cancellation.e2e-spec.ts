import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startTestApp, type TestApp, waitFor } from '../support/test-app.js';
import { cardData, createIntegration, FAST_INTEGRATIONS, publishCards } from './helpers.js';

/**
 * A Jira that starts every answer and never finishes it. The card sync's job timeout
 * (JOBS_TIMEOUT_MS, far below INTEGRATION_TIMEOUT_MS here) must reach the socket, and the
 * timed-out attempt is retried on INTEGRATION_RETRY_SCHEDULE, not at once.
 */
describe('Card sync against a peer that hangs mid-body', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  const arrivals: number[] = [];
  const open = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(Date.now());
      req.resume();
      open.add(req.socket);
      req.socket.once('close', () => open.delete(req.socket));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({
      env: {
        ...FAST_INTEGRATIONS,
        JOBS_TIMEOUT_MS: '1000',
        INTEGRATION_TIMEOUT_MS: '60000',
        INTEGRATION_RETRY_SCHEDULE: '2s,2s',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('closes the socket at the job timeout and waits the schedule before the retry', async () => {
    await createIntegration(t, {
      config: {
        baseUrl: url,
        email: 'a@example.test',
        apiToken: 'tok-hang-0123456789',
        projectKey: 'HUB',
        statusMap: { todo: 'To Do' },
      },
    });
    await publishCards(t, [{ type: 'card.created', card: 'hang-1', data: cardData('Hang') }]);
    await waitFor(() => arrivals.length >= 1, 15000, 'the first call');
    await waitFor(() => open.size === 0, 5000, 'the hung call to be closed');
    await waitFor(() => arrivals.length >= 2, 15000, 'the retry');
    // One job timeout (1 s) plus the schedule's first step (2 s, less its 10% jitter).
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(2700);
  });
});
