import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { securityConfig } from '../../config/security.config.js';
import { AppException } from '../http/app.exception.js';

/** A sealed value: `v1.<keyId>.<nonce>.<ciphertext+tag>`. */
const SEALED = /^v1\.([0-9a-f]{16})\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A sealed value that no configured key opens (SECRET_KEY changed against existing data). */
export class SecretUnreadableError extends AppException {
  constructor(message: string) {
    super('secret-unreadable', 409, message);
  }
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('hex');
}

/** The key id inside a sealed value, or undefined for anything else. */
export function sealedKeyId(value: string): string | undefined {
  return SEALED.exec(value)?.[1];
}

/**
 * AES-256-GCM for secrets at rest. A sealed value is `v1.<keyId>.<nonce>.<ciphertext+tag>`
 * (base64url parts); the key id (first 8 bytes of SHA-256 of the key) tells which key sealed
 * it. Seals with the current key; opens with the current or any previous key, so a key can
 * rotate without bricking stored credentials (the re-seal job then moves them over).
 */
export class SecretBox {
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly key: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) {
      if (k.length !== 32) throw new Error('secret box key must be 32 bytes');
      if (!this.keys.has(keyIdOf(k))) this.keys.set(keyIdOf(k), k);
    }
    this.keyId = keyIdOf(key);
  }

  /** Current first, then the previous keys. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return ['v1', this.keyId, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, keyId, nonceB64, bodyB64] = sealed.split('.');
    if (version !== 'v1' || !nonceB64 || !bodyB64) throw new Error('not a sealed secret');
    const key = this.keys.get(keyId);
    if (!key)
      throw new SecretUnreadableError(
        `secret was sealed with key ${keyId}, which is not configured (SECRET_KEY is ${this.keyId}; add the old key to SECRET_KEY_PREVIOUS)`,
      );
    const body = Buffer.from(bodyB64, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonceB64, 'base64url'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** Whether a configured key can open a value sealed with this key id. */
  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }
}

/** The app's secret box: SECRET_KEY seals, SECRET_KEY and SECRET_KEY_PREVIOUS open. */
@Injectable()
export class SecretBoxService extends SecretBox {
  constructor(@Inject(securityConfig.KEY) config: ConfigType<typeof securityConfig>) {
    super(config.secretKey, config.previousKeys);
  }
}
