import { CalDavClient, CalDavError, RefusedUrlError } from './caldav-client.js';
import { DavBodies } from './dav-bodies.js';
import { hasResourceType, hrefIn, supportedComponents, textOf } from './multistatus.js';

export interface DiscoveredCalendar {
  /** Absolute URL of the calendar collection (ends with a slash). */
  url: string;
  /** The collection's path on the server, as listed. */
  href: string;
  displayName: string | null;
  supportsEvents: boolean;
  supportsSyncToken: boolean;
}

export interface Discovery {
  /** Where DAV answered: the server URL after following /.well-known/caldav. */
  contextUrl: string;
  principalUrl: string;
  homeSetUrl: string;
}

const MAX_REDIRECTS = 5;

/**
 * RFC 6764 section 6 bootstrapping: `/.well-known/caldav` (a redirect, each hop re-checked by
 * the SSRF guard), then `current-user-principal` (RFC 5397), then `calendar-home-set`
 * (RFC 4791 section 6.2.1). A server without the well-known redirect is asked at the URL the
 * user gave.
 *
 * Every URL a server names must be on the origin the user gave (the client refuses the
 * others). A well-known redirect to another origin is not followed: the URL the user gave is
 * tried instead, and when that is no CalDAV endpoint the error names the redirect's target, so
 * the user can enter it as the server URL if they trust it (the password then goes there
 * because they said so, not because a redirect did).
 */
export async function discover(client: CalDavClient, serverUrl: string): Promise<Discovery> {
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  const candidates: string[] = [];
  let elsewhere: RefusedUrlError | null = null;
  try {
    const wellKnown = await client.send('PROPFIND', new URL('/.well-known/caldav', base).href, {
      headers: { depth: '0', 'content-type': 'application/xml; charset=utf-8' },
      body: DavBodies.principal,
      followRedirects: MAX_REDIRECTS,
    });
    if (wellKnown.status === 401)
      throw new CalDavError('the server refused the username or password (401)', 401);
    if (wellKnown.status === 207) candidates.push(wellKnown.url);
  } catch (err) {
    if (!(err instanceof RefusedUrlError)) throw err;
    elsewhere = err;
  }
  candidates.push(base);
  let principalUrl: string | null = null;
  let contextUrl = base;
  let lastError: unknown = null;
  for (const url of candidates) {
    try {
      const ms = await client.multistatus('PROPFIND', url, '0', DavBodies.principal);
      const href = ms.responses.map((r) => hrefIn(r.props['current-user-principal'])).find(Boolean);
      if (href) {
        principalUrl = client.own(resolve(client, href, url), 'current-user-principal');
        contextUrl = url;
        break;
      }
    } catch (err) {
      if (err instanceof RefusedUrlError) throw err;
      lastError = err;
    }
  }
  if (!principalUrl) {
    if (elsewhere)
      throw new RefusedUrlError(
        `/.well-known/caldav redirects to ${elsewhere.url}, another origin than ${client.origin}, and ${base} itself is no CalDAV endpoint; the hub does not send your password where a redirect points: if you trust ${new URL(elsewhere.url).origin}, enter ${elsewhere.url} as serverUrl`,
        elsewhere.url,
      );
    if (lastError instanceof CalDavError) throw lastError;
    throw new CalDavError(
      'the server did not name a current-user-principal (is this a CalDAV URL?)',
      null,
    );
  }
  const home = await client.multistatus('PROPFIND', principalUrl, '0', DavBodies.homeSet);
  const homeHref = home.responses.map((r) => hrefIn(r.props['calendar-home-set'])).find(Boolean);
  if (!homeHref)
    throw new CalDavError('the principal has no calendar-home-set (not a CalDAV account?)', null);
  const homeSetUrl = client.own(resolve(client, homeHref, principalUrl), 'calendar-home-set');
  return { contextUrl, principalUrl, homeSetUrl };
}

/** The calendar collections directly under the home set. */
export async function listCalendars(
  client: CalDavClient,
  homeSetUrl: string,
): Promise<DiscoveredCalendar[]> {
  const ms = await client.multistatus('PROPFIND', homeSetUrl, '1', DavBodies.calendars);
  const home = new URL(homeSetUrl);
  return ms.responses
    .filter((r) => hasResourceType(r.props, 'calendar'))
    .map((r) => {
      const url = new URL(client.own(resolve(client, r.href, home.href), 'calendar href'));
      if (!url.pathname.endsWith('/')) url.pathname += '/';
      const comps = supportedComponents(r.props);
      return {
        url: url.href,
        href: calendarPath(client, url),
        displayName: textOf(r.props.displayname) || null,
        // RFC 4791 section 5.2.3: no component set means every component type is accepted.
        supportsEvents: comps === null || comps.length === 0 || comps.includes('VEVENT'),
        supportsSyncToken: textOf(r.props['sync-token']) !== '',
      };
    })
    .filter((c) => c.url !== home.href)
    .sort((a, b) => a.href.localeCompare(b.href));
}

/** An href as the server sent it, resolved against the URL it came from. */
function resolve(client: CalDavClient, href: string, base: string): string {
  try {
    return new URL(href, base).href;
  } catch {
    throw new CalDavError(
      `the server named an href that is not a URL: ${client.excerpt(href)}`,
      207,
    );
  }
}

/**
 * A calendar's path, decoded as listed. A malformed %-escape is the server's error: the path
 * could not be written back the way the server wrote it, so the calendar is refused by name.
 */
export function calendarPath(client: CalDavClient, url: URL): string {
  const path = decodedPath(url.pathname);
  if (path === null)
    throw new CalDavError(
      `the server listed a calendar whose href has a malformed %-escape: ${client.excerpt(url.pathname)}`,
      207,
    );
  return path;
}

/** A path with its %-escapes decoded, or null when one is malformed. */
export function decodedPath(path: string): string | null {
  try {
    return decodeURI(path);
  } catch {
    return null;
  }
}
