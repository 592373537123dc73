import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../common/http/validation.js';
import { keepsStoredSecret, REDACTED } from '../common/security/redaction.js';
import { SecretBoxService } from '../common/security/secret-box.js';
import type { IntegrationEntity } from './integration.entity.js';
import { IntegrationsException } from './integrations.exception.js';
import type { Connector } from './kinds/connector.js';
import { connectorFor } from './kinds/connectors.js';

export type OpenedConfig =
  { config: Record<string, unknown>; error: null } | { config: null; error: string };

/**
 * An integration's config: validated per kind, sealed whole at rest, shown with its secret
 * fields as a fixed placeholder, and merged on PATCH so an echoed placeholder keeps the
 * stored secret.
 */
@Injectable()
export class IntegrationConfigService {
  constructor(private readonly box: SecretBoxService) {}

  connector(kind: string): Connector<object> {
    const c = connectorFor(kind);
    if (!c)
      throw IntegrationsException.invalidConfig([
        { field: 'kind', message: `unknown kind ${kind}` },
      ]);
    return c;
  }

  /** Validated, with defaults; a 400 naming `config.<field>` otherwise. */
  validate(kind: string, raw: unknown): Record<string, unknown> {
    const connector = this.connector(kind);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw IntegrationsException.invalidConfig([
        { field: 'config', message: 'must be an object' },
      ]);
    const instance = plainToInstance(connector.configClass, raw);
    const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length)
      throw IntegrationsException.invalidConfig(flattenValidationErrors(errors, 'config'));
    return connector.withDefaults({ ...(raw as object) }) as Record<string, unknown>;
  }

  seal(config: Record<string, unknown>): string {
    return this.box.seal(JSON.stringify(config));
  }

  open(entity: Pick<IntegrationEntity, 'configSealed'>): OpenedConfig {
    try {
      return {
        config: JSON.parse(this.box.open(entity.configSealed)) as Record<string, unknown>,
        error: null,
      };
    } catch (err) {
      return { config: null, error: (err as Error).message };
    }
  }

  redact(kind: string, config: Record<string, unknown>): Record<string, unknown> {
    const out = { ...config };
    for (const field of this.connector(kind).secretFields)
      if (out[field] !== undefined) out[field] = REDACTED;
    return out;
  }

  /**
   * A PATCH's config over the stored one; secret fields sent as the placeholder (or left
   * out) keep theirs, unless the base URL moves to another origin (scheme, host, port): a
   * stored secret goes only to the origin it was given for, so the new one needs it again.
   */
  merge(
    kind: string,
    stored: Record<string, unknown> | null,
    patch: Record<string, unknown>,
  ): unknown {
    const connector = this.connector(kind);
    const secrets = connector.secretFields as readonly string[];
    const merged: Record<string, unknown> = { ...(stored ?? {}), ...patch };
    const from = stored && originOf(connector, stored);
    const to = originOf(connector, merged);
    if (from && to && from !== to) {
      const missing = secrets.filter(
        (f) => typeof patch[f] !== 'string' || keepsStoredSecret(patch[f] as string),
      );
      if (missing.length)
        throw IntegrationsException.invalidConfig(
          missing.map((f) => ({
            field: `config.${f}`,
            message: `baseUrl moves from ${from} to ${to}: send the secret itself, the stored one stays with ${from}`,
          })),
        );
    }
    for (const field of secrets)
      if (patch[field] === REDACTED) {
        if (!stored)
          throw IntegrationsException.invalidConfig([
            {
              field: `config.${field}`,
              message: 'the stored value cannot be opened; send the secret itself',
            },
          ]);
        merged[field] = stored[field];
      }
    return merged;
  }
}

/** The origin the connector would send credentials to, or null when the URL does not parse. */
function originOf(connector: Connector<object>, config: Record<string, unknown>): string | null {
  try {
    return new URL(connector.baseUrl(connector.withDefaults(config))).origin;
  } catch {
    return null;
  }
}
