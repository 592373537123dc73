import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ValidationFailedException } from '../../common/http/validation.js';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { DeliveryHistoryRepository } from '../deliveries/delivery-history.repository.js';
import { DeliveryInsertRepository } from '../deliveries/delivery-inserts.repository.js';
import { wakeDeliveryWorkers } from '../deliveries/delivery-wake-up.js';
import { TestSendService } from '../deliveries/test-send.service.js';
import type {
  AttemptDto,
  DeliveryDto,
  DeliveryDetailDto,
  DeliveryPageDto,
  DeliveryStatus,
} from '../deliveries/dto/delivery.dto.js';
import { headersProblem } from '../../common/outbound/static-headers.validator.js';
import { sealHeaders } from '../endpoints/endpoint-headers.js';
import {
  DEFAULT_SIGNATURE,
  type EndpointSignature,
  isValidSecret,
  signatureHeaderClash,
} from '../signature.js';
import { WebhooksException } from '../webhooks.exception.js';
import { DeliveryTargetRepository, TargetRow } from './delivery-target.repository.js';

export interface TargetSpec {
  url: string;
  /** Standard Webhooks secret (`whsec_...`) the receiver verifies with. */
  secret: string;
  headers?: Record<string, string>;
  /** How requests are signed, as an endpoint's `signature` (default: Standard Webhooks). */
  signature?: EndpointSignature;
  /** Default true: saving a rule (again) makes its target deliverable. */
  enabled?: boolean;
}

declare const checkedBrand: unique symbol;
/** A spec that passed `checkTarget` (validated, URL resolved and allowed): saving it needs no DNS. */
export type Checked<T extends TargetSpec> = T & { readonly [checkedBrand]: true };

export interface Target {
  id: string;
  owner: string;
  targetKey: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
}

export interface EnqueueOptions {
  /** Carried on the delivery for the owner's own bookkeeping (e.g. the rule firing's id). */
  correlationId?: string;
  /** What caused it (loop prevention, audit). */
  origin?: string;
}

/**
 * What a target receives: `{type, timestamp, data}`, or with `fields` a body of the owner's
 * own shape (`{type, timestamp, ...fields}`) when its receivers expect one; `data` is then
 * optional. Large-body references (`dataReference`) replace `data` only.
 */
export interface TargetMessage {
  eventType: string;
  data?: Record<string, unknown>;
  fields?: Record<string, unknown>;
}

/**
 * The delivery pipeline for other modules, in two steps that match a rule's life:
 * `checkTarget` before the rule's save transaction (URL checked by the SSRF guard) and
 * `saveTarget` inside it (secret and headers sealed; keyed by owner and the rule, never
 * shared by URL), and `enqueue` when it fires
 * (rows only, no network call, so it is safe inside a bus consumer's transaction). The same
 * signing, retries, attempt log and disabling as API endpoints; a target is hidden from the
 * endpoints API and its owner reads its own history here.
 */
@Injectable()
export class DeliveryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: DeliveryTargetRepository,
    private readonly inserts: DeliveryInsertRepository,
    private readonly outbound: OutboundHttpService,
    private readonly box: SecretBoxService,
    private readonly testSends: TestSendService,
    private readonly history: DeliveryHistoryRepository,
  ) {}

  /**
   * Validates the spec and resolves its URL through the SSRF guard (DNS: it can take
   * seconds). Call it before opening the transaction that saves the rule, then `saveTarget`
   * inside it: a transaction held open across a DNS lookup pins a pooled connection and holds
   * back every bus consumer's watermark. `fieldPrefix` names the fields as the caller's
   * request does (`action.` gives `action.url`).
   */
  async checkTarget<T extends TargetSpec>(spec: T, fieldPrefix = ''): Promise<Checked<T>> {
    if (!isValidSecret(spec.secret))
      throw new ValidationFailedException([
        {
          field: `${fieldPrefix}secret`,
          message: 'must be whsec_ followed by base64 of 24 to 64 bytes',
        },
      ]);
    const headersError = spec.headers && headersProblem(spec.headers);
    if (headersError)
      throw new ValidationFailedException([
        { field: `${fieldPrefix}headers`, message: headersError },
      ]);
    const clash = spec.signature && signatureHeaderClash(spec.signature, spec.headers ?? {});
    if (clash)
      throw new ValidationFailedException([
        {
          field: `${fieldPrefix}signature.header`,
          message: `collides with the static header ${clash}; choose another name or remove that header`,
        },
      ]);
    await this.outbound.assertUrlAllowed(spec.url, `${fieldPrefix}url`);
    return spec as Checked<T>;
  }

  /**
   * Creates or replaces the target `(owner, targetKey)` from a checked spec: rows only, no
   * network, so it belongs inside the rule's own transaction (`manager`).
   */
  async saveTarget(
    owner: string,
    targetKey: string,
    spec: Checked<TargetSpec>,
    manager?: EntityManager,
  ): Promise<Target> {
    const row = await this.targets.upsert(manager ?? this.dataSource.manager, {
      owner,
      targetKey,
      url: spec.url,
      headers: sealHeaders(this.box, spec.headers ?? {}),
      signature: spec.signature ?? DEFAULT_SIGNATURE,
      secrets: [
        {
          sealed: this.box.seal(spec.secret),
          createdAt: new Date().toISOString(),
          expiresAt: null,
        },
      ],
      enabled: spec.enabled ?? true,
    });
    return toTarget(row);
  }

  /**
   * `checkTarget` then `saveTarget`, for callers without a transaction of their own. With
   * `manager`, call it before that transaction's other work is pending, or better, split it.
   */
  async registerTarget(
    owner: string,
    targetKey: string,
    spec: TargetSpec,
    manager?: EntityManager,
  ): Promise<Target> {
    return this.saveTarget(owner, targetKey, await this.checkTarget(spec), manager);
  }

  /**
   * One signed delivery of `{type, timestamp, data}` to the target. Only writes rows (in
   * `manager`'s transaction when given); refuses a disabled target with a clear error rather
   * than leaving a delivery pending forever.
   */
  async enqueue(
    targetId: string,
    message: TargetMessage,
    options: EnqueueOptions = {},
    manager?: EntityManager,
  ): Promise<string> {
    const run = async (m: EntityManager) => {
      const target = await this.targets.findById(m, targetId);
      if (!target) throw WebhooksException.targetNotFound(targetId);
      if (!target.enabled) throw WebhooksException.targetDisabled(target);
      const payload = messageBody(message);
      const id = await this.inserts.insertOne(m, targetId, message.eventType, payload, {
        correlationId: options.correlationId,
        origin: options.origin,
      });
      await wakeDeliveryWorkers(m);
      return id;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * `enqueue` for a batch (a bus consumer firing many rules at once): one read of the
   * targets, one insert, one wake-up. Each item answers its delivery id, or the error
   * `enqueue` would have thrown for it (unknown or disabled target), so one disabled target
   * does not stop the others. Rows only, in `manager`'s transaction.
   */
  async enqueueMany(
    items: { targetId: string; message: TargetMessage; options?: EnqueueOptions }[],
    manager: EntityManager,
  ): Promise<(string | WebhooksException)[]> {
    const ids = [...new Set(items.map((i) => i.targetId))];
    const targets = new Map(
      (await this.targets.findByIds(manager, ids)).map((t) => [t.id, t] as const),
    );
    const results: (string | WebhooksException)[] = [];
    const rows: Parameters<DeliveryInsertRepository['insertMany']>[1] = [];
    const slots: number[] = [];
    for (const item of items) {
      const target = targets.get(item.targetId);
      if (!target) results.push(WebhooksException.targetNotFound(item.targetId));
      else if (!target.enabled) results.push(WebhooksException.targetDisabled(target));
      else {
        slots.push(results.length);
        results.push('');
        rows.push({
          endpointId: item.targetId,
          eventType: item.message.eventType,
          payload: messageBody(item.message),
          correlationId: item.options?.correlationId ?? null,
          origin: item.options?.origin ?? null,
        });
      }
    }
    const inserted = await this.inserts.insertMany(manager, rows);
    slots.forEach((slot, k) => (results[slot] = inserted[k]));
    if (inserted.length > 0) await wakeDeliveryWorkers(manager);
    return results;
  }

  /**
   * Sends one signed message to the target now, outside the queue (an operator's test
   * button), and returns the attempt. Recorded like an API endpoint's test send: one attempt,
   * then succeeded or failed, never retried.
   */
  async testSend(targetId: string, message: TargetMessage): Promise<AttemptDto> {
    const target = await this.targets.findById(this.dataSource.manager, targetId);
    if (!target) throw WebhooksException.targetNotFound(targetId);
    return this.testSends.send(targetId, message.eventType, messageBody(message));
  }

  /** The current state of some of the owner's deliveries (history pages), by id. */
  async deliveryStates(owner: string, ids: string[]): Promise<Map<string, DeliveryDto>> {
    if (ids.length === 0) return new Map();
    const rows = await this.history.findMany(this.dataSource.manager, owner, ids);
    return new Map(rows.map((d) => [d.id, d]));
  }

  async getTarget(owner: string, targetKey: string): Promise<Target | undefined> {
    const row = await this.targets.find(this.dataSource.manager, owner, targetKey);
    return row && toTarget(row);
  }

  async setEnabled(owner: string, targetKey: string, enabled: boolean): Promise<Target> {
    const row = await this.targets.setEnabled(this.dataSource.manager, owner, targetKey, enabled);
    if (!row) throw WebhooksException.targetNotFound(`${owner}/${targetKey}`);
    if (enabled) await wakeDeliveryWorkers(this.dataSource);
    return toTarget(row);
  }

  /** Removes the target with its deliveries and attempts (its rule was deleted). */
  async removeTarget(owner: string, targetKey: string, manager?: EntityManager): Promise<boolean> {
    return this.targets.remove(manager ?? this.dataSource.manager, owner, targetKey);
  }

  /** The owner's deliveries, newest first, optionally of one target; cursor paged. */
  async listDeliveries(
    owner: string,
    filter: { targetKey?: string; status?: DeliveryStatus; limit?: number; cursor?: string } = {},
  ): Promise<DeliveryPageDto> {
    return this.history.page(
      this.dataSource.manager,
      { owner, targetKey: filter.targetKey, status: filter.status },
      filter.cursor,
      filter.limit ?? 100,
    );
  }

  /** One of the owner's deliveries with every attempt; another owner's is not found. */
  async getDelivery(owner: string, id: string): Promise<DeliveryDetailDto> {
    const m = this.dataSource.manager;
    const delivery = await this.history.findOne(m, id);
    const target = delivery && (await this.targets.findById(m, delivery.endpointId));
    if (!delivery || target?.owner !== owner) throw WebhooksException.deliveryNotFound(id);
    return { ...delivery, attempts: await this.history.attempts(m, id) };
  }
}

function messageBody(message: TargetMessage): string {
  const timestamp = new Date().toISOString();
  if (!message.fields)
    return JSON.stringify({ type: message.eventType, timestamp, data: message.data ?? {} });
  return JSON.stringify({
    type: message.eventType,
    ...message.fields,
    ...(message.data !== undefined ? { data: message.data } : {}),
    timestamp,
  });
}

function toTarget(row: TargetRow): Target {
  return {
    id: row.id,
    owner: row.owner,
    targetKey: row.targetKey,
    url: row.url,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
  };
}
