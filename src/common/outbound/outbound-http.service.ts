import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { securityConfig } from '../../config/security.config.js';
import { createGuardedAgents } from './guarded-agents.js';
import { describeRange, isAllowedAddress } from './address-policy.js';
import { OutboundException, OutboundRequestError } from './outbound.exception.js';

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** At most `maxBodyBytes` of the response body, as text. */
  body: string;
  durationMs: number;
}

export interface OutboundRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBodyBytes?: number;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * The one way the app makes outbound HTTP requests. SSRF guard: http(s) only, no userinfo,
 * and every address is checked where the socket is made: the agents' `lookup` refuses a
 * hostname that resolves to a non-public address (so DNS rebinding between a check and the
 * connect gets nowhere), and IP literals, which skip lookup, are checked before the request.
 * Redirects are never followed; a total deadline covers connect, headers and body.
 */
@Injectable()
export class OutboundHttpService implements OnApplicationShutdown {
  private readonly logger = new Logger('OutboundHttp');
  private readonly agents: [http.Agent, https.Agent];

  constructor(
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {
    this.agents = createGuardedAgents(this.guardedLookup.bind(this), (err) =>
      this.logger.debug(`pooled connection failed and was dropped: ${describeNetworkError(err)}`),
    );
  }

  get allowPrivate(): boolean {
    return this.config.outboundAllowPrivate;
  }

  /** Validates a URL at configuration time (also resolves it). Throws a 422 naming `field`. */
  async assertUrlAllowed(raw: string, field = 'url'): Promise<URL> {
    const url = this.parse(raw, field);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (net.isIP(host)) {
      addresses = [host];
    } else {
      try {
        addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map(
          (a) => a.address,
        );
      } catch {
        throw OutboundException.urlNotAllowed(field, `host ${host} does not resolve`);
      }
    }
    const refused = addresses.find((a) => !isAllowedAddress(a, this.allowPrivate));
    if (refused) {
      throw OutboundException.urlNotAllowed(
        field,
        `${host} resolves to ${refused} (${describeRange(refused)}), which outbound requests may not reach; set OUTBOUND_ALLOW_PRIVATE=true for local development`,
      );
    }
    return url;
  }

  parse(raw: string, field = 'url'): URL {
    // The URL parser drops tabs and line breaks and trims spaces, so the text we would store
    // is not the URL we would call: refuse them instead.
    if (/[\s\p{Cc}]/u.test(raw))
      throw OutboundException.urlNotAllowed(field, 'must not contain spaces or control characters');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw OutboundException.urlNotAllowed(field, 'must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw OutboundException.urlNotAllowed(field, 'must use http or https');
    if (url.username || url.password)
      throw OutboundException.urlNotAllowed(field, 'must not contain credentials');
    return url;
  }

  async post(req: OutboundRequest): Promise<OutboundResponse> {
    const url = new URL(req.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) && !isAllowedAddress(host, this.allowPrivate)) {
      throw new OutboundRequestError(`refused to connect to ${host} (${describeRange(host)})`);
    }
    const body = Buffer.from(req.body, 'utf8');
    const headers = { ...req.headers, 'content-length': String(body.length) };
    // http.request throws synchronously on a header it cannot send: turn that into an
    // ordinary failed attempt before any timer or socket exists.
    const invalid = invalidHeader(headers);
    if (invalid) throw new OutboundRequestError(invalid);
    return this.send(url, headers, body, req);
  }

  private send(
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
    req: OutboundRequest,
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
      const timer = setTimeout(() => fail(`timed out after ${req.timeoutMs} ms`), req.timeoutMs);
      try {
        outgoing = request(
          url,
          {
            method: 'POST',
            agent: url.protocol === 'https:' ? this.agents[1] : this.agents[0],
            headers,
          },
          (res) => readResponse(res, outgoing!, req.maxBodyBytes ?? 4096, started, done, fail),
        );
      } catch (err) {
        fail(describeNetworkError(err));
        return;
      }
      outgoing.on('error', (err) => fail(describeNetworkError(err)));
      outgoing.end(body);
    });
  }

  private guardedLookup(
    hostname: string,
    options: dns.LookupOptions,
    callback: LookupCallback,
  ): void {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as dns.LookupAddress[];
      const refused = list.find((a) => !isAllowedAddress(a.address, this.allowPrivate));
      if (refused) {
        const error: NodeJS.ErrnoException = new Error(
          `refused to connect to ${hostname} at ${refused.address} (${describeRange(refused.address)})`,
        );
        error.code = 'EADDRNOTALLOWED';
        return callback(error, []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  }

  onApplicationShutdown(): void {
    this.agents.forEach((a) => a.destroy());
  }
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

function describeNetworkError(err: unknown): string {
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
