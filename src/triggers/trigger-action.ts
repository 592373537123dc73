import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ValidationFailedException } from '../common/http/validation.js';
import { assertCredentialsStay } from '../common/security/credential-origin.js';
import { isSensitiveName, keepsStoredSecret, REDACTED } from '../common/security/redaction.js';
import { SecretBoxService } from '../common/security/secret-box.js';
import {
  Checked,
  DEFAULT_SIGNATURE,
  DeliveryService,
  type EndpointSignature,
  resolveSignature,
} from '../webhooks/index.js';
import { WebhookActionDto } from './dto/trigger-requests.dto.js';
import type { TriggerActionDto } from './dto/trigger.dto.js';

/** An action with its secret and header values sealed, as stored. */
export interface SealedAction {
  url: string;
  secretSealed: string;
  headers: Record<string, string>;
  signature: EndpointSignature;
}

/** An action in clear, for the delivery target and for test sends. */
export interface PlainAction {
  url: string;
  secret: string;
  headers: Record<string, string>;
  signature: EndpointSignature;
}

/**
 * The webhook action's secrets: sealed at rest, redacted in reads, and the placeholder a read
 * shows (`[redacted]`, for the secret also the deprecated `********`) swapped back for the
 * stored values when a PATCH or a test send echoes it, so editing a trigger in a form never
 * loses or leaks its secret.
 */
@Injectable()
export class TriggerActionSecrets {
  constructor(
    private readonly box: SecretBoxService,
    private readonly deliveries: DeliveryService,
  ) {}

  /**
   * The action to use, in clear: the given one with placeholders resolved against the stored
   * one (none for a new trigger: a placeholder is then an error), checked for the delivery
   * target: the URL by the SSRF guard (a 422 naming `action.url`). A signature left out keeps
   * the stored one (an older client must not switch a receiver's scheme by omission). Call it
   * before any transaction: the check resolves DNS.
   */
  async resolve(given: WebhookActionDto, stored?: SealedAction): Promise<Checked<PlainAction>> {
    const secret =
      given.secret === undefined || keepsStoredSecret(given.secret)
        ? stored
          ? this.box.open(stored.secretSealed)
          : given.secret === undefined
            ? `whsec_${randomBytes(32).toString('base64')}`
            : placeholderError('action.secret')
        : given.secret;
    if (stored) {
      const kept = Object.entries(given.headers ?? {}).filter(([, v]) => v === REDACTED);
      assertCredentialsStay(
        stored.url,
        given.url,
        kept.map(([n]) => n),
        'action.headers.',
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(given.headers ?? {})) {
      if (value !== REDACTED) headers[name] = value;
      else {
        const kept = stored?.headers[name.toLowerCase()] ?? stored?.headers[name];
        headers[name] = kept ? this.box.open(kept) : placeholderError(`action.headers.${name}`);
      }
    }
    const signature = given.signature
      ? resolveSignature(given.signature)
      : (stored?.signature ?? DEFAULT_SIGNATURE);
    return this.deliveries.checkTarget({ url: given.url, secret, headers, signature }, 'action.');
  }

  /** The stored action in clear, checked again (the address policy or DNS may have changed). */
  recheck(stored: SealedAction): Promise<Checked<PlainAction>> {
    return this.deliveries.checkTarget(this.open(stored), 'action.');
  }

  seal(action: PlainAction): SealedAction {
    return {
      url: action.url,
      secretSealed: this.box.seal(action.secret),
      headers: Object.fromEntries(
        Object.entries(action.headers).map(([k, v]) => [k.toLowerCase(), this.box.seal(v)]),
      ),
      signature: action.signature,
    };
  }

  open(action: SealedAction): PlainAction {
    return {
      url: action.url,
      secret: this.box.open(action.secretSealed),
      headers: Object.fromEntries(
        Object.entries(action.headers).map(([k, v]) => [k, this.box.open(v)]),
      ),
      signature: action.signature,
    };
  }

  /** What reads show: the secret and credential-like header values redacted. */
  display(action: SealedAction): TriggerActionDto {
    return {
      type: 'webhook',
      url: action.url,
      secret: REDACTED,
      headers: Object.fromEntries(
        Object.entries(action.headers).map(([k, v]) => [
          k,
          isSensitiveName(k) ? REDACTED : this.box.open(v),
        ]),
      ),
      signature: action.signature,
    };
  }

  secretOf(action: SealedAction): string {
    return this.box.open(action.secretSealed);
  }
}

function placeholderError(field: string): never {
  throw new ValidationFailedException([
    { field, message: 'is a placeholder, but there is no stored value to keep' },
  ]);
}
