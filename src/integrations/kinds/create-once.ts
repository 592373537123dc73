import type { SyncSession } from './connector.js';
import { RemoteFailure } from './connector.js';

export interface RemoteIssue {
  key: string;
  id: string;
}

/**
 * Creates the card's issue at most once. After an attempt whose outcome is unknown (no
 * answer, an unusable 2xx, a 5xx) the issue is looked up by the card's label; an empty
 * lookup proves nothing until `lookupSettleMs` after the attempt (the peer may still be
 * finishing the create, and its search lags, Jira's by seconds to minutes), so until then
 * the run retries the lookup instead of creating a second issue. A refused create (4xx)
 * made nothing and clears the attempt.
 */
export async function createOnce(
  s: SyncSession,
  lookup: () => Promise<RemoteIssue | undefined>,
  create: () => Promise<RemoteIssue>,
): Promise<'found' | 'created'> {
  const attemptedAt = s.card.createAttemptedAt;
  if (attemptedAt) {
    const found = await lookup();
    if (found) {
      await s.linked(found.key, found.id);
      return 'found';
    }
    const waitMs = attemptedAt.getTime() + s.lookupSettleMs - Date.now();
    if (waitMs > 0)
      throw RemoteFailure.wait(
        `the issue of an earlier create attempt is not found yet (search may lag); looking again in ${Math.ceil(waitMs / 1000)} s before creating it`,
        null,
        waitMs,
      );
  }
  await s.createAttempted();
  let created: RemoteIssue;
  try {
    created = await create();
  } catch (err) {
    if (err instanceof RemoteFailure && !err.outcomeUnknown) await s.createRefused();
    throw err;
  }
  await s.linked(created.key, created.id);
  return 'created';
}
