import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { appConfig } from '../../config/app.config.js';
import { securityConfig } from '../../config/security.config.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { ArtifactLink, DeliveryArtifacts, NO_ARTIFACTS, withArtifacts } from './artifact-data.js';
import { compactJson } from './compact-json.js';
import {
  checkPayloadToken,
  dataBytes,
  payloadTokenExpiry,
  referenceBody,
  signPayloadToken,
} from './payload-reference.js';

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
   * show; PostgreSQL's json output puts spaces after colons and commas), or its reference form
   * when the event's own data is too large. The artifacts it names are expanded either way
   * (artifact-data.ts); their bytes never count towards the reference threshold.
   */
  bodyFor(deliveryId: string, stored: string, artifacts: DeliveryArtifacts = NO_ARTIFACTS): string {
    const payload = compactJson(stored);
    // Whole seconds, as the tokens hold it: the data behind a reference is rebuilt from it.
    const expiresAt = new Date(
      Math.floor((Date.now() + this.config.payloadUrlTtlMs) / 1000) * 1000,
    );
    const link = (artifactId: string) => this.artifactLink(deliveryId, artifactId, expiresAt);
    if (Buffer.byteLength(payload, 'utf8') <= this.config.maxInlineBytes)
      return withArtifacts(payload, artifacts, link);
    const token = signPayloadToken(this.keys[0], deliveryId, expiresAt);
    const url = `${this.baseUrl()}/webhooks/payloads/${deliveryId}?token=${token}`;
    const linked = withArtifacts(payload, { ...artifacts, contents: new Map() }, link);
    return referenceBody(linked, { url, expiresAt }).body;
  }

  /**
   * The bytes behind a delivery's `dataReference` (its token already checked): what bodyFor
   * hashed, its artifact links signed with the token's expiry and key (a key since moved to
   * SECRET_KEY_PREVIOUS included), so the hash still matches.
   */
  referencedData(
    deliveryId: string,
    stored: string,
    artifacts: DeliveryArtifacts,
    token: string,
  ): Buffer {
    const key = this.keys.find((k) => checkPayloadToken(k, deliveryId, token) !== 'invalid');
    const expiresAt = payloadTokenExpiry(token);
    const link = (artifactId: string) =>
      this.artifactLink(deliveryId, artifactId, expiresAt, key ?? this.keys[0]);
    return dataBytes(withArtifacts(stored, { ...artifacts, contents: new Map() }, link));
  }

  check(deliveryId: string, token: string): 'ok' | 'expired' | 'invalid' {
    for (const key of this.keys) {
      const result = checkPayloadToken(key, deliveryId, token);
      if (result !== 'invalid') return result;
    }
    return 'invalid';
  }

  checkArtifact(deliveryId: string, artifactId: string, token: string) {
    return this.check(artifactSubject(deliveryId, artifactId), token);
  }

  /** A link to one artifact of one delivery: the token is bound to both ids. */
  private artifactLink(
    deliveryId: string,
    artifactId: string,
    expiresAt: Date,
    key = this.keys[0],
  ): ArtifactLink {
    const token = signPayloadToken(key, artifactSubject(deliveryId, artifactId), expiresAt);
    return {
      url: `${this.baseUrl()}/webhooks/payloads/${deliveryId}/artifacts/${artifactId}?token=${token}`,
      expiresAt,
    };
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

/** What an artifact link's token signs: never a bare delivery id, so neither opens the other. */
function artifactSubject(deliveryId: string, artifactId: string): string {
  return `${deliveryId}/artifacts/${artifactId}`;
}
