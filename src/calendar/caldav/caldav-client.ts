import type {
  OutboundFullResponse,
  OutboundHttpService,
} from '../../common/outbound/outbound-http.service.js';
import { OutboundRequestError } from '../../common/outbound/outbound.exception.js';
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

const XML = 'application/xml; charset=utf-8';
const MAX_BODY = 16 * 1024 * 1024;

/**
 * The WebDAV/CalDAV verbs the hub needs (RFC 4918, 4791, 6578), each one request through the
 * SSRF-guarded outbound client. Status handling is left to callers, except that every answer
 * a caller does not handle becomes a CalDavError naming method, URL and status.
 */
export class CalDavClient {
  private readonly auth: string;

  constructor(
    private readonly http: OutboundHttpService,
    credentials: DavCredentials,
    private readonly timeoutMs: number,
  ) {
    this.auth =
      'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  }

  async send(
    method: string,
    url: string,
    opts: { body?: string; headers?: Record<string, string>; followRedirects?: number } = {},
  ): Promise<OutboundFullResponse> {
    try {
      return await this.http.request({
        method,
        url,
        headers: { authorization: this.auth, ...opts.headers },
        body: opts.body,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: MAX_BODY,
        followRedirects: opts.followRedirects ?? 0,
      });
    } catch (err) {
      if (err instanceof OutboundRequestError)
        throw new CalDavError(`${method} ${url}: ${err.message}`, null);
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
    if (res.status !== 207) throw unexpected(method, url, res);
    if (res.truncated)
      throw new CalDavError(`${method} ${url}: answer larger than ${MAX_BODY} bytes`, 207);
    try {
      return await parseMultistatusOffLoop(res.body);
    } catch (err) {
      if (err instanceof OverBudgetError)
        throw new OverBudgetError(err.kind, `${method} ${url}: ${err.message}`);
      throw err;
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
}

export function unexpected(method: string, url: string, res: OutboundFullResponse): CalDavError {
  const retryAfter =
    res.status === 429 || res.status === 503 ? retryAfterMs(res.headers['retry-after']) : undefined;
  const excerpt = res.body.replace(/\s+/g, ' ').slice(0, 200);
  return new CalDavError(
    `${method} ${url} answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`,
    res.status,
    retryAfter,
  );
}

/** Retry-After as seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** XML-escape text placed inside an element. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
