import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleConfig } from '../../config/index.js';

/** One path segment of a file we serve: no leading dot (so no `..`, no dotfiles), no slash. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export interface ConsoleFile {
  path: string;
  size: number;
  contentType: string;
}

/**
 * The built console on disk: CONSOLE_DIR, or `dist/console` of the package this code runs
 * from. The package root is found by walking up to package.json, so the same answer comes
 * from dist/src/console (npm start) and from src/console (ts-jest).
 */
@Injectable()
export class ConsoleFiles {
  readonly dir: string;

  constructor(config: ConfigService) {
    const configured = config.getOrThrow<ConsoleConfig>('console').dir;
    this.dir = configured
      ? path.resolve(configured)
      : path.join(packageRoot(fileURLToPath(import.meta.url)), 'dist', 'console');
  }

  /** index.html, or undefined when the console was not built. */
  async index(): Promise<Buffer | undefined> {
    try {
      return await readFile(path.join(this.dir, 'index.html'));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /**
   * A file under the console directory named by URL path segments (already decoded), or
   * undefined when a segment is not a plain name or no such regular file exists.
   */
  async file(segments: string[]): Promise<ConsoleFile | undefined> {
    if (segments.length === 0 || !segments.every((s) => SAFE_SEGMENT.test(s))) return undefined;
    const full = path.join(this.dir, ...segments);
    // Belt and braces: the segment rule already keeps the path inside the directory.
    if (!full.startsWith(this.dir + path.sep)) return undefined;
    try {
      const info = await stat(full);
      if (!info.isFile()) return undefined;
      const type = CONTENT_TYPES[path.extname(full).toLowerCase()] ?? 'application/octet-stream';
      return { path: full, size: info.size, contentType: type };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
}

export function packageRoot(from: string): string {
  let dir = path.dirname(from);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
