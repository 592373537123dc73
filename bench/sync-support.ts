import * as fs from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';

/** Helpers shared by the sync bench scenarios: user tokens, plain HTTP calls, the app's RSS. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123';

export function token(userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export interface Answer {
  status: number;
  body: unknown;
}

export function call(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  bearer: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      base + path,
      {
        method,
        agent,
        headers: {
          Authorization: `Bearer ${bearer}`,
          ...(payload === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(payload)),
              }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function ok(answer: Promise<Answer>, what: string): Promise<unknown> {
  const a = await answer;
  if (a.status < 200 || a.status >= 300)
    throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Median of 5 VmRSS samples 200 ms apart. */
export async function steadyRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssKiB(pid));
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2];
}
