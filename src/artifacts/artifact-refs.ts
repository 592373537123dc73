import type { FieldErrorDto } from '../common/http/problem.js';

/** How many artifacts one event may name (each may become up to a link in every delivery). */
export const MAX_ARTIFACTS_PER_EVENT = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One `{artifactId}` item of an event's `data.artifacts`, with its index there. */
export interface ArtifactRef {
  index: number;
  artifactId: string;
}

function itemsOf(data: unknown): unknown[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const list = (data as { artifacts?: unknown }).artifacts;
  return Array.isArray(list) ? list : [];
}

/**
 * The artifact references in an event's data: the items of `data.artifacts` that are objects
 * with an `artifactId`. Anything else in `data.artifacts` is the publisher's own data and
 * goes out as it came (events from before the artifact store keep working).
 */
export function artifactRefs(data: unknown): ArtifactRef[] {
  const refs: ArtifactRef[] = [];
  itemsOf(data).forEach((item, index) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item) && 'artifactId' in item)
      refs.push({ index, artifactId: String((item as { artifactId: unknown }).artifactId) });
  });
  return refs;
}

/**
 * The shape errors of an event's references (field names under `prefix`, e.g. `[2].`), and
 * the well-formed ids to look up.
 */
export function checkRefShapes(
  data: unknown,
  prefix: string,
): { errors: FieldErrorDto[]; refs: ArtifactRef[] } {
  const errors: FieldErrorDto[] = [];
  const refs: ArtifactRef[] = [];
  const items = itemsOf(data);
  for (const ref of artifactRefs(data)) {
    const item = items[ref.index] as { artifactId: unknown };
    const field = `${prefix}data.artifacts[${ref.index}].artifactId`;
    if (typeof item.artifactId !== 'string' || !UUID.test(item.artifactId))
      errors.push({ field, message: 'must be the id (a UUID) POST /artifacts answered' });
    else refs.push(ref);
  }
  if (refs.length + errors.length > MAX_ARTIFACTS_PER_EVENT)
    errors.push({
      field: `${prefix}data.artifacts`,
      message: `may name at most ${MAX_ARTIFACTS_PER_EVENT} artifacts`,
    });
  return { errors, refs };
}
