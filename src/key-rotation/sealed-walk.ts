import { sealedKeyId } from '../common/security/secret-box.js';

/**
 * Visits every sealed string in a column value (text, or nested in JSON) and lets `map`
 * replace it. Returns the new value and whether anything changed; `onSealed` sees each key
 * id first, for counting.
 */
export function walkSealed(
  value: unknown,
  map: (sealed: string, keyId: string) => string,
): { value: unknown; changed: boolean } {
  let changed = false;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const keyId = sealedKeyId(v);
      if (!keyId) return v;
      const next = map(v, keyId);
      if (next !== v) changed = true;
      return next;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  const out = visit(value);
  return { value: changed ? out : value, changed };
}
