import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { problem } from './problem.js';
import { sendProblem } from './problem.filter.js';

/** Default JSON body limit; routes with bigger payloads register themselves below. */
export const DEFAULT_BODY_LIMIT = '1mb';

export interface BodyLimit {
  /** Only this method (e.g. `POST`); any when absent. */
  method?: string;
  /** Matched against the path without the query string; anchor it to name one route. */
  path: RegExp;
  limit: string;
}

/** Routes that accept larger bodies (first match wins). Modules add theirs here. */
export const BODY_LIMITS: BodyLimit[] = [];

/**
 * JSON parsing with problem+json for malformed (400) and oversized (413) bodies. body-parser
 * errors happen before Nest's pipeline, so they are answered here rather than by the filter.
 */
export function jsonBodyParser(): RequestHandler {
  const rules = BODY_LIMITS.map((rule) => ({ rule, parser: json({ limit: rule.limit }) }));
  const fallback = json({ limit: DEFAULT_BODY_LIMIT });
  return (req: Request, res: Response, next: NextFunction) => {
    const match = rules.find(
      ({ rule }) => (!rule.method || rule.method === req.method) && rule.path.test(req.path),
    );
    const parser = match?.parser ?? fallback;
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number; limit?: number; message?: string };
      const body =
        e.type === 'entity.too.large'
          ? problem(
              413,
              'payload-too-large',
              'Payload Too Large',
              `request body exceeds ${match?.rule.limit ?? DEFAULT_BODY_LIMIT}`,
            )
          : e.type === 'entity.parse.failed'
            ? problem(
                400,
                'malformed-json',
                'Bad Request',
                `request body is not valid JSON: ${e.message ?? ''}`.trim(),
              )
            : problem(
                e.status && e.status < 500 ? e.status : 400,
                'bad-request',
                'Bad Request',
                e.message,
              );
      sendProblem(res, {
        ...body,
        instance: req.originalUrl.split('?')[0],
        requestId: String(req.id ?? ''),
      });
    });
  };
}
