import type { OutboundFullResponse } from '../../common/outbound/outbound-http.service.js';
import { CalDavClient } from '../caldav/caldav-client.js';
import { DavBodies } from '../caldav/dav-bodies.js';
import { textOf } from '../caldav/multistatus.js';

export type WriteResult =
  { kind: 'ok'; etag: string | null } | { kind: 'precondition' } | { kind: 'gone' };

/**
 * Conditional writes of one object (RFC 4791 section 5.3.2, RFC 9110 section 13.1):
 * create with `If-None-Match: *`, update and delete with `If-Match`. A 412 means the object
 * changed (or exists) on the server; the caller applies the binding's conflict policy.
 */
export class ObjectWriter {
  constructor(
    private readonly client: CalDavClient,
    private readonly origin: string,
  ) {}

  url(href: string): string {
    return new URL(encodeURI(href), this.origin).href;
  }

  async create(href: string, ics: string): Promise<WriteResult> {
    return this.settle(
      'PUT',
      href,
      await this.client.put(this.url(href), ics, { ifNoneMatch: true }),
    );
  }

  async update(href: string, ics: string, etag: string | null): Promise<WriteResult> {
    return this.settle(
      'PUT',
      href,
      await this.client.put(this.url(href), ics, etag ? { ifMatch: etag } : {}),
    );
  }

  async delete(href: string, etag: string | null): Promise<WriteResult> {
    const res = await this.client.delete(this.url(href), etag ?? undefined);
    if (res.status === 404 || res.status === 410) return { kind: 'gone' };
    if (res.status === 412) return { kind: 'precondition' };
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', etag: null };
    throw this.client.unexpected('DELETE', this.url(href), res);
  }

  /** The current object, or null when it is gone. */
  async get(href: string): Promise<{ etag: string | null; ics: string } | null> {
    const res = await this.client.send('GET', this.url(href));
    if (res.status === 404 || res.status === 410) return null;
    if (res.status !== 200) throw this.client.unexpected('GET', this.url(href), res);
    return { etag: res.headers.etag ?? null, ics: res.body };
  }

  private async settle(
    method: string,
    href: string,
    res: OutboundFullResponse,
  ): Promise<WriteResult> {
    if (res.status === 412) return { kind: 'precondition' };
    if (res.status === 404 || res.status === 410) return { kind: 'gone' };
    // Radicale answers 201 to an update, Xandikos 204: any 2xx is success, except a 207,
    // which is how Xandikos refuses a second object with the same UID (a 412 inside).
    if (res.status < 200 || res.status >= 300 || res.status === 207)
      throw this.client.unexpected(method, this.url(href), res);
    // Both servers rewrite what they store, so keep the ETag they give, or read it back.
    return { kind: 'ok', etag: res.headers.etag ?? (await this.readEtag(href)) };
  }

  private async readEtag(href: string): Promise<string | null> {
    const ms = await this.client.multistatus('PROPFIND', this.url(href), '0', DavBodies.etags);
    return textOf(ms.responses[0]?.props.getetag) || null;
  }
}
