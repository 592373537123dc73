import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { storableRecord, storableText } from '../../common/http/storable-text.js';
import { REDACTED } from '../../common/security/redaction.js';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { parseRetryAfter } from '../../common/retry/retry-schedule.js';
import { SecretUnreadableError } from '../../common/security/secret-box.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { shapeBody } from '../payloads/body-shape.js';
import { DeliveryArtifactsLoader } from '../payloads/delivery-artifacts.js';
import { PayloadLinks } from '../payloads/payload-links.service.js';
import { EndpointSignature, sign, signHex } from '../signature.js';
import type { AttemptRecord, ClaimedDelivery } from './delivery-queue.repository.js';
import { EndpointSecretCache } from './endpoint-secret-cache.js';
import { INSTANCE_ID } from './instance-id.js';

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

/** The HTTP request of one attempt: signs, posts, and describes the outcome (writes nothing). */
@Injectable()
export class DeliverySender {
  constructor(
    private readonly outbound: OutboundHttpService,
    private readonly secrets: EndpointSecretCache,
    private readonly links: PayloadLinks,
    private readonly artifacts: DeliveryArtifactsLoader,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async send(d: ClaimedDelivery): Promise<SentAttempt> {
    const webhookId = `msg_${d.id.replace(/-/g, '')}`;
    const startedAt = new Date();
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const record: AttemptRecord = {
      deliveryId: d.id,
      endpointId: d.endpointId,
      attemptNumber: d.attemptCount + 1,
      startedAt,
      durationMs: 0,
      statusCode: null,
      requestHeaders: null,
      responseHeaders: {},
      responseBody: null,
      error: null,
      instanceId: INSTANCE_ID,
    };
    let secrets: string[];
    let staticHeaders: Record<string, string>;
    try {
      secrets = this.secrets.signingSecrets(d.secrets);
      staticHeaders = this.secrets.staticHeaders(d.headers);
    } catch (err) {
      // SECRET_KEY changed against this endpoint's sealed values: nothing is sent, and the
      // attempt says why; the retry schedule goes on, so the old key in SECRET_KEY_PREVIOUS
      // lets the next attempt through.
      if (!(err instanceof SecretUnreadableError)) throw err;
      record.error = storableText(`not sent: ${err.message}`);
      return { record };
    }
    // Every request is signed: a row without a signing secret (a message whose own row is
    // gone) is never sent unsigned.
    if (secrets.length === 0 || !d.url) {
      record.error = 'not sent: no signing secret or URL for this delivery';
      return { record };
    }
    // Data first (the envelope with its artifacts, or its reference when too large), then
    // the body's shape.
    let body: string;
    try {
      const data = this.links.bodyFor(d.id, d.payload, await this.artifacts.forSending(d.payload));
      body = shapeBody(data, d.body);
    } catch (err) {
      // The artifacts could not be read (the database is away): this attempt is not sent.
      record.error = storableText(`not sent: artifacts unreadable: ${(err as Error).message}`);
      return { record };
    }
    const own: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      ...signatureHeader(d.signature, secrets, webhookId, timestamp, body),
    };
    const headers = { ...staticHeaders, ...own };
    // What the attempt row keeps: the static headers by name only, since the endpoint seals
    // every one of their values (which one is a credential cannot be known for sure); the
    // hub's own as sent (the signature too: it vouches for this one body, and grants nothing).
    record.requestHeaders = {
      ...Object.fromEntries(Object.keys(staticHeaders).map((name) => [name, REDACTED])),
      ...own,
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
