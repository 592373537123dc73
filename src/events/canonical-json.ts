/**
 * One text per JSON value: object keys sorted (by UTF-16 code unit, as Array.prototype.sort
 * does), arrays in order, no whitespace. Two bodies that parse to the same value give the same
 * text, whatever their key order or spacing.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value ?? null));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
