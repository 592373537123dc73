import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A CalDAV server that never changes, as cheap as a server can be (for the calendar scale
 * bench, on 127.0.0.1): every PROPFIND answers one response naming the principal, the home
 * set and a calendar collection with a fixed sync token and no objects; every REPORT (the
 * sync-collection) answers that token and no changes. It counts what it was asked.
 */
export interface FakeCalDav {
  url: string;
  requests: Map<string, number>;
  stop(): Promise<void>;
}

const TOKEN = 'http://fake.invalid/sync/1';

function propfind(path: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
    `<d:response><d:href>${path}</d:href><d:propstat><d:prop>` +
    '<d:current-user-principal><d:href>/p/</d:href></d:current-user-principal>' +
    '<c:calendar-home-set><d:href>/cal/</d:href></c:calendar-home-set>' +
    '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>' +
    '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>' +
    `<d:displayname>fake</d:displayname><d:sync-token>${TOKEN}</d:sync-token>` +
    '</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>'
  );
}

const REPORT =
  '<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">' +
  `<d:sync-token>${TOKEN}</d:sync-token></d:multistatus>`;

export async function startFakeCalDav(): Promise<FakeCalDav> {
  const requests = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const method = req.method ?? '';
    requests.set(method, (requests.get(method) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      if (method !== 'PROPFIND' && method !== 'REPORT') {
        res.writeHead(405).end();
        return;
      }
      const body =
        method === 'REPORT' ? REPORT : propfind(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' }).end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
