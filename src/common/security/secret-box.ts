import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { securityConfig } from '../../config/security.config.js';

/**
 * AES-256-GCM for secrets at rest. A sealed value is `v1.<keyId>.<nonce>.<ciphertext+tag>`
 * (base64url parts); the key id (first 8 bytes of SHA-256 of the key) lets a future key
 * rotation tell which key sealed a row.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret box key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest().subarray(0, 8).toString('hex');
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
    if (keyId !== this.keyId)
      throw new Error(`secret was sealed with key ${keyId}, not the configured key ${this.keyId}`);
    const body = Buffer.from(bodyB64, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonceB64, 'base64url'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** The app's secret box, keyed by SECRET_KEY. */
@Injectable()
export class SecretBoxService extends SecretBox {
  constructor(@Inject(securityConfig.KEY) config: ConfigType<typeof securityConfig>) {
    super(config.secretKey);
  }
}
