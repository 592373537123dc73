import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { problem } from './problem.js';
import { sendProblem } from './problem.filter.js';

/**
 * Refuses a query string whose percent-escapes are not UTF-8 (`?source=%FF`): the query parser
 * would hand on U+FFFD, so a filter, a cursor or a client id would silently become other text.
 * The same rule the body parser applies to bodies; path parameters get it from the router.
 */
export function queryEncodingCheck(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const url = req.originalUrl;
    const start = url.indexOf('?');
    if (start < 0 || !url.includes('%', start)) return next();
    for (const pair of url.slice(start + 1).split('&')) {
      const [key, value = ''] = pair.split('=', 2);
      const name = decodeOrUndefined(key);
      if (name !== undefined && decodeOrUndefined(value) !== undefined) continue;
      const field = name ?? 'query';
      return sendProblem(res, {
        ...problem(400, 'validation', 'Validation failed', `${field}: is not valid UTF-8`, {
          errors: [{ field, message: 'is not valid percent-encoded UTF-8' }],
        }),
        instance: url.slice(0, start),
        requestId: String(req.id ?? ''),
      });
    }
    next();
  };
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
