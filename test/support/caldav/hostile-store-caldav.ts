import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  etag: string;
  ics: string;
}

/**
 * A minimal CalDAV server on 127.0.0.1 that the test controls completely: one principal
 * (`/p/`), a home (`/home/`) listing the calendars `/home/<name>/` it was given, objects kept
 * in memory. Sync tokens are refused (403), so every run lists the whole calendar, and
 * `listing` replaces a calendar's Depth: 1 listing with any text (a hostile answer).
 */
export interface HostileCalDav {
  url: string;
  objects: Map<string, StoredObject>;
  /** Calendar path -> the raw 207 body its Depth: 1 PROPFIND answers instead of the listing. */
  listing: Map<string, () => string>;
  /** Replaces an object as another client would (a new ETag). */
  edit(path: string, ics: string): void;
  close(): Promise<void>;
}

const MS =
  '<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">';
const OK = '<d:status>HTTP/1.1 200 OK</d:status>';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const response = (href: string, prop: string) =>
  `<d:response><d:href>${esc(href)}</d:href><d:propstat><d:prop>${prop}</d:prop>${OK}</d:propstat></d:response>`;
const calendarProps =
  '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set><d:sync-token>tok-1</d:sync-token>';

export async function startHostileCalDav(calendars: string[]): Promise<HostileCalDav> {
  const objects = new Map<string, StoredObject>();
  const listing = new Map<string, () => string>();
  let version = 0;
  const etag = () => `"v${++version}"`;

  const handle = (req: IncomingMessage, body: string, res: ServerResponse) => {
    const path = decodeURI(new URL(req.url!, 'http://x').pathname);
    const send = (status: number, text = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8', ...headers });
      res.end(text);
    };
    const calendar = calendars.map((c) => `/home/${c}/`).find((c) => path === c);
    switch (req.method) {
      case 'PROPFIND':
        if (path.startsWith('/.well-known/')) return send(404);
        if (body.includes('current-user-principal'))
          return send(
            207,
            `${MS}${response(path, '<d:current-user-principal><d:href>/p/</d:href></d:current-user-principal>')}</d:multistatus>`,
          );
        if (body.includes('calendar-home-set'))
          return send(
            207,
            `${MS}${response(path, '<c:calendar-home-set><d:href>/home/</d:href></c:calendar-home-set>')}</d:multistatus>`,
          );
        if (path === '/home/')
          return send(
            207,
            `${MS}${response('/home/', '<d:resourcetype><d:collection/></d:resourcetype>')}${calendars.map((c) => response(`/home/${c}/`, calendarProps)).join('')}</d:multistatus>`,
          );
        if (calendar && req.headers.depth === '0')
          return send(207, `${MS}${response(calendar, calendarProps)}</d:multistatus>`);
        if (calendar) {
          const hostile = listing.get(calendar);
          if (hostile) return send(207, hostile());
          const own = [...objects].filter(([p]) => p.startsWith(calendar));
          return send(
            207,
            `${MS}${response(calendar, calendarProps)}${own.map(([p, o]) => response(p, `<d:getetag>${esc(o.etag)}</d:getetag><d:resourcetype/>`)).join('')}</d:multistatus>`,
          );
        }
        if (objects.has(path))
          return send(
            207,
            `${MS}${response(path, `<d:getetag>${esc(objects.get(path)!.etag)}</d:getetag>`)}</d:multistatus>`,
          );
        return send(404);
      case 'REPORT': {
        if (body.includes('sync-collection'))
          return send(403, '<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>');
        const hrefs = [...body.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => decodeURI(m[1]));
        return send(
          207,
          `${MS}${hrefs
            .map((h) => {
              const o = objects.get(h);
              return o
                ? response(
                    h,
                    `<d:getetag>${esc(o.etag)}</d:getetag><c:calendar-data>${esc(o.ics)}</c:calendar-data>`,
                  )
                : `<d:response><d:href>${esc(h)}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
            })
            .join('')}</d:multistatus>`,
        );
      }
      case 'PUT': {
        const existing = objects.get(path);
        if (req.headers['if-none-match'] === '*' && existing) return send(412);
        if (req.headers['if-match'] && req.headers['if-match'] !== existing?.etag) return send(412);
        const tag = etag();
        objects.set(path, { etag: tag, ics: body });
        return send(existing ? 204 : 201, '', { etag: tag });
      }
      case 'GET': {
        const o = objects.get(path);
        return o ? send(200, o.ics, { etag: o.etag, 'content-type': 'text/calendar' }) : send(404);
      }
      case 'DELETE':
        return send(objects.delete(path) ? 204 : 404);
      default:
        return send(405);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    objects,
    listing,
    edit(path, ics) {
      objects.set(path, { etag: etag(), ics });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
