import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Parsed when the answer is JSON or problem+json. */
  body: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is: lets a test choose the bytes, the content type, or none. */
  body?: Buffer | string;
  timeoutMs?: number;
}

/**
 * One request to the test app with exactly the bytes, path and headers given (supertest
 * sets a content type of its own and encodes paths). An event stream that opens is closed at
 * once and reported as it came: a hostile request must be refused before a stream starts.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const base = new URL(baseUrl);
  if (base.hostname !== '127.0.0.1') throw new Error('tests talk to 127.0.0.1 only');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: base.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        timeout: req.timeoutMs ?? 10000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> | undefined;
          if (/json/.test(res.headers['content-type'] ?? '')) {
            try {
              body = JSON.parse(text) as Record<string, unknown>;
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        };
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.destroy();
          return done();
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', done);
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`${req.method} ${req.path} timed out`)),
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
