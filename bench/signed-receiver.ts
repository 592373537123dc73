import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface SignedReceiver {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Requests whose signature did not verify (answered 400). */
  failures: number;
  close(): Promise<void>;
}

/**
 * A loopback webhook receiver that verifies every request with the reference
 * `standardwebhooks` library and hands each verified payload on with its arrival time.
 */
export async function signedReceiver(
  secret: string,
  onVerified: (payload: unknown, receivedAt: number) => void,
): Promise<SignedReceiver> {
  const verifier = new Webhook(secret);
  const r: SignedReceiver = { url: '', failures: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let payload: unknown;
      try {
        payload = verifier.verify(
          Buffer.concat(chunks).toString(),
          req.headers as Record<string, string>,
        );
      } catch {
        r.failures++;
        res.statusCode = 400;
        res.end('bad signature');
        return;
      }
      onVerified(payload, Date.now());
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
