import { registerAs } from '@nestjs/config';
import { IsOptional, IsString } from 'class-validator';
import { validateEnv } from './validate-env.js';

/** The operator console at /console (docs/console.md). */
export class ConsoleEnv {
  /**
   * The built console (index.html and assets/). Default: `dist/console` of the package the
   * app runs from. An absolute path, or relative to the working directory.
   */
  @IsOptional()
  @IsString()
  CONSOLE_DIR?: string;
}

export interface ConsoleConfig {
  /** Undefined: the package's own dist/console. */
  dir: string | undefined;
}

export const consoleConfig = registerAs('console', (): ConsoleConfig => {
  const env = validateEnv(ConsoleEnv, process.env);
  return { dir: env.CONSOLE_DIR };
});
