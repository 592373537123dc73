import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobsService } from '../jobs/index.js';
import { SecretBoxService } from '../common/security/secret-box.js';
import { RESEAL_QUEUE } from './reseal.queue.js';
import { walkSealed } from './sealed-walk.js';
import { SealedValuesRepository } from './sealed-values.repository.js';

export interface KeyCount {
  keyId: string;
  /** current: SECRET_KEY; previous: in SECRET_KEY_PREVIOUS; unknown: no configured key opens it. */
  status: 'current' | 'previous' | 'unknown';
  values: number;
}

export interface SecretsStatus {
  currentKeyId: string;
  previousKeyIds: string[];
  keys: KeyCount[];
  /** Values sealed with a previous key, waiting for the re-seal job. */
  toReseal: number;
  /** Values no configured key opens: their resources answer with an error until fixed. */
  unreadable: number;
  checkedAt: string;
}

/**
 * Counts sealed values per key id across every registered column. At start-up it warns about
 * values no configured key opens (SECRET_KEY changed against existing data) and queues the
 * re-seal job when values still use a previous key. Readiness shows the last count.
 */
@Injectable()
export class SecretsStatusService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Secrets');
  private last: SecretsStatus | undefined;

  constructor(
    private readonly box: SecretBoxService,
    private readonly sealed: SealedValuesRepository,
    private readonly jobs: JobsService,
  ) {}

  get lastStatus(): SecretsStatus | undefined {
    return this.last;
  }

  async status(): Promise<SecretsStatus> {
    const counts = new Map<string, number>();
    for await (const { row } of this.sealed.rows())
      for (const value of Object.values(row.values))
        walkSealed(value, (v, keyId) => {
          counts.set(keyId, (counts.get(keyId) ?? 0) + 1);
          return v;
        });
    const [current, ...previous] = this.box.keyIds;
    const keys: KeyCount[] = [...new Set([...this.box.keyIds, ...counts.keys()])].map((keyId) => ({
      keyId,
      status: keyId === current ? 'current' : this.box.knows(keyId) ? 'previous' : 'unknown',
      values: counts.get(keyId) ?? 0,
    }));
    const sum = (s: KeyCount['status']) =>
      keys.filter((k) => k.status === s).reduce((n, k) => n + k.values, 0);
    this.last = {
      currentKeyId: current,
      previousKeyIds: previous,
      keys,
      toReseal: sum('previous'),
      unreadable: sum('unknown'),
      checkedAt: new Date().toISOString(),
    };
    return this.last;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      const s = await this.status();
      if (s.unreadable > 0)
        this.logger.warn(
          `${s.unreadable} sealed value(s) were sealed with a key that is not configured (${s.keys
            .filter((k) => k.status === 'unknown')
            .map((k) => k.keyId)
            .join(', ')}): set that key in SECRET_KEY_PREVIOUS, or re-enter the affected secrets`,
        );
      if (s.toReseal > 0) await this.jobs.enqueue(RESEAL_QUEUE, {}, { dedupeKey: RESEAL_QUEUE });
    } catch (err) {
      // A start-up check must not stop the app (the database may still be coming up).
      this.logger.warn(`secrets check failed: ${(err as Error).message}`);
    }
  }
}
