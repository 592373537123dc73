import * as fs from 'node:fs';
import type { Agent } from 'node:http';
import * as path from 'node:path';
import type { ChildApp } from '../test/support/child-app.js';
import { call, sleep } from './sync-support.js';

/** The app's Prometheus metrics (admin token) as name{labels} -> value. */
export async function promMetrics(
  agent: Agent,
  base: string,
  adminToken: string,
): Promise<Map<string, number>> {
  const text = String((await call(agent, base, 'GET', '/metrics', adminToken)).body);
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

/**
 * The V8 heap in use after a full GC. The app must run with `--heapsnapshot-signal=SIGUSR2`
 * in `dir`: a heap snapshot starts with a full collection, so "heap used" read right after it
 * is what is live, not garbage waiting for the next GC (which varies by tens of MiB). A
 * snapshot grows the RSS for a while: read RSS before calling this.
 */
export async function liveHeapMiB(
  app: ChildApp & { url: string },
  dir: string,
  agent: Agent,
  adminToken: string,
): Promise<number> {
  const known = new Set(fs.readdirSync(dir));
  app.process.kill('SIGUSR2');
  let file: string | undefined;
  let size = -1;
  for (let stable = 0; stable < 4;) {
    await sleep(250);
    file ??= fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !known.has(f));
    const now = file ? fs.statSync(path.join(dir, file)).size : -1;
    stable = now > 0 && now === size ? stable + 1 : 0;
    size = now;
  }
  fs.rmSync(path.join(dir, file!));
  return (
    (await promMetrics(agent, app.url, adminToken)).get('nodejs_heap_size_used_bytes')! / 2 ** 20
  );
}
