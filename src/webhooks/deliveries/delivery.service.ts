import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { ValidationFailedException } from '../../common/http/validation.js';
import { sealHeaders } from '../endpoints/endpoint-headers.js';
import { isValidSecret } from '../signature.js';
import { DELIVERIES_CHANNEL, DeliveryRepository } from './delivery.repository.js';

export interface DeliverRequest {
  /** The module asking (e.g. `event-triggers`); its endpoints are hidden from the endpoints API. */
  owner: string;
  url: string;
  /** Standard Webhooks secret (`whsec_...`) the receiver verifies with. */
  secret: string;
  eventType: string;
  data: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * The delivery pipeline for other modules: "deliver this payload to this URL with this
 * secret", with the same signing, retries, attempt log and SSRF guard as API endpoints.
 * Pass the caller's transaction to make the delivery part of its own write.
 */
@Injectable()
export class DeliveryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryRepository,
    private readonly outbound: OutboundHttpService,
    private readonly box: SecretBoxService,
  ) {}

  async deliver(req: DeliverRequest, manager?: EntityManager): Promise<string> {
    if (!isValidSecret(req.secret))
      throw new ValidationFailedException([
        { field: 'secret', message: 'must be whsec_ followed by base64 of 24 to 64 bytes' },
      ]);
    await this.outbound.assertUrlAllowed(req.url);
    const run = async (m: EntityManager) => {
      const secrets = JSON.stringify([
        { sealed: this.box.seal(req.secret), createdAt: new Date().toISOString(), expiresAt: null },
      ]);
      const [endpoint]: { id: string }[] = await m.query(
        `INSERT INTO webhook_endpoints (owner, url, headers, secrets) VALUES ($1, $2, $3::jsonb, $4::jsonb)
         ON CONFLICT (owner, url) WHERE owner IS NOT NULL
         DO UPDATE SET headers = EXCLUDED.headers, secrets = EXCLUDED.secrets, updated_at = now()
         RETURNING id`,
        [req.owner, req.url, JSON.stringify(sealHeaders(this.box, req.headers ?? {})), secrets],
      );
      const payload = JSON.stringify({
        type: req.eventType,
        timestamp: new Date().toISOString(),
        data: req.data,
      });
      const id = await this.repo.insertOne(m, endpoint.id, req.eventType, payload);
      await m.query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, '']);
      return id;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }
}
