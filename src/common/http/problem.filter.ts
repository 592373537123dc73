import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { urlForLogs } from '../logging/logger.js';
import { isDatabaseUnavailable } from '../../database/connectivity-error.js';
import { AppException } from './app.exception.js';
import {
  FieldErrorDto,
  Problem,
  problem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
} from './problem.js';
import { ValidationFailedException } from './validation.js';

/**
 * Seconds a client should wait after a 503 caused by the database (RFC 9110 section 10.2.3):
 * about one liveness probe period plus a reconnect, short enough for a restart or failover.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
const DATABASE_UNAVAILABLE = 'database-unavailable';

/** Maps everything thrown during a request to RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private lastOutageLog = 0;
  private outageErrors = 0;

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const body = this.toProblem(exception, req);
    body.instance = req.originalUrl?.split('?')[0];
    body.requestId = String(req.id ?? '');
    if (res.headersSent) return;
    if (exception instanceof AppException) {
      for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
    }
    if (body.type === `${PROBLEM_TYPE_BASE}${DATABASE_UNAVAILABLE}`)
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    sendProblem(res, body);
  }

  private toProblem(exception: unknown, req: Request): Problem {
    if (exception instanceof ValidationFailedException) {
      return problem(400, 'validation', 'Validation failed', summarize(exception.errors), {
        errors: exception.errors,
      });
    }
    if (exception instanceof AppException) {
      return problem(
        exception.status,
        exception.code,
        STATUS_CODES[exception.status] ?? 'Error',
        exception.message,
        exception.extra,
      );
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail =
        typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const extra =
        typeof response === 'object' && response !== null
          ? pickExtensions(response as Record<string, unknown>)
          : {};
      return problem(
        status,
        slugFor(status),
        STATUS_CODES[status] ?? 'Error',
        Array.isArray(detail) ? detail.join('; ') : String(detail ?? ''),
        extra,
      );
    }
    if (isDatabaseUnavailable(exception)) {
      this.logOutage(exception as Error);
      return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        DATABASE_UNAVAILABLE,
        'Service Unavailable',
        'The database is unavailable; retry after the Retry-After delay.',
      );
    }
    this.logger.error(
      { err: exception, requestId: req.id, method: req.method, url: urlForLogs(req.originalUrl) },
      exception instanceof Error ? exception.stack : String(exception),
    );
    return problem(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'internal',
      'Internal Server Error',
      'An unexpected error occurred; quote the request id when reporting it.',
    );
  }

  /** One line per 10 s during an outage, not one stack per request; the access log has the rest. */
  private logOutage(err: Error): void {
    this.outageErrors += 1;
    if (Date.now() - this.lastOutageLog < 10_000) return;
    this.logger.warn(
      `answering 503: database unavailable (${err.message}); ${this.outageErrors} such request(s) since the last report`,
    );
    this.lastOutageLog = Date.now();
    this.outageErrors = 0;
  }
}

export function sendProblem(res: Response, body: Problem): void {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

function summarize(errors: FieldErrorDto[]): string {
  const first = errors.slice(0, 3).map((e) => `${e.field}: ${e.message}`);
  return errors.length > 3
    ? `${first.join('; ')}; and ${errors.length - 3} more`
    : first.join('; ');
}

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'too-many-requests',
  503: 'unavailable',
};

function slugFor(status: number): string {
  return SLUGS[status] ?? (status >= 500 ? 'server-error' : 'client-error');
}

/**
 * Keeps extension members (e.g. health check details) but not Nest's own envelope keys;
 * problem() refuses the members it owns (type, title, status...), so none can be replaced.
 */
function pickExtensions(response: Record<string, unknown>): Record<string, unknown> {
  const { message: _m, error: _e, statusCode: _s, ...rest } = response;
  return rest;
}
