import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { storableRecord, storableText } from '../../common/http/storable-text.js';
import { OpenedSecrets } from '../../common/security/opened-secrets.js';
import { SecretBoxService, SecretUnreadableError } from '../../common/security/secret-box.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { EventBus, HUB_EVENTS } from '../../events/index.js';
import { PayloadLinks } from '../payloads/payload-links.service.js';
import { isSealedValue } from '../endpoints/endpoint-headers.js';
import { nextAttemptDelayMs, parseRetryAfter } from '../../common/retry/retry-schedule.js';
import { EndpointSignature, sign, signHex } from '../signature.js';
import { AttemptRecord, ClaimedDelivery, DeliveryRepository } from './delivery.repository.js';
import { SuccessBatcher } from './success-batcher.js';
import { WebhookMetrics } from './webhook-metrics.js';

export interface SentAttempt {
  record: AttemptRecord;
  /** From a Retry-After header on 429/503. */
  retryAfterMs?: number;
}

export const USER_AGENT = 'IntegrationHub-Webhooks/0.1';
const RESPONSE_HEADERS_KEPT = [
  'content-type',
  'content-length',
  'retry-after',
  'location',
  'date',
  'server',
  'x-request-id',
];

/** Identifies this process in attempt rows and leases. */
export const INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/**
 * Makes one attempt of a claimed delivery and settles it: the attempt row, the delivery's
 * next state, the endpoint's failure streak, and operational events, in one transaction.
 */
@Injectable()
export class DeliveryAttemptService {
  private readonly logger = new Logger('WebhookDelivery');
  /** Decrypting per attempt is measurable at thousands of deliveries/s. */
  private readonly secrets: OpenedSecrets;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryRepository,
    private readonly outbound: OutboundHttpService,
    box: SecretBoxService,
    private readonly bus: EventBus,
    private readonly metrics: WebhookMetrics,
    private readonly successes: SuccessBatcher,
    private readonly links: PayloadLinks,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {
    this.secrets = new OpenedSecrets(box);
  }

  /** `retry: false` for test sends: one attempt, then succeeded or failed. */
  async attempt(
    d: ClaimedDelivery,
    options: { retry: boolean } = { retry: true },
  ): Promise<AttemptRecord> {
    const sent = await this.send(d);
    await this.settle(d, sent, options.retry);
    return sent.record;
  }

  /** The HTTP request alone: signs, posts, and describes the outcome (nothing written yet). */
  async send(d: ClaimedDelivery): Promise<SentAttempt> {
    const webhookId = `msg_${d.id.replace(/-/g, '')}`;
    const startedAt = new Date();
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const now = Date.now();
    const record: AttemptRecord = {
      deliveryId: d.id,
      endpointId: d.endpointId,
      attemptNumber: d.attemptCount + 1,
      startedAt,
      durationMs: 0,
      statusCode: null,
      responseHeaders: {},
      responseBody: null,
      error: null,
      instanceId: INSTANCE_ID,
    };
    let secrets: string[];
    let staticHeaders: Record<string, string>;
    try {
      secrets = d.secrets
        .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now)
        .map((s) => this.secrets.open(s.sealed));
      staticHeaders = this.openHeaders(d.headers);
    } catch (err) {
      // SECRET_KEY changed against this endpoint's sealed values: nothing is sent, and the
      // attempt says why; the retry schedule goes on, so the old key in SECRET_KEY_PREVIOUS
      // lets the next attempt through.
      if (!(err instanceof SecretUnreadableError)) throw err;
      record.error = storableText(`not sent: ${err.message}`);
      return { record };
    }
    const body = this.links.bodyFor(d.id, d.payload);
    const headers: Record<string, string> = {
      ...staticHeaders,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      ...signatureHeader(d.signature, secrets, webhookId, timestamp, body),
    };
    let retryAfterMs: number | undefined;
    const t0 = performance.now();
    try {
      const res = await this.outbound.post({
        url: d.url,
        body,
        headers,
        timeoutMs: this.config.timeoutMs,
        maxBodyBytes: 4096,
      });
      record.statusCode = res.status;
      record.responseBody = storableText(res.body);
      record.responseHeaders = storableRecord(
        Object.fromEntries(
          RESPONSE_HEADERS_KEPT.filter((h) => res.headers[h]).map((h) => [h, res.headers[h]]),
        ),
      );
      if (res.status >= 300 && res.status < 400)
        record.error = storableText(
          `redirect (${res.status}) to ${res.headers.location ?? 'nowhere'} not followed`,
        );
      else if (res.status < 200 || res.status >= 300)
        record.error = `receiver answered ${res.status}`;
      if (res.status === 429 || res.status === 503)
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    } catch (err) {
      record.error = storableText((err as Error).message);
    }
    record.durationMs = Math.round(performance.now() - t0);
    return { record, retryAfterMs };
  }

  /** Writes the attempt and the delivery's next state; failures also move the endpoint's streak. */
  async settle(d: ClaimedDelivery, sent: SentAttempt, retry = true): Promise<void> {
    const { record: a, retryAfterMs } = sent;
    const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
    const delay =
      ok || !retry
        ? undefined
        : nextAttemptDelayMs(this.config.retrySchedule, a.attemptNumber, retryAfterMs);
    const status = ok ? 'succeeded' : delay !== undefined ? 'pending' : 'failed';
    const operational = d.eventType.startsWith('webhook.');
    if (ok) {
      await this.successes.settle(a, d.lease);
      this.record('succeeded', a);
      return;
    }
    await this.dataSource.transaction(async (m) => {
      await this.repo.recordAttempt(m, a);
      const settled = await this.repo.settle(m, d, INSTANCE_ID, {
        status,
        nextAttemptInMs: delay,
        statusCode: a.statusCode,
        error: a.error,
      });
      if (!settled) return; // our lease expired and another worker owns the delivery now
      await this.onFailure(m, d, a, operational);
      if (
        status === 'failed' &&
        retry &&
        a.attemptNumber === this.config.retrySchedule.length + 1 &&
        !operational
      ) {
        await this.bus.emit(
          {
            type: HUB_EVENTS.webhookDeliveryExhausted,
            source: 'webhooks',
            subject: d.id,
            severity: 'warning',
            origin: 'webhooks',
            data: {
              deliveryId: d.id,
              endpointId: d.endpointId,
              eventType: d.eventType,
              attempts: a.attemptNumber,
              lastStatusCode: a.statusCode,
              lastError: a.error,
            },
          },
          m,
        );
      }
    });
    this.record(status === 'pending' ? 'retrying' : status, a);
  }

  /** Static header values are sealed at rest (rows from before that hold plain text). */
  private openHeaders(stored: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(stored))
      out[name] = isSealedValue(value) ? this.secrets.open(value) : value;
    return out;
  }

  private record(outcome: 'succeeded' | 'retrying' | 'failed', a: AttemptRecord): void {
    this.metrics.attempts.inc({ outcome });
    this.metrics.duration.observe(
      { outcome: outcome === 'succeeded' ? 'succeeded' : 'failed' },
      a.durationMs / 1000,
    );
  }

  /** Starts or extends the endpoint's failure streak; disables it on 410 or a long streak. */
  private async onFailure(
    m: EntityManager,
    d: ClaimedDelivery,
    a: AttemptRecord,
    operational: boolean,
  ): Promise<void> {
    // TypeORM answers UPDATE ... RETURNING with [rows, affectedCount].
    const [[row]]: [{ failing_since: Date }[], number] = await m.query(
      `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1 RETURNING failing_since`,
      [d.endpointId],
    );
    const gone = a.statusCode === 410;
    const tooLong =
      row && Date.now() - new Date(row.failing_since).getTime() >= this.config.disableAfterMs;
    if (!gone && !tooLong) return;
    const reason = gone
      ? 'the receiver answered 410 Gone'
      : `every attempt failed for ${Math.round(this.config.disableAfterMs / 3600000)} h`;
    const [disabled]: [unknown[], number] = await m.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
       WHERE id = $1 AND enabled RETURNING id`,
      [d.endpointId, reason],
    );
    if (disabled.length === 0) return;
    this.logger.warn(`endpoint ${d.endpointId} disabled: ${reason}`);
    if (!operational) {
      await this.bus.emit(
        {
          type: HUB_EVENTS.webhookEndpointDisabled,
          source: 'webhooks',
          subject: d.endpointId,
          severity: 'warning',
          origin: 'webhooks',
          data: { endpointId: d.endpointId, url: d.url, reason },
        },
        m,
      );
    }
  }
}

/** The endpoint's signature header; webhook-id and webhook-timestamp are sent with either scheme. */
function signatureHeader(
  signature: EndpointSignature | undefined,
  secrets: string[],
  webhookId: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  if (signature?.scheme === 'hmac-sha256-hex')
    return { [signature.header]: signHex(secrets, body) };
  return { 'webhook-signature': sign(secrets, webhookId, timestamp, body) };
}
