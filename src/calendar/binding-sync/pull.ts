import { assertObjectBudget, OverBudgetError } from '../caldav/caldav-budget.js';
import { CalDavClient, CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { DavBodies } from '../caldav/dav-bodies.js';
import { hasResourceType, textOf } from '../caldav/multistatus.js';

export interface RemoteListing {
  /** href -> ETag of objects that changed since the token (or every object on a full listing). */
  changed: Map<string, string>;
  /** hrefs the server reports as gone (sync-collection 404 entries). */
  deleted: Set<string>;
  /** True when `changed` lists the whole collection, so a missing href was deleted. */
  complete: boolean;
  token: string | null;
}

/**
 * What changed on the server: `sync-collection` with the stored token (RFC 6578); any token
 * error (Radicale 403 valid-sync-token, Xandikos 500, others 409/412) falls back to a full
 * listing, as DAVx5 does. The collection's token is read before the listing, so a change
 * made during the listing is reported again next time rather than lost.
 */
export async function listChanges(
  client: CalDavClient,
  calendarUrl: string,
  token: string | null,
): Promise<RemoteListing> {
  if (token) {
    try {
      const ms = await client.multistatus(
        'REPORT',
        calendarUrl,
        '1',
        DavBodies.syncCollection(token),
      );
      const changed = new Map<string, string>();
      const deleted = new Set<string>();
      for (const r of ms.responses) {
        if (r.status === 404) deleted.add(r.href);
        else if (r.props.getetag !== undefined) changed.set(r.href, textOf(r.props.getetag));
      }
      return { changed, deleted, complete: false, token: ms.syncToken };
    } catch (err) {
      // Not a token question: the server is unavailable (but Xandikos answers an unknown
      // token with a 500, so a 500 falls back), or the credentials are wrong.
      if (
        !(err instanceof CalDavError) ||
        (serverUnavailable(err) && err.status !== 500) ||
        err.status === null ||
        err.status === 401
      )
        throw err;
    }
  }
  return fullListing(client, calendarUrl);
}

export async function fullListing(
  client: CalDavClient,
  calendarUrl: string,
): Promise<RemoteListing> {
  const head = await client.multistatus('PROPFIND', calendarUrl, '0', DavBodies.calendars);
  const token = textOf(head.responses[0]?.props['sync-token']) || null;
  const ms = await client.multistatus('PROPFIND', calendarUrl, '1', DavBodies.etags);
  const self = new URL(calendarUrl).pathname;
  const changed = new Map<string, string>();
  for (const r of ms.responses) {
    if (hasResourceType(r.props, 'collection') || sameCollection(r.href, self)) continue;
    if (r.props.getetag !== undefined) changed.set(r.href, textOf(r.props.getetag));
  }
  return { changed, deleted: new Set(), complete: true, token };
}

export interface FetchedObject {
  etag: string | null;
  ics: string;
}

const MULTIGET_CHUNK = 100;

/**
 * `calendar-multiget` in chunks of 100 (RFC 4791 section 7.9). A per-href 404 is a deletion;
 * an href we did not ask for is ignored (a server must not make us write another object); an
 * object over the budget (caldav-budget.ts) is `rejected` with the reason.
 */
export async function fetchObjects(
  client: CalDavClient,
  calendarUrl: string,
  hrefs: string[],
): Promise<{
  found: Map<string, FetchedObject>;
  missing: Set<string>;
  rejected: Map<string, OverBudgetError>;
}> {
  const found = new Map<string, FetchedObject>();
  const missing = new Set<string>();
  const rejected = new Map<string, OverBudgetError>();
  for (let i = 0; i < hrefs.length; i += MULTIGET_CHUNK) {
    const chunk = hrefs.slice(i, i + MULTIGET_CHUNK);
    const asked = new Set(chunk);
    const ms = await client.multistatus('REPORT', calendarUrl, '1', DavBodies.multiget(chunk));
    for (const r of ms.responses) {
      if (!asked.has(r.href)) continue;
      const data = textOf(r.props['calendar-data']);
      const refused = data ? overBudget(data) : null;
      if (r.status === 404 || !data) missing.add(r.href);
      else if (refused) rejected.set(r.href, refused);
      else found.set(r.href, { etag: textOf(r.props.getetag) || null, ics: data });
    }
  }
  return { found, missing, rejected };
}

function overBudget(ics: string): OverBudgetError | null {
  try {
    assertObjectBudget(ics);
    return null;
  } catch (err) {
    if (err instanceof OverBudgetError) return err;
    throw err;
  }
}

function sameCollection(href: string, path: string): boolean {
  const strip = (p: string) => p.replace(/\/+$/, '');
  return strip(href) === strip(decodeURI(path));
}
