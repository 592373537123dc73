import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AxiosInstance } from 'axios';
import * as dns from 'node:dns';
import type * as http from 'node:http';
import type * as https from 'node:https';
import * as net from 'node:net';
import { securityConfig } from '../../config/security.config.js';
import { OutboundPolicy } from './address-policy.js';
import { createAxios, requestOnce } from './axios-request.js';
import { createGuardedAgents } from './guarded-agents.js';
import { describeNetworkError, invalidHeader, leanPost } from './lean-post.js';
import { OutboundException, OutboundRequestError } from './outbound.exception.js';
import type {
  OutboundFullResponse,
  OutboundPost,
  OutboundRequest,
  OutboundResponse,
} from './outbound.types.js';

export type { OutboundFullResponse, OutboundPost, OutboundRequest, OutboundResponse };

const ABORTED = 'aborted by the caller (job timeout or shutdown)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials that must not follow a redirect to another origin (RFC 9110 section 15.4). */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

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
 * `request` (axios, any method) follows redirects only when asked, re-checking every hop;
 * `post` is the lean path for webhook deliveries. A total deadline covers connect, headers
 * and body of every hop.
 */
@Injectable()
export class OutboundHttpService implements OnApplicationShutdown {
  private readonly logger = new Logger('OutboundHttp');
  private readonly agents: [http.Agent, https.Agent];
  private readonly axios: AxiosInstance;
  private readonly policy: OutboundPolicy;

  constructor(@Inject(securityConfig.KEY) config: ConfigType<typeof securityConfig>) {
    this.policy = new OutboundPolicy(config.outboundAllowPrivate, config.outboundAllowHosts);
    this.agents = createGuardedAgents(this.guardedLookup.bind(this), (err) =>
      this.logger.debug(`pooled connection failed and was dropped: ${describeNetworkError(err)}`),
    );
    this.axios = createAxios(this.agents);
  }

  get allowPrivate(): boolean {
    return this.policy.allowPrivate;
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
    for (const address of addresses) {
      const refusal = this.policy.refusal(host, address);
      if (refusal) throw OutboundException.urlNotAllowed(field, refusal);
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

  /** The lean webhook POST: node:http, a 4 KiB answer excerpt by default. */
  async post(req: OutboundPost): Promise<OutboundResponse> {
    const url = new URL(req.url);
    this.refuseLiteral(url);
    const body = Buffer.from(req.body, 'utf8');
    const headers = { ...req.headers, 'content-length': String(body.length) };
    // http.request throws synchronously on a header it cannot send: turn that into an
    // ordinary failed attempt before any timer or socket exists.
    const invalid = invalidHeader(headers);
    if (invalid) throw new OutboundRequestError(invalid);
    return leanPost(url, headers, body, {
      agent: url.protocol === 'https:' ? this.agents[1] : this.agents[0],
      timeoutMs: req.timeoutMs,
      maxBodyBytes: req.maxBodyBytes ?? 4096,
    });
  }

  /**
   * Any method, any body, on axios. Redirects are followed only up to `followRedirects` hops:
   * each hop's URL is checked like the first (scheme, credentials, address), a 303 (or a
   * 301/302 after a POST) turns into a GET without body, and credentials are dropped when
   * the redirect leaves the origin. Network failures and timeouts reject with
   * OutboundRequestError; any HTTP status resolves.
   */
  async request(req: OutboundRequest): Promise<OutboundFullResponse> {
    const started = performance.now();
    if (req.signal?.aborted) throw new OutboundRequestError(ABORTED);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), req.timeoutMs);
    // Either the deadline or the caller's signal ends the request (and destroys its socket).
    const signal = req.signal
      ? AbortSignal.any([controller.signal, req.signal])
      : controller.signal;
    let url = this.runtimeUrl(req.url);
    let method = req.method.toUpperCase();
    let { headers, body } = encodeBody(req.headers ?? {}, req.body);
    const redirects: string[] = [];
    try {
      for (let hop = 0; ; hop++) {
        this.refuseLiteral(url);
        const invalid = invalidHeader(headers);
        if (invalid) throw new OutboundRequestError(invalid);
        const res = await requestOnce(this.axios, {
          method,
          url,
          headers,
          body,
          signal,
          maxBodyBytes: req.maxBodyBytes ?? 1024 * 1024,
        });
        const location = res.headers.location;
        if (!REDIRECTS.has(res.status) || !location || hop >= (req.followRedirects ?? 0))
          return {
            status: res.status,
            headers: res.headers,
            bytes: res.bytes,
            body: res.bytes.toString('utf8'),
            truncated: res.truncated,
            durationMs: Math.round(performance.now() - started),
            url: url.href,
            redirects,
          };
        const next = this.runtimeUrl(new URL(location, url).href);
        if (next.origin !== url.origin) headers = without(headers, ORIGIN_BOUND_HEADERS);
        if (
          res.status === 303 ||
          ((res.status === 301 || res.status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
          headers = without(headers, ['content-type', 'content-length']);
        }
        redirects.push(next.href);
        url = next;
      }
    } catch (err) {
      if (err instanceof OutboundRequestError) throw err;
      if (req.signal?.aborted) throw new OutboundRequestError(ABORTED);
      if (controller.signal.aborted)
        throw new OutboundRequestError(`timed out after ${req.timeoutMs} ms`);
      throw new OutboundRequestError(describeNetworkError(err));
    } finally {
      clearTimeout(timer);
    }
  }

  /** A URL about to be called (not saved): refusals are request errors, not 422s. */
  private runtimeUrl(raw: string): URL {
    try {
      return this.parse(raw);
    } catch (err) {
      throw new OutboundRequestError(
        `refused to call ${raw.slice(0, 200)}: ${(err as Error).message.replace(/^url: /, '')}`,
      );
    }
  }

  /** IP literals skip the agents' lookup, so they are checked here. */
  private refuseLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!net.isIP(host)) return;
    const refusal = this.policy.refusal(host, host);
    if (refusal) throw new OutboundRequestError(`refused to connect to ${host}: ${refusal}`);
  }

  private guardedLookup(
    hostname: string,
    options: dns.LookupOptions,
    callback: LookupCallback,
  ): void {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as dns.LookupAddress[];
      for (const a of list) {
        const refusal = this.policy.refusal(hostname, a.address);
        if (!refusal) continue;
        const error: NodeJS.ErrnoException = new Error(
          `refused to connect to ${hostname}: ${refusal}`,
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

function encodeBody(
  given: Record<string, string>,
  body: OutboundRequest['body'],
): { headers: Record<string, string>; body?: Buffer } {
  const headers = { ...given };
  if (body === undefined) return { headers };
  if (typeof body === 'string' || Buffer.isBuffer(body))
    return { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return { headers, body: Buffer.from(JSON.stringify(body), 'utf8') };
}

function without(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())),
  );
}
