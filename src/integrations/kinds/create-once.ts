import type { SyncInput, SyncMark } from './connector.js';
import { RemoteFailure } from './connector.js';

export interface RemoteIssue {
  key: string;
  id: string;
}

/** The card's issue, and whether this run made it (not found from an earlier attempt). */
export interface LinkedIssue {
  issue: RemoteIssue;
  created: boolean;
}

/**
 * Creates the card's issue at most once. After an attempt whose outcome is unknown (no
 * answer, an unusable 2xx, a 5xx) the issue is looked up by the card's label; an empty
 * lookup proves nothing until `lookupSettleMs` after the attempt (the peer may still be
 * finishing the create, and its search lags, Jira's by seconds to minutes), so until then
 * the run retries the lookup instead of creating a second issue. A refused create (4xx)
 * made nothing and clears the attempt. Yields the marks (attempted, refused, linked) as they
 * happen: the attempt is stored before the create is sent.
 */
export async function* createOnce(
  { card, lookupSettleMs }: SyncInput,
  lookup: () => Promise<RemoteIssue | undefined>,
  create: () => Promise<RemoteIssue>,
): AsyncGenerator<SyncMark, LinkedIssue, undefined> {
  const attemptedAt = card.createAttemptedAt;
  if (attemptedAt) {
    const found = await lookup();
    if (found) {
      yield { mark: 'linked', remoteKey: found.key, remoteId: found.id };
      return { issue: found, created: false };
    }
    const waitMs = attemptedAt.getTime() + lookupSettleMs - Date.now();
    if (waitMs > 0)
      throw RemoteFailure.wait(
        `the issue of an earlier create attempt is not found yet (search may lag); looking again in ${Math.ceil(waitMs / 1000)} s before creating it`,
        null,
        waitMs,
      );
  }
  yield { mark: 'createAttempted' };
  let created: RemoteIssue;
  try {
    created = await create();
  } catch (err) {
    if (err instanceof RemoteFailure && !err.outcomeUnknown) yield { mark: 'createRefused' };
    throw err;
  }
  yield { mark: 'linked', remoteKey: created.key, remoteId: created.id };
  return { issue: created, created: true };
}

/**
 * The card's issue: the one it is linked to, or else one found or made through createOnce.
 * A made issue was sent the card's fields, so it yields them as synced (`hash`); the answer
 * says which fields hash the issue now has, for the connector's update check.
 */
export async function* cardIssue(
  input: SyncInput,
  hash: string,
  lookup: () => Promise<RemoteIssue | undefined>,
  create: () => Promise<RemoteIssue>,
): AsyncGenerator<SyncMark, { issue: RemoteIssue; syncedHash: string | null }, undefined> {
  const { card } = input;
  if (card.remoteKey)
    return {
      issue: { key: card.remoteKey, id: card.remoteId! },
      syncedHash: card.syncedFieldsHash,
    };
  const { issue, created } = yield* createOnce(input, lookup, create);
  if (!created) return { issue, syncedHash: card.syncedFieldsHash };
  yield { mark: 'fieldsSynced', hash };
  return { issue, syncedHash: hash };
}
