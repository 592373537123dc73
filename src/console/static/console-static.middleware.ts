import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { problem } from '../../common/http/problem.js';
import { sendProblem } from '../../common/http/problem.filter.js';
import { ConsoleFiles } from './console-files.js';

/**
 * Every answer under /console, files and errors alike. The console is its own origin's only
 * source of script, style and data (no CDN, no inline script), never framed, and sends no
 * Referer: the URL of a deep link can name a delivery.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Hashed file names change with their content, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built console without credentials (its files hold no data: every figure it shows
 * comes from the guarded REST API with the token the operator enters). A middleware rather than
 * a controller: these are files, not API operations, so they stay out of the OpenAPI document
 * and the route table, and no guard applies.
 *
 * - `/console`, `/console/` and any `/console/<path>` whose last segment has no extension:
 *   index.html (the app routes in the browser, so deep links load it).
 * - `/console/assets/<file>`: that file, cacheable for a year (esbuild names it by hash).
 * - any other `/console/<file.ext>` at the top level: that file, revalidated each time.
 */
@Injectable()
export class ConsoleStaticMiddleware implements NestMiddleware {
  constructor(private readonly files: ConsoleFiles) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const pathname = req.originalUrl.split('?')[0];
    if (pathname !== '/console' && !pathname.startsWith('/console/')) return next();
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS))
      res.setHeader(name, value);
    const fail = (status: number, slug: string, title: string, detail: string) =>
      sendProblem(res, {
        ...problem(status, slug, title, detail),
        instance: pathname,
        requestId: String(req.id ?? ''),
      });
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return fail(
          405,
          'method-not-allowed',
          'Method Not Allowed',
          'the console is read with GET',
        );
      }
      const segments = decodeSegments(pathname.slice('/console'.length));
      if (segments === undefined)
        return fail(400, 'bad-request', 'Bad Request', 'the path is not valid percent-encoding');
      const last = segments[segments.length - 1] ?? '';
      if (segments[0] === 'assets' || last.includes('.')) {
        const file = await this.files.file(segments);
        if (!file) return fail(404, 'not-found', 'Not Found', `no console file ${pathname}`);
        res.status(200);
        res.setHeader('Content-Type', file.contentType);
        res.setHeader('Content-Length', String(file.size));
        res.setHeader('Cache-Control', segments[0] === 'assets' ? IMMUTABLE : 'no-cache');
        if (req.method === 'HEAD') return void res.end();
        await pipeline(createReadStream(file.path), res);
        return;
      }
      const index = await this.files.index();
      if (!index)
        return fail(
          503,
          'console-not-built',
          'Service Unavailable',
          `the console is not built (no index.html in ${this.files.dir}): run \`npm run build\``,
        );
      res.status(200);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      // The page names the current asset hashes: always fetched anew, never stored.
      res.setHeader('Cache-Control', 'no-store');
      res.send(index);
    } catch (err) {
      if (res.headersSent) res.destroy(err as Error);
      else next(err);
    }
  }
}

/** `/a/b%2Fc/` to `['a', 'b/c']` (a decoded slash stays inside its segment, and is refused). */
function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
