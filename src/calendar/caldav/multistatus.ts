import { XMLParser } from 'fast-xml-parser';
import { CALDAV_BUDGET, OverBudgetError } from './caldav-budget.js';

/** One `<response>` of a 207 Multi-Status (RFC 4918 section 13). */
export interface DavResponse {
  href: string;
  /** The response's own status (sync-collection deletions, multiget misses), if any. */
  status: number | null;
  /** Properties found (a 200 propstat), keyed by local name without namespace prefix. */
  props: Record<string, unknown>;
}

export interface Multistatus {
  responses: DavResponse[];
  /** `sync-token` at the top level of a sync-collection answer (RFC 6578 section 6.4). */
  syncToken: string | null;
}

// Namespace prefixes differ per server (Radicale `C:`, Xandikos `ns1:`, no prefix for DAV:
// on Radicale), so names are compared without them.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  isArray: (name, jpath) =>
    ['multistatus.response', 'multistatus.response.propstat', 'multistatus.response.href'].includes(
      String(jpath),
    ) ||
    name === 'comp' ||
    name === 'supported-report',
  processEntities: true,
});

export function parseMultistatus(xml: string): Multistatus {
  const doc = parser.parse(xml) as { multistatus?: Record<string, unknown> };
  const root = doc.multistatus;
  if (!root || typeof root !== 'object') throw new Error('not a DAV multistatus document');
  const responses: DavResponse[] = [];
  const listed = (root.response as Record<string, unknown>[] | undefined) ?? [];
  if (listed.length > CALDAV_BUDGET.maxResponses)
    throw new OverBudgetError(
      'answer_objects',
      `the answer lists ${listed.length} objects, over the budget of ${CALDAV_BUDGET.maxResponses}`,
    );
  for (const r of listed) {
    const hrefs = (r.href as unknown[] | undefined) ?? [];
    const status = parseStatus(r.status);
    const props: Record<string, unknown> = {};
    for (const ps of (r.propstat as Record<string, unknown>[] | undefined) ?? []) {
      const code = parseStatus(ps.status);
      if (code !== null && code >= 200 && code < 300 && ps.prop && typeof ps.prop === 'object')
        Object.assign(props, ps.prop);
    }
    for (const href of hrefs) responses.push({ href: decodeHref(textOf(href)), status, props });
  }
  const token = root['sync-token'];
  return { responses, syncToken: token === undefined ? null : textOf(token) || null };
}

function parseStatus(raw: unknown): number | null {
  const m = /HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(textOf(raw));
  return m ? Number(m[1]) : null;
}

/** The text of an element, whether the parser gave a string or an object with `#text`. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && '#text' in value)
    return textOf((value as { '#text': unknown })['#text']);
  return '';
}

/** The first `<href>` inside a property (current-user-principal, calendar-home-set). */
export function hrefIn(prop: unknown): string | null {
  if (!prop || typeof prop !== 'object') return null;
  const href = (prop as { href?: unknown }).href;
  const first = Array.isArray(href) ? href[0] : href;
  const text = textOf(first);
  return text ? decodeHref(text) : null;
}

/** Whether `<resourcetype>` holds the named element (`calendar`, `collection`). */
export function hasResourceType(props: Record<string, unknown>, type: string): boolean {
  const rt = props.resourcetype;
  return !!rt && typeof rt === 'object' && type in rt;
}

/** Component names of `supported-calendar-component-set`, or null when not reported. */
export function supportedComponents(props: Record<string, unknown>): string[] | null {
  const set = props['supported-calendar-component-set'];
  if (!set || typeof set !== 'object') return null;
  const comps = (set as { comp?: { '@name'?: string }[] }).comp ?? [];
  return comps.map((c) => String(c['@name'] ?? '').toUpperCase()).filter(Boolean);
}

// Servers percent-encode hrefs differently; compare paths in one decoded form.
function decodeHref(href: string): string {
  try {
    return decodeURI(href.trim());
  } catch {
    return href.trim();
  }
}
