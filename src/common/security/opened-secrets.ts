import { LRUCache } from 'lru-cache';
import type { SecretBox } from './secret-box.js';

/** Secrets kept open per cache: every header secret of a large fleet of endpoints. */
export const OPENED_SECRETS_MAX = 10_000;

/**
 * Sealed values opened once and kept in memory (a sealed value never changes, so it is its own
 * key), for a hot path where decrypting per use is measurable: webhook attempts at thousands
 * a second. Least recently used first out, so the endpoints that send keep their secrets open
 * when many others pass through; a flood never empties the cache, as clearing it whole did.
 */
export class OpenedSecrets {
  private readonly cache: LRUCache<string, string>;

  constructor(
    private readonly box: SecretBox,
    max = OPENED_SECRETS_MAX,
  ) {
    this.cache = new LRUCache({ max });
  }

  open(sealed: string): string {
    let plain = this.cache.get(sealed);
    if (plain === undefined) {
      plain = this.box.open(sealed);
      this.cache.set(sealed, plain);
    }
    return plain;
  }

  get size(): number {
    return this.cache.size;
  }
}
