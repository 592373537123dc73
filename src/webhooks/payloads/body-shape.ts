/**
 * What a receiver's body looks like, chosen per endpoint or message:
 * - `envelope` (the default): `{type, timestamp, data}`, as Standard Webhooks senders do;
 * - `flat`: `{...data, timestamp}`, the top-level fields a receiver written for foreman reads
 *   (`job_id`, `state`, ...), with no `type`.
 */
export const BODY_SHAPES = ['envelope', 'flat'] as const;
export type BodyShape = (typeof BODY_SHAPES)[number];
export const DEFAULT_BODY_SHAPE: BodyShape = 'envelope';

/** `JSON.rawJSON` and the reviver's `context.source` (ES2025, Node 21+), not yet in TS's lib. */
const ExactJson = JSON as JSON & {
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
};

/**
 * The body sent, from the envelope the pipeline built for this attempt (`{type, timestamp,
 * data}`, or `{type, timestamp, dataReference}` when data is too large to inline). The last
 * step before signing: whatever rewrites `data` for an attempt runs before it, so both shapes
 * carry the same data.
 *
 * Flat rules (docs/webhooks.md, "Body shape"):
 * - a `timestamp` inside `data` wins: the sender's own value is never overwritten, and the
 *   hub's is added only when data has none;
 * - data too large to inline is sent as `{dataReference, timestamp}`;
 * - a `data` that is not an object (the API refuses one for events and messages, so only a
 *   row written some other way) is sent as `{data, timestamp}` rather than dropped.
 *
 * Numbers keep their exact text (1.10, integers past 2^53): a plain parse and stringify would
 * change what the sender published.
 */
export function shapeBody(envelope: string, shape: BodyShape): string {
  if (shape !== 'flat') return envelope;
  const parsed = JSON.parse(envelope, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined
      ? ExactJson.rawJSON(context.source)
      : value,
  ) as Record<string, unknown>;
  const { timestamp, data, dataReference } = parsed;
  if (dataReference !== undefined) return JSON.stringify({ dataReference, timestamp });
  // A number arrives as a raw JSON object (its exact text), which is no object to spread.
  if (typeof data !== 'object' || data === null || Array.isArray(data) || ExactJson.isRawJSON(data))
    return JSON.stringify({ data: data ?? null, timestamp });
  // Spread (define, not assign): an own `__proto__` key in data stays a key.
  const flat: Record<string, unknown> = { ...data };
  if (!Object.hasOwn(flat, 'timestamp')) flat.timestamp = timestamp;
  return JSON.stringify(flat);
}
