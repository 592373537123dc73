/**
 * Where a change names its record's space, in mana-sync's order (seed 004, extractSpaceID):
 * the change's own `spaceId`; else `data.spaceId`, which clients older than the `spaceId`
 * field set on inserts; else `fields.spaceId.value`, on an update that touches it. A missing,
 * null or empty value, or one that is not a string, names no space and the next place is
 * read, as in the seed. Without the fallbacks such a client's shared records stayed private.
 */
export interface NamedSpace {
  spaceId: string;
  /** The field it came from, relative to the change, for error messages: `data.spaceId`. */
  field: 'spaceId' | 'data.spaceId' | 'fields.spaceId.value';
}

const named = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The space the change names, or undefined. O(1): three property reads. */
export function namedSpace(c: {
  spaceId?: unknown;
  data?: unknown;
  fields?: unknown;
}): NamedSpace | undefined {
  if (named(c.spaceId)) return { spaceId: c.spaceId, field: 'spaceId' };
  const data = c.data as Record<string, unknown> | null | undefined;
  if (typeof data === 'object' && data !== null && named(data.spaceId))
    return { spaceId: data.spaceId, field: 'data.spaceId' };
  const fields = c.fields as Record<string, unknown> | null | undefined;
  const write = typeof fields === 'object' && fields !== null ? fields.spaceId : undefined;
  if (typeof write === 'object' && write !== null) {
    const value = (write as { value?: unknown }).value;
    if (named(value)) return { spaceId: value, field: 'fields.spaceId.value' };
  }
  return undefined;
}
