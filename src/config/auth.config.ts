import { registerAs } from '@nestjs/config';
import { IsOptional, IsString, IsUrl, MinLength, ValidateIf } from 'class-validator';
import { ConfigError, validateEnv } from './validate-env.js';

export class AuthEnv {
  /** Bootstrap admin credential; generated in embedded mode when unset. */
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'must be at least 24 characters' })
  ADMIN_TOKEN?: string;

  /** HS256 key for user JWTs; generated in embedded mode when neither this nor a JWKS URL is set. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  JWT_SECRET?: string;

  @ValidateIf((o: AuthEnv) => o.JWT_JWKS_URL !== undefined)
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  )
  JWT_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;
}

export interface AuthConfig {
  adminToken: string;
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * What a deployment with its own DATABASE_URL must set (embedded mode generates these), as
 * a list, so start-up names every missing value at once.
 */
export function missingAuthVariables(
  env: Pick<AuthEnv, 'ADMIN_TOKEN' | 'JWT_SECRET' | 'JWT_JWKS_URL'>,
): string[] {
  const problems: string[] = [];
  if (!env.ADMIN_TOKEN)
    problems.push('ADMIN_TOKEN: is required when DATABASE_URL is set (got unset)');
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL)
    problems.push(
      'JWT_SECRET or JWT_JWKS_URL: one is required when DATABASE_URL is set (got neither)',
    );
  return problems;
}

export function toAuthConfig(env: AuthEnv): AuthConfig {
  const problems = missingAuthVariables(env);
  if (!env.ADMIN_TOKEN || problems.length > 0) throw new ConfigError(problems);
  return {
    adminToken: env.ADMIN_TOKEN,
    jwtSecret: env.JWT_SECRET,
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
  };
}

export const authConfig = registerAs('auth', () => toAuthConfig(validateEnv(AuthEnv, process.env)));
