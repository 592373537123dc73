import { registerAs } from '@nestjs/config';
import { IsBoolean, IsOptional, IsString, Matches, registerDecorator } from 'class-validator';
import { isAllowHostEntry } from './allow-host-entry.js';
import { ConfigError, ToBoolean, validateEnv } from './validate-env.js';

export class SecurityEnv {
  /** 32 random bytes, base64: the key of the secret box (AES-256-GCM). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'must be 32 bytes encoded as base64 (44 characters)',
  })
  SECRET_KEY?: string;

  /**
   * Earlier SECRET_KEYs, comma-separated: values they sealed still open, and the re-seal job
   * moves them to SECRET_KEY. Remove a key once GET /admin/secrets/status counts none.
   */
  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9+/]{43}=\s*(,\s*[A-Za-z0-9+/]{43}=\s*)*$/, {
    message: 'must be comma-separated keys of 32 bytes encoded as base64 (44 characters each)',
  })
  SECRET_KEY_PREVIOUS?: string;

  /** Lets outbound HTTP reach loopback and private networks (local development, tests). */
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  OUTBOUND_ALLOW_PRIVATE: boolean = false;

  /**
   * Comma-separated hostnames (`jira.corp.example`, `*.corp.example`), addresses or CIDRs
   * outbound HTTP may reach although they are private (a Jira Server or CalDAV on the LAN).
   */
  @IsOptional()
  @IsString()
  @IsAllowHostList()
  OUTBOUND_ALLOW_HOSTS?: string;
}

function IsAllowHostList() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAllowHostList',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.split(',').every((e) => !e.trim() || isAllowHostEntry(e)),
        defaultMessage: () =>
          'must be a comma-separated list of hostnames (optionally *.domain), IP addresses or CIDRs',
      },
    });
}

export interface SecurityConfig {
  secretKey: Buffer;
  previousKeys: Buffer[];
  outboundAllowPrivate: boolean;
  outboundAllowHosts: string[];
}

/** What a deployment with its own DATABASE_URL must set (embedded mode generates it). */
export function missingSecurityVariables(env: Pick<SecurityEnv, 'SECRET_KEY'>): string[] {
  return env.SECRET_KEY ? [] : ['SECRET_KEY: is required when DATABASE_URL is set (got unset)'];
}

export const securityConfig = registerAs('security', (): SecurityConfig => {
  const env = validateEnv(SecurityEnv, process.env);
  if (!env.SECRET_KEY) throw new ConfigError(missingSecurityVariables(env));
  return {
    secretKey: Buffer.from(env.SECRET_KEY, 'base64'),
    previousKeys: (env.SECRET_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => Buffer.from(k, 'base64')),
    outboundAllowPrivate: env.OUTBOUND_ALLOW_PRIVATE,
    outboundAllowHosts: (env.OUTBOUND_ALLOW_HOSTS ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean),
  };
});
