import { registerAs } from '@nestjs/config';
import { IsBoolean, IsOptional, Matches } from 'class-validator';
import { ConfigError, ToBoolean, validateEnv } from './validate-env.js';

export class SecurityEnv {
  /** 32 random bytes, base64: the key of the secret box (AES-256-GCM). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'must be 32 bytes encoded as base64 (44 characters)',
  })
  SECRET_KEY?: string;

  /** Lets outbound HTTP reach loopback and private networks (local development, tests). */
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  OUTBOUND_ALLOW_PRIVATE: boolean = false;
}

export interface SecurityConfig {
  secretKey: Buffer;
  outboundAllowPrivate: boolean;
}

export const securityConfig = registerAs('security', (): SecurityConfig => {
  const env = validateEnv(SecurityEnv, process.env);
  if (!env.SECRET_KEY)
    throw new ConfigError(['SECRET_KEY: is required when DATABASE_URL is set (got unset)']);
  return {
    secretKey: Buffer.from(env.SECRET_KEY, 'base64'),
    outboundAllowPrivate: env.OUTBOUND_ALLOW_PRIVATE,
  };
});
