import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { appConfig } from '../../config/app.config.js';
import { securityConfig } from '../../config/security.config.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { compactJson } from './compact-json.js';
import { checkPayloadToken, referenceBody, signPayloadToken } from './payload-reference.js';

/**
 * Bodies too large to inline go out as a reference: a URL on this hub, signed with a key
 * derived from SECRET_KEY, so any instance can check it and the receiver needs no other
 * credentials, only the link it was sent in a signed webhook. Links signed under a key now in
 * SECRET_KEY_PREVIOUS stay valid until they expire, so a key rotation breaks no link in flight.
 */
@Injectable()
export class PayloadLinks {
  private readonly logger = new Logger('WebhookPayloads');
  /** The current key signs; every key (current first) checks. */
  private readonly keys: Buffer[];
  private warnedAboutBase = false;

  constructor(
    private readonly http: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.keys = [security.secretKey, ...security.previousKeys].map((k) =>
      createHmac('sha256', k).update('webhook-payload-links').digest(),
    );
  }

  /**
   * The body to sign and send for a stored payload: itself in compact form (the bytes the docs
   * show; PostgreSQL's json output puts spaces after colons and commas), or its reference form.
   */
  bodyFor(deliveryId: string, stored: string): string {
    const payload = compactJson(stored);
    if (Buffer.byteLength(payload, 'utf8') <= this.config.maxInlineBytes) return payload;
    const expiresAt = new Date(Date.now() + this.config.payloadUrlTtlMs);
    const token = signPayloadToken(this.keys[0], deliveryId, expiresAt);
    const url = `${this.baseUrl()}/webhooks/payloads/${deliveryId}?token=${token}`;
    return referenceBody(payload, { url, expiresAt }).body;
  }

  check(deliveryId: string, token: string): 'ok' | 'expired' | 'invalid' {
    for (const key of this.keys) {
      const result = checkPayloadToken(key, deliveryId, token);
      if (result !== 'invalid') return result;
    }
    return 'invalid';
  }

  private baseUrl(): string {
    if (this.app.PUBLIC_URL) return this.app.PUBLIC_URL.replace(/\/+$/, '');
    const address = this.http.httpAdapter?.getHttpServer()?.address() as AddressInfo | null;
    const host =
      !address || ['0.0.0.0', '::'].includes(address.address)
        ? 'localhost'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
    const base = `http://${host}:${address?.port ?? this.app.PORT}`;
    if (!this.warnedAboutBase) {
      this.warnedAboutBase = true;
      this.logger.warn(
        `PUBLIC_URL is not set: large payload references point at ${base}, which receivers on other hosts cannot reach`,
      );
    }
    return base;
  }
}
