import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OutboundRequestError } from '../common/outbound/outbound.exception.js';
import { OutboundHttpService } from '../common/outbound/outbound-http.service.js';
import { integrationsConfig } from '../config/integrations.config.js';
import type { Connector, Operation, RemoteRequest, RemoteResponse } from './kinds/connector.js';
import { RemoteFailure } from './kinds/connector.js';
import { LogRepository } from './logs/log.repository.js';
import { peerTextFilter } from './peer-text.js';
import { rateLimitWaitMs } from './rate-limit.js';

export interface CallContext {
  integrationId: string;
  eventType: string | null;
  cardId: string | null;
  /** Set to skip the log (connection tests of unsaved configs). */
  noLog?: boolean;
  /** The job's signal: its timeout or a shutdown abandons the call and closes its socket. */
  signal?: AbortSignal;
}

/**
 * One remote call through the SSRF-guarded client, logged as one row: status, duration and
 * the remote's error summary through peerTextFilter (secrets masked in every encoding,
 * storable). Non-2xx answers, network failures and 2xx answers the connector cannot use
 * (cut at the size cap, or not of the shape it `expect`s) throw RemoteFailure, with the
 * wait a 429, 503 or rate-limited 403 asks for.
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
    const headers = connector.headers(config);
    const clean = peerTextFilter(connector, config);
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
        signal: ctx.signal,
      });
      status = res.status;
      // A body cut at the cap is not the peer's answer: never read fields out of half of it.
      const body = res.truncated ? undefined : parseJson(res.body);
      if (res.status >= 200 && res.status < 300) {
        const problem = res.truncated
          ? `the answer was cut at ${res.body.length} bytes`
          : req.expect?.problem(body);
        if (problem === undefined) return { status: res.status, body };
        // The peer may have done the work: the caller treats this as a lost answer.
        error = clean(
          `HTTP ${res.status} without a usable answer (${req.expect?.name ?? 'body'}: ${problem})`,
        );
        throw new RemoteFailure(error, res.status, undefined, true);
      }
      const summary = clean(
        (res.truncated ? '' : connector.summarizeError(body)) || res.body.slice(0, 300),
      );
      error = `HTTP ${res.status}${summary ? `: ${summary}` : ''}`;
      const waitMs = rateLimitWaitMs(res.status, res.headers);
      if (waitMs !== undefined) throw RemoteFailure.wait(error, res.status, waitMs);
      throw new RemoteFailure(error, res.status);
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
