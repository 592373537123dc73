/** An exact type (`card.created`), a prefix (`card.*`), or `*`. */
export const EVENT_TYPE_FILTER_PATTERN =
  /^(\*|[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*(\.\*)?)$/;

/**
 * Splits a type filter (an endpoint's eventTypes, a consumer's types) into exact names and SQL LIKE patterns, so fan-out and
 * replay can match in the database. Empty (or `*`) means every event.
 */
export function compileEventTypes(eventTypes: string[]): { exact: string[]; patterns: string[] } {
  if (eventTypes.length === 0 || eventTypes.includes('*')) return { exact: [], patterns: ['%'] };
  const exact = eventTypes.filter((t) => !t.endsWith('.*'));
  const patterns = eventTypes
    .filter((t) => t.endsWith('.*'))
    .map((t) => `${t.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
  return { exact, patterns };
}
