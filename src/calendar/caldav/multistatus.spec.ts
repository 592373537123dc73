import { OverBudgetError } from './caldav-budget.js';
import { hasResourceType, hrefIn, parseMultistatus, supportedComponents } from './multistatus.js';

// Radicale puts DAV: in the default namespace; Xandikos prefixes everything (ns0:, ns1:).
const RADICALE = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/alice/hub%20cal/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Work &amp; more</displayname><C:supported-calendar-component-set><C:comp name="VTODO" /><C:comp name="VEVENT" /></C:supported-calendar-component-set><sync-token>http://radicale.org/ns/sync/abc</sync-token></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><C:calendar-home-set /></prop><status>HTTP/1.1 404 Not Found</status></propstat></response></multistatus>`;

const XANDIKOS_SYNC = `<ns0:multistatus xmlns:ns0="DAV:"><ns0:response><ns0:href>/alice/calendars/calendar/a.ics</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>"e1"</ns0:getetag></ns0:prop></ns0:propstat></ns0:response><ns0:response><ns0:href>/alice/calendars/calendar/b.ics</ns0:href><ns0:status>HTTP/1.1 404 Not Found</ns0:status></ns0:response><ns0:sync-token>tok-2</ns0:sync-token></ns0:multistatus>`;

describe('parseMultistatus', () => {
  it('reads Radicale properties without prefixes, decodes hrefs, ignores 404 propstats', () => {
    const ms = parseMultistatus(RADICALE);
    expect(ms.responses).toHaveLength(1);
    const [r] = ms.responses;
    expect(r.href).toBe('/alice/hub cal/');
    expect(hasResourceType(r.props, 'calendar')).toBe(true);
    expect(r.props.displayname).toBe('Work & more');
    expect(supportedComponents(r.props)).toEqual(['VTODO', 'VEVENT']);
    expect(r.props['calendar-home-set']).toBeUndefined();
  });

  it('reads a Xandikos sync-collection answer: changes, deletions and the new token', () => {
    const ms = parseMultistatus(XANDIKOS_SYNC);
    expect(ms.syncToken).toBe('tok-2');
    expect(ms.responses.map((r) => [r.href, r.status, r.props.getetag ?? null])).toEqual([
      ['/alice/calendars/calendar/a.ics', null, '"e1"'],
      ['/alice/calendars/calendar/b.ics', 404, null],
    ]);
  });

  it('finds the href inside a property', () => {
    const ms = parseMultistatus(
      `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/alice/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
    );
    expect(hrefIn(ms.responses[0].props['current-user-principal'])).toBe('/alice/');
  });

  it('refuses a document that is not a multistatus', () => {
    expect(() => parseMultistatus('<html><body>login</body></html>')).toThrow(/multistatus/);
  });

  it('refuses an answer listing more objects than the budget', () => {
    const response =
      '<d:response><d:href>/c/x.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>';
    const xml = `<d:multistatus xmlns:d="DAV:">${response.repeat(20_001)}</d:multistatus>`;
    expect(() => parseMultistatus(xml)).toThrow(
      new OverBudgetError(
        'answer_objects',
        'the answer lists 20001 objects, over the budget of 20000',
      ),
    );
    expect(
      parseMultistatus(`<d:multistatus xmlns:d="DAV:">${response.repeat(20_000)}</d:multistatus>`)
        .responses,
    ).toHaveLength(20_000);
  });
});
