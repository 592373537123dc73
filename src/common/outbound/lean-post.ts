import * as http from 'node:http';
import * as https from 'node:https';
import { OutboundRequestError } from './outbound.exception.js';
import type { OutboundResponse } from './outbound.types.js';

/**
 * The lean POST for webhook deliveries on node:http: one allocation-light path at thousands
 * of requests per second (see docs/performance.md for the measured difference to axios).
 * One deadline covers connect, headers and body; the body is cut at `maxBodyBytes`.
 */
export function leanPost(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  options: { agent: http.Agent; timeoutMs: number; maxBodyBytes: number },
): Promise<OutboundResponse> {
  const started = performance.now();
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    let outgoing: http.ClientRequest | undefined;
    // Every path ends here once: later events (a late error, the timer) find it settled.
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (message: string) =>
      settle(() => {
        outgoing?.destroy();
        reject(new OutboundRequestError(message));
      });
    const done = (response: OutboundResponse) => settle(() => resolve(response));
    // One deadline for connect, headers and body: a receiver that trickles bytes is cut off too.
    const timer = setTimeout(
      () => fail(`timed out after ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    try {
      outgoing = request(url, { method: 'POST', agent: options.agent, headers }, (res) =>
        readResponse(res, outgoing!, options.maxBodyBytes, started, done, fail),
      );
    } catch (err) {
      fail(describeNetworkError(err));
      return;
    }
    outgoing.on('error', (err) => fail(describeNetworkError(err)));
    outgoing.end(body);
  });
}

/** Collects at most `max` bytes of the body; a larger body is cut off, not downloaded. */
function readResponse(
  res: http.IncomingMessage,
  request: http.ClientRequest,
  max: number,
  started: number,
  done: (response: OutboundResponse) => void,
  fail: (message: string) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = () => {
    // A receiver that answered before reading the whole request body leaves the request
    // half written: that socket must not go back to the pool for the next delivery.
    if (!request.writableFinished) request.destroy();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    done({
      status: res.statusCode ?? 0,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      truncated: size > max,
      durationMs: Math.round(performance.now() - started),
    });
  };
  res.on('data', (chunk: Buffer) => {
    if (size < max) chunks.push(chunk.subarray(0, max - size));
    size += chunk.length;
    if (size >= max) {
      finish();
      res.destroy();
    }
  });
  res.on('end', finish);
  res.on('error', (err) => fail(describeNetworkError(err)));
}

/** The first header Node would refuse to send (it throws from http.request), described. */
export function invalidHeader(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch {
      return `header "${name}" cannot be sent: its name or value has characters HTTP does not allow`;
    }
  }
  return undefined;
}

export function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  const message = e.cause?.message ?? e.message ?? String(err);
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused: ${message}`;
    case 'ECONNRESET':
      return `connection closed by the receiver: ${message}`;
    case 'ENOTFOUND':
      return `host not found: ${message}`;
    default:
      return e.code ? `${e.code}: ${message}` : message;
  }
}
