import { Ajv, type ValidateFunction } from 'ajv';
import type { HubEvent } from '../../events/index.js';
import type { CardFields } from '../cards/card.repository.js';

/** The work-item contract (docs/integrations.md): what publishers send, subject = card id. */
export const CARD_EVENT_TYPES = [
  'card.created',
  'card.updated',
  'card.moved',
  'card.deleted',
] as const;
export const MESSAGE_CREATED = 'message.created';
export const BOARD_INVALIDATED = 'board.invalidated';
export const WORK_ITEM_EVENT_TYPES = [...CARD_EVENT_TYPES, MESSAGE_CREATED, BOARD_INVALIDATED];

const MAX_TEXT = 100_000;

// allErrors: every field at fault is reported, so each one is ignored on its own.
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
// The contract says ISO 8601; the hub has always taken any date that `new Date()` can read.
ajv.addFormat('date-parsable', {
  type: 'string',
  validate: (s: string) => !Number.isNaN(new Date(s).getTime()),
});

/** `data` of a card event: what each field must be to be taken (docs/integrations.md). */
export const CARD_DATA_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    column: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    assignee: { type: ['string', 'null'] },
    url: { type: ['string', 'null'], pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' },
    createdAt: { type: 'string', format: 'date-parsable' },
  },
} as const;

/** `data` of `message.created`: a body that is not blank; `id` and `author` optional. */
export const MESSAGE_DATA_SCHEMA = {
  type: 'object',
  required: ['body'],
  properties: {
    // At least one non-whitespace character (\s is the set String#trim removes).
    body: { type: 'string', pattern: '\\S' },
    id: { type: 'string', minLength: 1 },
    author: { type: 'string' },
  },
} as const;

const validCardData = ajv.compile(CARD_DATA_SCHEMA);
const validMessageData = ajv.compile(MESSAGE_DATA_SCHEMA);

/**
 * The places in `data` that break the schema, as JSON Pointers: `/title`, `/tags/2`, or ``
 * when `data` itself is at fault.
 */
function faultsOf(validate: ValidateFunction, data: unknown): Set<string> {
  if (validate(data)) return new Set();
  return new Set((validate.errors ?? []).map((e) => e.instancePath));
}

/**
 * The card fields an event carries, taking only values that fit CARD_DATA_SCHEMA: a
 * publisher's stray number in `title` is ignored, not synced as "42" nor allowed to fail the
 * batch; a tag that is no string is dropped from the list. Long text is cut, not refused.
 */
export function cardFields(event: HubEvent): CardFields {
  const d = event.data ?? {};
  const faults = faultsOf(validCardData, d);
  const valid = (path: string) => !faults.has('') && !faults.has(path);
  const str = (field: string, max: number) => {
    const v = d[field];
    return typeof v === 'string' && valid(`/${field}`) ? v.slice(0, max) : undefined;
  };
  const tags = d.tags;
  return {
    title: str('title', 1000),
    description: str('description', MAX_TEXT),
    column: str('column', 200),
    tags:
      Array.isArray(tags) && valid('/tags')
        ? tags.filter((t: unknown, i): t is string => valid(`/tags/${i}`)).slice(0, 100)
        : undefined,
    assignee: d.assignee === null && valid('/assignee') ? null : str('assignee', 500),
    url: d.url === null && valid('/url') ? null : str('url', 2048),
    createdAt:
      typeof d.createdAt === 'string' && valid('/createdAt') ? new Date(d.createdAt) : undefined,
  };
}

/** The message an event carries, when its data fits MESSAGE_DATA_SCHEMA. */
export function messageOf(
  event: HubEvent,
): { messageId: string; body: string; author: string | null } | undefined {
  const d = event.data ?? {};
  const faults = faultsOf(validMessageData, d);
  if (faults.has('') || faults.has('/body')) return undefined;
  const id = typeof d.id === 'string' && !faults.has('/id') ? d.id : `event:${event.id}`;
  return {
    messageId: id.slice(0, 500),
    body: (d.body as string).slice(0, MAX_TEXT),
    author: typeof d.author === 'string' && !faults.has('/author') ? d.author.slice(0, 500) : null,
  };
}

export function hasTag(tags: readonly string[], tag: string): boolean {
  const t = tag.toLowerCase();
  return tags.some((x) => x.toLowerCase() === t);
}

/** Does an integration's eventFilter (exact types, `card.*` prefixes, `*`) take this type? */
export function filterMatches(filter: readonly string[], type: string): boolean {
  return filter.some(
    (f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))),
  );
}
