import { xmlText } from './caldav-client.js';

const HEAD = '<?xml version="1.0" encoding="utf-8"?>';
const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"';

/** Request bodies of the DAV calls, one place so their namespaces stay right. */
export const DavBodies = {
  principal: `${HEAD}<d:propfind ${NS}><d:prop><d:current-user-principal/></d:prop></d:propfind>`,
  homeSet: `${HEAD}<d:propfind ${NS}><d:prop><c:calendar-home-set/></d:prop></d:propfind>`,
  calendars: `${HEAD}<d:propfind ${NS}><d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><d:sync-token/></d:prop></d:propfind>`,
  etags: `${HEAD}<d:propfind ${NS}><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>`,
  syncCollection: (token: string | null) =>
    `${HEAD}<d:sync-collection ${NS}><d:sync-token>${token ? xmlText(token) : ''}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
  multiget: (hrefs: string[]) =>
    `${HEAD}<c:calendar-multiget ${NS}><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs
      .map((h) => `<d:href>${xmlText(encodeURI(h))}</d:href>`)
      .join('')}</c:calendar-multiget>`,
  mkcalendar: (displayName: string) =>
    `${HEAD}<c:mkcalendar ${NS}><d:set><d:prop><d:displayname>${xmlText(displayName)}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>`,
};
