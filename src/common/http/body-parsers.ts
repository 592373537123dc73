import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json, text } from 'express';
import { problem } from './problem.js';
import { sendProblem } from './problem.filter.js';
import type { BodyRoutes } from './body-routes.js';
import { jsonBodyProblem } from './storable-text.js';

/**
 * Default JSON body limit; routes with bigger payloads, and routes that take a text body, are
 * registered by their modules (`bodyLimit`, `textBody` in body-routes.ts).
 */
export const DEFAULT_BODY_LIMIT = '1mb';

/** Every other body this API takes is JSON (RFC 8259: UTF-8). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Whether the client sent a body. `Content-Length: 0` is no body: a bodiless POST to a route
 * whose fields are all optional is a normal call, and must stay one.
 */
function sendsBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (!!length && Number(length) > 0);
}

class InvalidUtf8Error extends Error {
  readonly status = 400;
}

function verifyUtf8(_req: Request, _res: Response, buf: Buffer): void {
  // Decoding would quietly turn bad bytes into U+FFFD and store that instead.
  if (!isUtf8(buf)) throw new InvalidUtf8Error('request body is not valid UTF-8');
}

/**
 * JSON parsing with problem+json for everything wrong with a body as a whole: not JSON (415),
 * malformed (400), oversized (413), invalid UTF-8, nested too deep, or holding text that
 * PostgreSQL cannot store (400 naming the field; see storable-text.ts). A body the parser
 * would skip because of its content type is refused, not treated as empty: on a route whose
 * fields are all optional, "empty" means "act with the defaults". These checks run before
 * Nest's pipeline, so they are answered here rather than by the filter.
 */
export function jsonBodyParser(
  routes: Pick<BodyRoutes, 'limits' | 'textRoutes' | 'rawRoutes'>,
): RequestHandler {
  const options = (limit: string) => ({ limit, verify: verifyUtf8 });
  const rules = routes.limits.map((rule) => ({ rule, parser: json(options(rule.limit)) }));
  const fallback = json(options(DEFAULT_BODY_LIMIT));
  const textRules = routes.textRoutes.map((rule) => ({
    rule,
    parser: text({ ...options(rule.limit), type: () => true }),
  }));
  const rawRoutes = routes.rawRoutes;
  return (req: Request, res: Response, next: NextFunction) => {
    // Streamed by the route itself: buffering it here would hold the whole body in memory.
    if (rawRoutes.some((rule) => rule.method === req.method && rule.path.test(req.path)))
      return next();
    const refuse = (status: number, slug: string, title: string, detail?: string, extra = {}) =>
      sendProblem(res, {
        ...problem(status, slug, title, detail, extra),
        instance: req.originalUrl.split('?')[0],
        requestId: String(req.id ?? ''),
      });
    const textMatch = sendsBody(req)
      ? textRules.find(
          ({ rule }) =>
            rule.method === req.method &&
            rule.path.test(req.path) &&
            rule.type.test(req.headers['content-type'] ?? ''),
        )
      : undefined;
    if (textMatch)
      return textMatch.parser(req, res, (err?: unknown) =>
        err ? refuseBody(err, textMatch.rule.limit) : next(),
      );
    if (sendsBody(req) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      // Drain what the client sends, so the answer is not lost in a reset connection.
      req.resume();
      return refuse(
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        'request bodies must be JSON: send Content-Type: application/json',
      );
    }
    const match = rules.find(
      ({ rule }) => (!rule.method || rule.method === req.method) && rule.path.test(req.path),
    );
    const parser = match?.parser ?? fallback;
    parser(req, res, (err?: unknown) => {
      if (!err) {
        const bad = jsonBodyProblem(req.body);
        if (!bad) return next();
        return refuse(400, 'validation', 'Validation failed', `${bad.field}: ${bad.message}`, {
          errors: [bad],
        });
      }
      return refuseBody(err, match?.rule.limit ?? DEFAULT_BODY_LIMIT);
    });

    function refuseBody(err: unknown, limit: string) {
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.too.large')
        return refuse(
          413,
          'payload-too-large',
          'Payload Too Large',
          `request body exceeds ${limit}`,
        );
      if (e.type === 'entity.parse.failed')
        return refuse(
          400,
          'malformed-json',
          'Bad Request',
          `request body is not valid JSON: ${e.message ?? ''}`.trim(),
        );
      if (e.type === 'entity.verify.failed')
        return refuse(400, 'invalid-utf8', 'Bad Request', e.message);
      return refuse(
        e.status && e.status < 500 ? e.status : 400,
        e.status === 415 ? 'unsupported-media-type' : 'bad-request',
        e.status === 415 ? 'Unsupported Media Type' : 'Bad Request',
        e.message,
      );
    }
  };
}
