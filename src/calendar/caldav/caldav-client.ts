import { storableText } from '../../common/http/storable-text.js';
import type {
  OutboundFullResponse,
  OutboundHttpService,
} from '../../common/outbound/outbound-http.service.js';
import { classifyHttpFailure } from '../../common/outbound/http-failure.js';
import { OutboundRequestError } from '../../common/outbound/outbound.exception.js';
import { parseRetryAfter } from '../../common/retry/retry-schedule.js';
import { maskCredentials, redactSecrets } from '../../common/security/redaction.js';
import { OverBudgetError } from './caldav-budget.js';
import type { Multistatus } from './multistatus.js';
import { parseMultistatusOffLoop } from './off-loop.js';

export interface DavCredentials {
  username: string;
  password: string;
}

/** A CalDAV answer the caller did not expect; `retryAfterMs` from a 429/503 Retry-After. */
export class CalDavError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A URL (an href, a redirect, a stored calendar URL) the client will not call: on another
 * origin than the account's, or not a URL at all. Nothing was sent to it. Not transient: the
 * server will name the same URL next time.
 */
export class RefusedUrlError extends CalDavError {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message, null);
  }
}

/**
 * The server is down or busy (classifyHttpFailure: no answer, 408, 429, 5xx): worth retrying
 * soon. A refused URL has no status either, but the server will name it again: not transient.
 */
export function serverUnavailable(err: unknown): boolean {
  return (
    err instanceof CalDavError &&
    !(err instanceof RefusedUrlError) &&
    classifyHttpFailure(err.status) === 'transient'
  );
}

const XML = 'application/xml; charset=utf-8';
const MAX_BODY = 16 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** How much of a peer's answer an error message (and so the sync log) keeps. */
const EXCERPT_CHARS = 200;

/**
 * The WebDAV/CalDAV verbs the hub needs (RFC 4918, 4791, 6578), each one request through the
 * SSRF-guarded outbound client. Status handling is left to callers, except that every answer
 * a caller does not handle becomes a CalDavError naming method, URL and status.
 *
 * The client is bound to the account's origin (scheme, host, port): it sends nothing, and so
 * never the Basic credentials, to a URL on another origin, whatever a server's hrefs or
 * redirects name (a RefusedUrlError instead). Redirects are followed hop by hop here, so a
 * redirect to another origin is refused before any request goes there.
 */
export class CalDavClient {
  private readonly auth: string;
  private readonly secrets: string[];
  readonly origin: string;

  constructor(
    private readonly http: OutboundHttpService,
    credentials: DavCredentials,
    private readonly timeoutMs: number,
    accountUrl: string,
    /** The job's signal: its timeout or a shutdown abandons the request and closes its socket. */
    private readonly signal?: AbortSignal,
  ) {
    const pair = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    this.auth = `Basic ${pair}`;
    // A peer that echoes what we sent must not get it into the sync log or a 422.
    this.secrets = [
      pair,
      credentials.password,
      Buffer.from(credentials.password).toString('base64'),
      encodeURIComponent(credentials.password),
    ];
    this.origin = new URL(accountUrl).origin;
  }

  /**
   * The URL, when it is on the account's origin; otherwise a RefusedUrlError naming it and
   * `what` (the property or redirect that named it).
   */
  own(url: string, what: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RefusedUrlError(`${what} is not a URL: ${this.excerpt(url)}`, url);
    }
    if (parsed.origin !== this.origin)
      throw new RefusedUrlError(
        this.redact(
          `${what} ${parsed.href} is on another origin than the account's (${this.origin}); the hub sends nothing there, so your password never leaves the server you entered`,
        ),
        parsed.href,
      );
    return parsed.href;
  }

  async send(
    method: string,
    url: string,
    opts: { body?: string; headers?: Record<string, string>; followRedirects?: number } = {},
  ): Promise<OutboundFullResponse> {
    let target = this.own(url, `${method} target`);
    let verb = method;
    let body = opts.body;
    let headers = { ...opts.headers };
    const deadline = Date.now() + this.timeoutMs;
    for (let hop = 0; ; hop++) {
      const res = await this.once(verb, target, headers, body, deadline);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || !location || hop >= (opts.followRedirects ?? 0)) return res;
      let next: string;
      try {
        next = new URL(location, target).href;
      } catch {
        throw new CalDavError(
          `${verb} ${target} redirects to an unreadable Location: ${this.excerpt(location)}`,
          res.status,
        );
      }
      target = this.own(next, `${verb} ${target} redirects to`);
      if (res.status === 303) {
        verb = 'GET';
        body = undefined;
        headers = Object.fromEntries(
          Object.entries(headers).filter(([h]) => h.toLowerCase() !== 'content-type'),
        );
      }
    }
  }

  private async once(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    deadline: number,
  ): Promise<OutboundFullResponse> {
    try {
      return await this.http.request({
        method,
        url,
        headers: { authorization: this.auth, ...headers },
        body,
        timeoutMs: Math.max(1, deadline - Date.now()),
        maxBodyBytes: MAX_BODY,
        signal: this.signal,
      });
    } catch (err) {
      if (err instanceof OutboundRequestError)
        throw new CalDavError(this.redact(`${method} ${url}: ${err.message}`), null);
      throw err;
    }
  }

  /** PROPFIND or REPORT expecting a 207. Xandikos refuses a body without an XML type (415). */
  async multistatus(
    method: 'PROPFIND' | 'REPORT',
    url: string,
    depth: '0' | '1',
    body: string,
  ): Promise<Multistatus> {
    const res = await this.send(method, url, {
      body,
      headers: { 'content-type': XML, depth },
    });
    if (res.status !== 207) throw this.unexpected(method, url, res);
    if (res.truncated)
      throw new CalDavError(`${method} ${url}: answer larger than ${MAX_BODY} bytes`, 207);
    return await this.parse(method, url, res.body);
  }

  /** An answer the parser refuses (garbage, HTML, a DTD, too deep) is the server's fault. */
  private async parse(method: string, url: string, xml: string): Promise<Multistatus> {
    try {
      return await parseMultistatusOffLoop(xml);
    } catch (err) {
      // Over budget is not the server's protocol fault: no sync-token fallback for it.
      if (err instanceof OverBudgetError)
        throw new OverBudgetError(err.kind, `${method} ${url}: ${err.message}`);
      const reason = err instanceof Error ? err.message : String(err);
      throw new CalDavError(
        `${method} ${url}: the server's 207 is not a readable DAV multistatus (${this.excerpt(reason)}); it sent: ${this.excerpt(xml)}`,
        207,
      );
    }
  }

  put(url: string, ics: string, condition: { ifMatch?: string; ifNoneMatch?: boolean }) {
    const headers: Record<string, string> = { 'content-type': 'text/calendar; charset=utf-8' };
    if (condition.ifMatch) headers['if-match'] = condition.ifMatch;
    if (condition.ifNoneMatch) headers['if-none-match'] = '*';
    return this.send('PUT', url, { body: ics, headers });
  }

  delete(url: string, ifMatch?: string) {
    return this.send('DELETE', url, { headers: ifMatch ? { 'if-match': ifMatch } : {} });
  }

  /** An answer the caller does not handle, with a short redacted excerpt of what it said. */
  unexpected(method: string, url: string, res: OutboundFullResponse): CalDavError {
    const retryAfter =
      res.status === 429 || res.status === 503
        ? parseRetryAfter(res.headers['retry-after'])
        : undefined;
    const excerpt = this.excerpt(res.body);
    return new CalDavError(
      this.redact(`${method} ${url} answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`),
      res.status,
      retryAfter,
    );
  }

  /** Peer text fit for an error message: one line, short, storable, without our secrets. */
  excerpt(text: string): string {
    const line = text.replace(/\s+/g, ' ').trim();
    const short = line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
    return storableText(this.redact(short));
  }

  private redact(text: string): string {
    return maskCredentials(redactSecrets(text, this.secrets));
  }
}

/** XML-escape text placed inside an element. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
