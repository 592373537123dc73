import { connect } from 'node:net';
import { startTestApp, TestApp } from '../support/test-app.js';

/** Sends raw bytes on a fresh connection and returns everything the server wrote back. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(bytes, 'latin1');
  });
}

function parse(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  return {
    statusLine: head.split('\r\n')[0],
    head,
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

/** Requests Node's parser refuses before routing are answered as problem+json too. */
describe('HTTP parser errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['a NUL in a header value', 'X-Tenant: a\x00b\r\n'],
    ['a bare CR in a header value', 'X-Tenant: a\rb\r\n'],
    ['a space in a header name', 'X Tenant: a\r\n'],
  ])('answers %s with 400 problem+json and closes', async (_label, header) => {
    const answer = parse(await raw(t.url, `GET /health HTTP/1.1\r\nHost: x\r\n${header}\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    expect(answer.head).toMatch(/\r\nConnection: close/);
    expect(answer.body).toMatchObject({
      status: 400,
      type: expect.stringContaining('/malformed-request'),
    });
    expect(answer.body.detail).toEqual(expect.any(String));
  });

  it('answers headers over the size limit with 431', async () => {
    const answer = parse(
      await raw(t.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.body).toMatchObject({ status: 431 });
  });

  it('still serves a well-formed request on the same server', async () => {
    const answer = await raw(t.url, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});
