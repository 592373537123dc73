import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { authConfig } from '../../config/auth.config.js';
import { AuthException } from './auth.exception.js';

type KeyInput = Parameters<typeof jwtVerify>[1];

/** Verifies user JWTs (HS256 secret or a JWKS URL) and mints them when we hold the secret. */
@Injectable()
export class UserTokensService {
  private readonly key: KeyInput;
  private readonly secret?: Uint8Array;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    if (config.jwtSecret) {
      this.secret = new TextEncoder().encode(config.jwtSecret);
      this.key = this.secret;
    } else {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl as string)) as unknown as KeyInput;
    }
  }

  async verify(token: string): Promise<string> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: this.secret ? ['HS256'] : undefined,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw AuthException.unauthorized(describeJwtError(err));
    }
    if (!payload.sub) throw AuthException.unauthorized('token has no sub claim');
    return payload.sub;
  }

  async mint(userId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    if (!this.secret) throw AuthException.jwtSecretMissing();
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    let jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(exp);
    if (this.config.issuer) jwt = jwt.setIssuer(this.config.issuer);
    if (this.config.audience) jwt = jwt.setAudience(this.config.audience);
    return { token: await jwt.sign(this.secret), expiresAt: new Date(exp * 1000) };
  }
}

function describeJwtError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token has expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `token claim "${err.claim}" is not accepted (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  return 'token is not a valid JWT';
}
