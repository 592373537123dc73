import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { rawWrite } from '../../database/raw-write.js';
import { EndpointEntity } from '../endpoints/endpoint.entity.js';

/**
 * An endpoint's failure streak: started by its first failed attempt, ended by a success
 * (SuccessBatcher clears it in its batch); a 410 Gone or a streak of WEBHOOK_DISABLE_AFTER
 * disables the endpoint.
 */
@Injectable()
export class EndpointHealth {
  private readonly logger = new Logger('WebhookDelivery');

  constructor(
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /**
   * Starts or extends the endpoint's failure streak after a failed attempt, and disables it
   * on 410 or a long streak. Answers the reason when this call disabled it.
   */
  async recordFailure(
    m: EntityManager,
    endpointId: string,
    statusCode: number | null,
  ): Promise<string | undefined> {
    // Raw: keeps the streak's start (COALESCE) and reads it back in one statement on the settle path.
    const {
      rows: [row],
    } = await rawWrite<{ failing_since: Date }>(
      m,
      `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1 RETURNING failing_since`,
      [endpointId],
    );
    const gone = statusCode === 410;
    const tooLong =
      row && Date.now() - new Date(row.failing_since).getTime() >= this.config.disableAfterMs;
    if (!gone && !tooLong) return undefined;
    const reason = gone
      ? 'the receiver answered 410 Gone'
      : `every attempt failed for ${Math.round(this.config.disableAfterMs / 3600000)} h`;
    const { affected } = await m
      .getRepository(EndpointEntity)
      .update(
        { id: endpointId, enabled: true },
        { enabled: false, disabledReason: reason, disabledAt: () => 'now()' },
      );
    if (!affected) return undefined;
    this.logger.warn(`endpoint ${endpointId} disabled: ${reason}`);
    return reason;
  }
}
