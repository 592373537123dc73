import { Injectable } from '@nestjs/common';
import { ReadinessDetail } from '../common/health/readiness-detail.js';
import { SecretsStatusService } from './secrets-status.service.js';

/**
 * `secrets` under GET /health/ready: the last count of sealed values per key. Shown, not
 * failed on: values no key opens break only the resources that hold them.
 */
@Injectable()
export class SecretsReadiness extends ReadinessDetail {
  readonly name = 'secrets';

  constructor(private readonly secrets: SecretsStatusService) {
    super();
  }

  details(): Record<string, unknown> {
    const s = this.secrets.lastStatus;
    return s ? { unreadable: s.unreadable, toReseal: s.toReseal, checkedAt: s.checkedAt } : {};
  }
}
