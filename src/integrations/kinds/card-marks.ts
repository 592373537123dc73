import { createHash } from 'node:crypto';

/** The label that finds a card's remote issue again (labels may not contain spaces). */
export function cardLabel(cardId: string): string {
  return `hub-card-${createHash('sha256').update(cardId).digest('hex').slice(0, 24)}`;
}

/** What was last sent of a card's fields, to skip an update that changes nothing. */
export function fieldsHash(...fields: string[]): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}
