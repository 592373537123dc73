import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { securityConfig } from '../../config/security.config.js';
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
  private readonly agents: [http.Agent, https.Agent];

  constructor(
    @Inject(securityConfig.KEY) private readonly config: ConfigType<typeof securityConfig>,
  ) {
    const lookup = this.guardedLookup.bind(this);
    this.agents = [
      new http.Agent({ keepAlive: true, lookup }),
      new https.Agent({ keepAlive: true, lookup }),
    ];
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
    const started = performance.now();
    const body = Buffer.from(req.body, 'utf8');
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outgoing.destroy();
        reject(new OutboundRequestError(message));
      };
      // One deadline for connect, headers and body: a receiver that trickles bytes is cut off too.
      const timer = setTimeout(() => fail(`timed out after ${req.timeoutMs} ms`), req.timeoutMs);
      const outgoing = send(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.agents[1] : this.agents[0],
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (res) => {
          const max = req.maxBodyBytes ?? 4096;
          const chunks: Buffer[] = [];
          let size = 0;
          const finish = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({
              status: res.statusCode ?? 0,
              headers,
              body: Buffer.concat(chunks).toString('utf8'),
              durationMs: Math.round(performance.now() - started),
            });
          };
          res.on('data', (chunk: Buffer) => {
            if (size < max) chunks.push(chunk.subarray(0, max - size));
            size += chunk.length;
            // Enough kept: stop reading a large body instead of downloading it.
            if (size >= max) {
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', (err) => fail(describeNetworkError(err)));
        },
      );
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
