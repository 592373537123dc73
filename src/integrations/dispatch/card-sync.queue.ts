/** The job queue that syncs one card of one integration; jobs of a key never overlap. */
export const CARD_SYNC_QUEUE = 'integrations.card-sync';

export interface CardSyncPayload {
  integrationId: string;
  cardId: string;
  [key: string]: unknown;
}

export function cardJobKey(integrationId: string, cardId: string): string {
  return `${integrationId}:${cardId}`.slice(0, 500);
}
