import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ArtifactStore } from '../../artifacts/index.js';
import type { Principal } from '../../common/auth/principal.js';
import { ValidationFailedException } from '../../common/http/validation.js';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { DeliveryHistoryRepository } from '../deliveries/delivery-history.repository.js';
import { DeliveryInsertRepository } from '../deliveries/delivery-inserts.repository.js';
import { wakeDeliveryWorkers } from '../deliveries/delivery-wake-up.js';
import { DEFAULT_BODY_SHAPE } from '../payloads/body-shape.js';
import {
  DEFAULT_SIGNATURE,
  generateSecret,
  isValidSecret,
  resolveSignature,
} from '../signature.js';
import { WebhooksException } from '../webhooks.exception.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { MessageAcceptedDto, MessageDto } from './dto/message.dto.js';
import { MessageRepository } from './message.repository.js';

/**
 * Per-job callbacks: one signed message to a URL the caller names (foreman's job webhook),
 * sent by one ordinary delivery, so it is retried, leased, logged and pruned like any other.
 */
@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly inserts: DeliveryInsertRepository,
    private readonly history: DeliveryHistoryRepository,
    private readonly outbound: OutboundHttpService,
    private readonly box: SecretBoxService,
    private readonly artifacts: ArtifactStore,
  ) {}

  /**
   * Stored (message, delivery, wake-up) in one transaction before the answer. The URL is
   * resolved by the SSRF guard first, outside the transaction (DNS can take seconds), and
   * again by the socket when the delivery connects.
   */
  async create(dto: CreateMessageDto, principal: Principal): Promise<MessageAcceptedDto> {
    const generated = dto.secret === undefined ? generateSecret() : undefined;
    const secret = dto.secret ?? generated!;
    if (!isValidSecret(secret))
      throw new ValidationFailedException([
        { field: 'secret', message: 'must be whsec_ followed by base64 of 24 to 64 bytes' },
      ]);
    const url = await this.outbound.assertUrlAllowed(dto.url, 'url');
    const id = randomUUID();
    const now = new Date().toISOString();
    const payload = JSON.stringify({ type: dto.type, timestamp: now, data: dto.data });
    await this.dataSource.transaction(async (m) => {
      // As at publish: every `data.artifacts[i].artifactId` names a stored artifact (400 naming it).
      await this.artifacts.requireReferenced(m, [dto.data], false);
      const laneId = await this.messages.lane(m, url.origin);
      await this.messages.insert(m, {
        id,
        url: dto.url,
        secrets: [{ sealed: this.box.seal(secret), createdAt: now, expiresAt: null }],
        signature: dto.signature ? resolveSignature(dto.signature) : DEFAULT_SIGNATURE,
        body: dto.body ?? DEFAULT_BODY_SHAPE,
        createdBy: principal.id,
      });
      await this.inserts.insertMessage(m, id, laneId, dto.type, payload);
      await wakeDeliveryWorkers(m);
    });
    return generated ? { id, secret: generated } : { id };
  }

  /** A publisher key sees only the messages it sent; another's is not found, as an unknown one. */
  async get(id: string, principal: Principal): Promise<MessageDto> {
    const m = this.dataSource.manager;
    const row = await this.messages.find(m, id);
    if (!row || (principal.audience !== 'admin' && row.createdBy !== principal.id))
      throw WebhooksException.messageNotFound(id);
    const { createdBy: _createdBy, payload, ...state } = row;
    const { data } = JSON.parse(payload) as { data: Record<string, unknown> };
    return { ...state, data, attempts: await this.history.attempts(m, id) };
  }
}
