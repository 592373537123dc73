import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ArtifactStore, type OpenedArtifact } from '../../artifacts/index.js';
import { DeliveryHistoryRepository } from '../deliveries/delivery-history.repository.js';
import { WebhooksException } from '../webhooks.exception.js';
import { DeliveryArtifactsLoader } from './delivery-artifacts.js';
import { PayloadLinks } from './payload-links.service.js';

@Injectable()
export class PayloadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly history: DeliveryHistoryRepository,
    private readonly links: PayloadLinks,
    private readonly artifacts: DeliveryArtifactsLoader,
    private readonly store: ArtifactStore,
  ) {}

  /** The token is checked before the database is asked, so guessing ids costs nothing. */
  async data(deliveryId: string, token: string): Promise<Buffer> {
    const verdict = this.links.check(deliveryId, token);
    if (verdict !== 'ok') throw WebhooksException.payloadToken(verdict);
    const payload = await this.history.payloadOf(this.dataSource.manager, deliveryId);
    if (payload === undefined) throw WebhooksException.deliveryNotFound(deliveryId);
    const artifacts = await this.artifacts.forReference(payload);
    return this.links.referencedData(deliveryId, payload, artifacts, token);
  }

  /**
   * One artifact of a delivery, streamed from its chunks. The link outlives neither the
   * artifact (each send holds it past the link's expiry) nor its own expiry.
   */
  async artifact(deliveryId: string, artifactId: string, token: string): Promise<OpenedArtifact> {
    const verdict = this.links.checkArtifact(deliveryId, artifactId, token);
    if (verdict !== 'ok') throw WebhooksException.payloadToken(verdict);
    return this.store.open(artifactId);
  }
}
