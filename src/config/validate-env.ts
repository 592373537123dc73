import { plainToInstance, Transform } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/** Thrown at start-up when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates one concern's variables. Empty strings count as unset, so `FOO=` in a compose
 * file falls back to the default instead of failing an @IsInt().
 */
export function validateEnv<T extends object>(schema: new () => T, env: Env): T {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const instance = plainToInstance(schema, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(errors.map((e) => describe(e, cleaned)));
  return instance;
}

function describe(error: ValidationError, env: Env): string {
  const rules = [...new Set(Object.values(error.constraints ?? {}))].join('; ');
  const got = env[error.property];
  const shown =
    got === undefined
      ? 'unset'
      : isSensitive(error.property)
        ? 'a hidden value'
        : JSON.stringify(got);
  return `${error.property}: ${rules} (got ${shown})`;
}

/** Variables whose values never appear in messages or logs. */
export function isSensitive(name: string): boolean {
  return /TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL/.test(name);
}

/** Parses env booleans: true/false/1/0/yes/no; anything else stays a string and fails @IsBoolean. */
export const ToBoolean = () =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    return value;
  });

/** Parses env integers strictly: "12abc" stays a string and fails @IsInt. */
export const ToInt = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
  );
