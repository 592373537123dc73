import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What a receiver gets instead of `data` when the body would be too large to inline. */
export interface DataReference {
  /** GET it (no other auth needed) for the exact bytes of `data`. */
  url: string;
  /** Bytes at `url`. */
  size: number;
  /** Hex SHA-256 of the bytes at `url`, to check them before use. */
  sha256: string;
  /** After this instant the URL answers 403; a retried delivery carries a fresh one. */
  expiresAt: string;
}

/**
 * The bytes served for a delivery's `data`: the stored body's `data`, serialised. A pure
 * function of the stored payload, so the hash in the signed body and the bytes served later
 * always agree.
 */
export function dataBytes(payload: string): Buffer {
  const { data } = JSON.parse(payload) as { data: unknown };
  return Buffer.from(JSON.stringify(data ?? null), 'utf8');
}

/**
 * The body sent in place of a too-large one: the same `type` and `timestamp`, and
 * `dataReference` where `data` was, so a receiver tells the two apart by the key alone.
 */
export function referenceBody(
  payload: string,
  link: { url: string; expiresAt: Date },
): { body: string; reference: DataReference } {
  const parsed = JSON.parse(payload) as { type: string; timestamp: string };
  const bytes = dataBytes(payload);
  const reference: DataReference = {
    url: link.url,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    expiresAt: link.expiresAt.toISOString(),
  };
  const body = JSON.stringify({
    type: parsed.type,
    timestamp: parsed.timestamp,
    dataReference: reference,
  });
  return { body, reference };
}

/** `<expiry unix seconds>.<base64url HMAC-SHA256 of "deliveryId.expiry">` */
export function signPayloadToken(key: Buffer, deliveryId: string, expiresAt: Date): string {
  const expiry = Math.floor(expiresAt.getTime() / 1000);
  return `${expiry}.${mac(key, deliveryId, expiry).toString('base64url')}`;
}

export function checkPayloadToken(
  key: Buffer,
  deliveryId: string,
  token: string,
  now = new Date(),
): 'ok' | 'expired' | 'invalid' {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return 'invalid';
  const expiry = Number(match[1]);
  const given = Buffer.from(match[2], 'base64url');
  if (!timingSafeEqual(given, mac(key, deliveryId, expiry))) return 'invalid';
  return expiry * 1000 <= now.getTime() ? 'expired' : 'ok';
}

/** The expiry a well-formed token carries (check it first: this does not). */
export function payloadTokenExpiry(token: string): Date {
  return new Date(Number(token.split('.')[0]) * 1000);
}

function mac(key: Buffer, deliveryId: string, expiry: number): Buffer {
  return createHmac('sha256', key).update(`${deliveryId}.${expiry}`).digest();
}
