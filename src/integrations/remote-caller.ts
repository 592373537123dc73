import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OutboundRequestError } from '../common/outbound/outbound.exception.js';
import { OutboundHttpService } from '../common/outbound/outbound-http.service.js';
import { parseRetryAfter } from '../common/retry/retry-schedule.js';
import { maskCredentials, redactSecrets } from '../common/security/redaction.js';
import { integrationsConfig } from '../config/integrations.config.js';
import type { Connector, Operation, RemoteRequest, RemoteResponse } from './kinds/connector.js';
import { RemoteFailure } from './kinds/connector.js';
import { LogRepository } from './logs/log.repository.js';

export interface CallContext {
  integrationId: string;
  eventType: string | null;
  cardId: string | null;
  /** Set to skip the log (connection tests of unsaved configs). */
  noLog?: boolean;
}

/**
 * One remote call through the SSRF-guarded client, logged as one row: status, duration and
 * the remote's error summary with every secret of the config masked. Non-2xx answers and
 * network failures throw RemoteFailure (with Retry-After on 429 and 503).
 */
@Injectable()
export class RemoteCaller {
  constructor(
    private readonly http: OutboundHttpService,
    private readonly logs: LogRepository,
    @Inject(integrationsConfig.KEY) private readonly config: ConfigType<typeof integrationsConfig>,
  ) {}

  async call(
    connector: Connector<object>,
    config: object,
    ctx: CallContext,
    operation: Operation,
    req: RemoteRequest,
  ): Promise<RemoteResponse> {
    const secrets = connector.secretFields.map((f) =>
      String((config as Record<string, unknown>)[f] ?? ''),
    );
    const headers = connector.headers(config);
    const clean = (text: string) =>
      maskCredentials(redactSecrets(text, [...secrets, ...Object.values(headers)]));
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.http.request({
        method: req.method,
        url: `${connector.baseUrl(config)}${req.path}${query}`,
        headers:
          req.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        timeoutMs: this.config.timeoutMs,
      });
      status = res.status;
      const body = parseJson(res.body);
      if (res.status >= 200 && res.status < 300) return { status: res.status, body };
      const summary = clean(connector.summarizeError(body) || res.body.slice(0, 300));
      error = `HTTP ${res.status}${summary ? `: ${summary}` : ''}`;
      const waitMs =
        res.status === 429 || res.status === 503
          ? parseRetryAfter(res.headers['retry-after'])
          : undefined;
      throw new RemoteFailure(error, res.status, waitMs);
    } catch (err) {
      if (err instanceof RemoteFailure) throw err;
      if (!(err instanceof OutboundRequestError)) throw err;
      error = clean(err.message);
      throw new RemoteFailure(error, null);
    } finally {
      if (!ctx.noLog)
        await this.logs.add({
          integrationId: ctx.integrationId,
          eventType: ctx.eventType,
          cardId: ctx.cardId,
          operation,
          httpStatus: status,
          durationMs: Math.round(performance.now() - started),
          error,
        });
    }
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
