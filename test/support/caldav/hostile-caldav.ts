import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the hostile server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  depth: string | undefined;
  authorization: string | undefined;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Send the status, headers and body, then hang: the response never ends. */
  stall?: boolean;
}

/** Answers a request, or undefined for the default (a minimal CalDAV account). */
export type Route = (req: SeenRequest) => Answer | undefined;

export interface HostileCalDav {
  /** `http://127.0.0.1:<port>/`: what a user types as server URL. */
  url: string;
  origin: string;
  requests: SeenRequest[];
  /** How many requests carried an Authorization header. */
  authorized(): number;
  /** Replaced per test; undefined answers fall back to the minimal account. */
  route: Route;
  /** Answers that stalled so far. */
  stalls(): number;
  /** Sockets of stalled answers the client has not closed yet. */
  stalledOpen(): number;
  stop(): Promise<void>;
}

export const PRINCIPAL_PATH = '/alice/';
export const HOME_PATH = '/alice/calendars/';
export const CALENDAR_PATH = '/alice/calendars/work/';

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"';

/** A 207 whose responses are given as `<d:response>` inner XML. */
export function multistatus(responses: string[], extra = ''): Answer {
  return {
    status: 207,
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: `<?xml version="1.0" encoding="utf-8"?><d:multistatus ${NS}>${responses
      .map((r) => `<d:response>${r}</d:response>`)
      .join('')}${extra}</d:multistatus>`,
  };
}

/** One response with 200 properties. */
export function propResponse(href: string, props: string): string {
  return `<d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`;
}

export const principalAnswer = (href: string) =>
  multistatus([
    propResponse(
      '/',
      `<d:current-user-principal><d:href>${href}</d:href></d:current-user-principal>`,
    ),
  ]);

export const homeSetAnswer = (href: string) =>
  multistatus([
    propResponse(
      PRINCIPAL_PATH,
      `<c:calendar-home-set><d:href>${href}</d:href></c:calendar-home-set>`,
    ),
  ]);

/** A calendar entry of a home listing. */
export function calendarEntry(href: string, displayName = 'Work', syncToken = 'tok-1'): string {
  return propResponse(
    href,
    `<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>${displayName}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set><d:sync-token>${syncToken}</d:sync-token>`,
  );
}

export const homeListing = (calendars: string[]) =>
  multistatus([
    propResponse(HOME_PATH, '<d:resourcetype><d:collection/></d:resourcetype>'),
    ...calendars,
  ]);

/**
 * The minimal CalDAV account the hub needs for discovery and an empty sync run: principal
 * `/alice/`, home `/alice/calendars/`, one empty calendar `work/`. Any other request is a 404.
 */
function minimalAccount(req: SeenRequest): Answer {
  if (req.method === 'PROPFIND' && req.path === '/.well-known/caldav') return { status: 404 };
  if (req.method === 'PROPFIND' && req.body.includes('current-user-principal'))
    return principalAnswer(PRINCIPAL_PATH);
  if (req.method === 'PROPFIND' && req.body.includes('calendar-home-set'))
    return homeSetAnswer(HOME_PATH);
  if (req.method === 'PROPFIND' && req.path === HOME_PATH)
    return homeListing([calendarEntry(CALENDAR_PATH)]);
  if (req.path === CALENDAR_PATH && (req.method === 'PROPFIND' || req.method === 'REPORT'))
    return req.depth === '0'
      ? multistatus([calendarEntry(CALENDAR_PATH)])
      : multistatus([], '<d:sync-token>tok-1</d:sync-token>');
  return { status: 404 };
}

/**
 * A CalDAV server under the test's control on a free 127.0.0.1 port: it records every request
 * (with its Authorization header, to count credentials that reached it) and answers through
 * `route`, falling back to a minimal account.
 */
export async function startHostileCalDav(route: Route = () => undefined): Promise<HostileCalDav> {
  const requests: SeenRequest[] = [];
  const stalled = new Set<Socket>();
  let stalls = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        depth: req.headers.depth as string | undefined,
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const answer = hostile.route(seen) ?? minimalAccount(seen);
      res.writeHead(answer.status, answer.headers ?? {});
      if (answer.stall) {
        stalls++;
        const socket = req.socket;
        stalled.add(socket);
        socket.once('close', () => stalled.delete(socket));
        res.write(answer.body ?? '');
        return;
      }
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const hostile: HostileCalDav = {
    url: `http://127.0.0.1:${port}/`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    authorized: () => requests.filter((r) => r.authorization !== undefined).length,
    route,
    stalls: () => stalls,
    stalledOpen: () => stalled.size,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return hostile;
}
