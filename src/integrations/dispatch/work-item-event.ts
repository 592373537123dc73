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

/**
 * The card fields an event carries, taking only well-typed values: a publisher's stray
 * number in `title` is ignored, not synced as "42" nor allowed to fail the batch.
 */
export function cardFields(event: HubEvent): CardFields {
  const d = event.data ?? {};
  const str = (v: unknown, max = MAX_TEXT) => (typeof v === 'string' ? v.slice(0, max) : undefined);
  const created = typeof d.createdAt === 'string' ? new Date(d.createdAt) : undefined;
  return {
    title: str(d.title, 1000),
    description: str(d.description),
    column: str(d.column, 200),
    tags: Array.isArray(d.tags)
      ? d.tags.filter((t): t is string => typeof t === 'string').slice(0, 100)
      : undefined,
    assignee: d.assignee === null ? null : str(d.assignee, 500),
    url:
      d.url === null
        ? null
        : typeof d.url === 'string' && /^https?:\/\//i.test(d.url)
          ? d.url.slice(0, 2048)
          : undefined,
    createdAt: created && !Number.isNaN(created.getTime()) ? created : undefined,
  };
}

export function messageOf(
  event: HubEvent,
): { messageId: string; body: string; author: string | null } | undefined {
  const d = event.data ?? {};
  if (typeof d.body !== 'string' || !d.body.trim()) return undefined;
  const id = typeof d.id === 'string' && d.id ? d.id : `event:${event.id}`;
  return {
    messageId: id.slice(0, 500),
    body: d.body.slice(0, MAX_TEXT),
    author: typeof d.author === 'string' ? d.author.slice(0, 500) : null,
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
