import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeliveryHistoryRepository } from '../deliveries/delivery-history.repository.js';
import { WebhooksException } from '../webhooks.exception.js';
import { PayloadLinks } from './payload-links.service.js';
import { dataBytes } from './payload-reference.js';

@Injectable()
export class PayloadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly history: DeliveryHistoryRepository,
    private readonly links: PayloadLinks,
  ) {}

  /** The token is checked before the database is asked, so guessing ids costs nothing. */
  async data(deliveryId: string, token: string): Promise<Buffer> {
    const verdict = this.links.check(deliveryId, token);
    if (verdict !== 'ok') throw WebhooksException.payloadToken(verdict);
    const payload = await this.history.payloadOf(this.dataSource.manager, deliveryId);
    if (payload === undefined) throw WebhooksException.deliveryNotFound(deliveryId);
    return dataBytes(payload);
  }
}
