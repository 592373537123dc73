import { Injectable } from '@nestjs/common';
import { OpenedSecrets } from '../../common/security/opened-secrets.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import type { StoredSecret } from '../endpoints/endpoint.entity.js';
import { isSealedValue } from '../endpoints/endpoint-headers.js';

/**
 * Endpoints' signing secrets and static header values, opened once and kept open: decrypting
 * per attempt is measurable at thousands of deliveries/s. Throws `SecretUnreadableError` when
 * SECRET_KEY cannot open a value.
 */
@Injectable()
export class EndpointSecretCache {
  private readonly opened: OpenedSecrets;

  constructor(box: SecretBoxService) {
    this.opened = new OpenedSecrets(box);
  }

  /** The secrets that sign now: the current one and those still in a rotation's grace period. */
  signingSecrets(stored: StoredSecret[], now = Date.now()): string[] {
    return stored
      .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now)
      .map((s) => this.opened.open(s.sealed));
  }

  /** Static header values are sealed at rest (rows from before that hold plain text). */
  staticHeaders(stored: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(stored))
      out[name] = isSealedValue(value) ? this.opened.open(value) : value;
    return out;
  }
}
