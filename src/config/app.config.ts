import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { ToInt, validateEnv } from './validate-env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PORT_RULE = 'must be an integer between 0 and 65535';

export class AppEnv {
  /** HTTP port; 0 picks a free one (tests). */
  @ToInt()
  @IsInt({ message: PORT_RULE })
  @Min(0, { message: PORT_RULE })
  @Max(65535, { message: PORT_RULE })
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** Where the embedded PostgreSQL and generated secrets live. */
  @IsString()
  DATA_DIR: string = '.data';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /**
   * The base URL other systems reach this hub at (e.g. https://hub.example.com), used in
   * links the hub hands out such as large webhook payload references. Unset: the address the
   * server is bound to, which only works for receivers on the same host.
   */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an absolute http(s) URL such as https://hub.example.com' },
  )
  PUBLIC_URL?: string;

  /** Upper bound for draining in-flight work on SIGTERM. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS: number = 10000;
}

export const appConfig = registerAs('app', () => validateEnv(AppEnv, process.env));
export type AppConfig = AppEnv;
