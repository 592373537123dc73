import { Injectable, Logger } from '@nestjs/common';
import { Job, JobHandler, JobRunner, done, JobOutcome } from '../jobs/index.js';
import { SecretBoxService } from '../common/security/secret-box.js';
import { RESEAL_QUEUE } from './reseal.queue.js';
import { walkSealed } from './sealed-walk.js';
import { SealedValuesRepository } from './sealed-values.repository.js';
import { SecretsStatusService } from './secrets-status.service.js';

/**
 * Re-seals every value sealed with a previous key under SECRET_KEY, row by row (each write
 * guarded against a concurrent change, so it is safe on several instances and resumable).
 * Values no configured key opens are left as they are and counted.
 */
@Injectable()
@JobHandler({ queue: RESEAL_QUEUE, retry: '10s,1m,10m', timeoutMs: 600_000 })
export class ResealJob implements JobRunner {
  private readonly logger = new Logger('Secrets');

  constructor(
    private readonly box: SecretBoxService,
    private readonly sealed: SealedValuesRepository,
    private readonly status: SecretsStatusService,
  ) {}

  async run(job: Job): Promise<JobOutcome> {
    let moved = 0;
    let skipped = 0;
    for await (const { entry, row } of this.sealed.rows()) {
      if (job.signal.aborted) throw new Error('re-seal interrupted; the next run resumes');
      for (const [column, value] of Object.entries(row.values)) {
        let count = 0;
        const next = walkSealed(value, (v, keyId) => {
          if (keyId === this.box.keyId || !this.box.knows(keyId)) return v;
          count++;
          return this.box.seal(this.box.open(v));
        });
        if (!next.changed) continue;
        if (await this.sealed.replace(entry, row.id, column, value, next.value)) moved += count;
        else skipped++;
      }
    }
    const s = await this.status.status();
    const summary = `re-sealed ${moved} value(s); ${skipped} row(s) changed meanwhile; ${s.toReseal} left on previous keys, ${s.unreadable} unreadable`;
    this.logger.log(summary);
    // A row edited during the pass may still hold an old value: one more pass picks it up.
    if (s.toReseal > 0 && skipped > 0) throw new Error(summary);
    return done(summary);
  }
}
