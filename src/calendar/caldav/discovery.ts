import { CalDavClient, CalDavError } from './caldav-client.js';
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
 */
export async function discover(client: CalDavClient, serverUrl: string): Promise<Discovery> {
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  const candidates: string[] = [];
  const wellKnown = await client.send('PROPFIND', new URL('/.well-known/caldav', base).href, {
    headers: { depth: '0', 'content-type': 'application/xml; charset=utf-8' },
    body: DavBodies.principal,
    followRedirects: MAX_REDIRECTS,
  });
  if (wellKnown.status === 401)
    throw new CalDavError('the server refused the username or password (401)', 401);
  if (wellKnown.status === 207) candidates.push(wellKnown.url);
  candidates.push(base);
  let principalUrl: string | null = null;
  let contextUrl = base;
  let lastError: unknown = null;
  for (const url of candidates) {
    try {
      const ms = await client.multistatus('PROPFIND', url, '0', DavBodies.principal);
      const href = ms.responses.map((r) => hrefIn(r.props['current-user-principal'])).find(Boolean);
      if (href) {
        principalUrl = new URL(href, url).href;
        contextUrl = url;
        break;
      }
    } catch (err) {
      lastError = err;
    }
  }
  if (!principalUrl) {
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
  return { contextUrl, principalUrl, homeSetUrl: new URL(homeHref, principalUrl).href };
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
      const url = new URL(r.href, home);
      if (!url.pathname.endsWith('/')) url.pathname += '/';
      const comps = supportedComponents(r.props);
      return {
        url: url.href,
        href: decodeURI(url.pathname),
        displayName: textOf(r.props.displayname) || null,
        // RFC 4791 section 5.2.3: no component set means every component type is accepted.
        supportsEvents: comps === null || comps.length === 0 || comps.includes('VEVENT'),
        supportsSyncToken: textOf(r.props['sync-token']) !== '',
      };
    })
    .filter((c) => c.url !== home.href)
    .sort((a, b) => a.href.localeCompare(b.href));
}
