import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { RequestHandler } from 'express';
import { requestIdFor } from '../http/request-id.js';
import { REDACTED } from '../security/redaction.js';
import type { LogLevel } from '../../config/app.config.js';

/** Paths redacted from every log line: credentials in headers and any secret-looking field. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.token',
  '*.password',
  '*.adminToken',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'integration-hub', pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * A request URL for logs: the path, and the query's names with every value redacted.
 * Values carry cursors, filters and sometimes tokens (payload links); names are enough to
 * tell requests apart when reading logs.
 */
export function urlForLogs(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const names = [...new URLSearchParams(url.slice(q + 1)).keys()];
  return `${url.slice(0, q)}?${names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join('&')}`;
}

/** Load balancers and orchestrators probe these every few seconds; a healthy answer is noise. */
const HEALTH_PATHS = new Set(['/health', '/health/ready']);

function isHealthProbe(url: string | undefined): boolean {
  return HEALTH_PATHS.has((url ?? '').split('?')[0]);
}

/**
 * Nest's start-up lines for every module, controller and route (about 60): useful only when
 * debugging. What stays at info on start is the database, the queues and consumers, the
 * listening banner; on shutdown, "shutting down" and "stopped".
 */
const DEBUG_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
]);

/** Request logging with X-Request-Id: echoed or generated, set on the response and every line. */
export function httpLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFor(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, err) =>
      err || res.statusCode >= 500
        ? 'error'
        : res.statusCode >= 400
          ? 'warn'
          : isHealthProbe(req.url)
            ? 'debug'
            : 'info',
    serializers: {
      req: (req: {
        id: string;
        method: string;
        url: string;
        headers: Record<string, unknown>;
      }) => ({
        id: req.id,
        method: req.method,
        url: urlForLogs(req.url),
        // Only these headers are logged; authorization is kept as a key so redaction shows it was sent.
        headers: {
          'user-agent': req.headers['user-agent'],
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
      }),
    },
  }) as unknown as RequestHandler;
}

/** Routes Nest's own logging (Logger.log etc.) into the same pino stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]) {
    const context = rest[rest.length - 1];
    this.write(
      typeof context === 'string' && DEBUG_CONTEXTS.has(context) ? 'debug' : 'info',
      message,
      rest,
    );
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]) {
    // Nest passes the context (class name) last; our filter passes an object first.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      this.logger[level](
        { context, ...message },
        rest.filter((r) => typeof r === 'string').join(' ') || undefined,
      );
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
