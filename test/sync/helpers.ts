import { SignJWT } from 'jose';
import request from 'supertest';
import { bearer, TestApp } from '../support/test-app.js';

/** Short heartbeats and a small schema ceiling so those paths are testable. */
export const SYNC_TEST_ENV = {
  SYNC_HEARTBEAT_MS: '300',
  SYNC_MAX_SCHEMA_VERSION: '3',
};

export const MIN = 60_000;
/** An ISO instant `ms` milliseconds ago (the server clamps the far future, not the past). */
export const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A user JWT signed with the test app's HS256 secret; `sub` is the user id. */
export function userToken(t: TestApp, userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(t.jwtSecret));
}

export interface WireChange {
  eventId: string;
  table: string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  data?: Record<string, unknown>;
  at?: string;
  fields?: Record<string, { value: unknown; at: string }>;
  deletedAt?: string;
  spaceId?: string | null;
  schemaVersion?: number;
  actor?: string | null;
  origin?: string | null;
  clientId?: string;
  userId?: string;
}

export interface PushAnswer {
  serverChanges: WireChange[];
  conflicts: Record<string, unknown>[];
  clamped: Record<string, unknown>[];
  resync: { spaceId: string; reason: string }[];
  syncedUntil: string;
  hasMore: boolean;
}

export async function push(
  t: TestApp,
  token: string,
  appId: string,
  body: Record<string, unknown>,
  expectStatus = 200,
): Promise<PushAnswer> {
  const res = await request(t.url).post(`/sync/${appId}`).set(bearer(token)).send(body);
  if (res.status !== expectStatus)
    throw new Error(
      `push: expected ${expectStatus}, got ${res.status} ${JSON.stringify(res.body)}`,
    );
  return res.body as PushAnswer;
}

export async function pull(
  t: TestApp,
  token: string,
  appId: string,
  query: { collection: string; since?: string; limit?: number },
): Promise<{ changes: WireChange[]; hasMore: boolean; syncedUntil: string }> {
  const res = await request(t.url)
    .get(`/sync/${appId}/pull`)
    .query(query)
    .set(bearer(token))
    .expect(200);
  return res.body;
}

/** Change builders for the `cards` table; eventIds are unique per call. */
export const insertChange = (
  id: string,
  data: Record<string, unknown>,
  extra: Partial<WireChange> = {},
): WireChange => ({
  eventId: `ins-${id}-${Math.random()}`,
  table: 'cards',
  id,
  op: 'insert',
  data,
  ...extra,
});

export const updateChange = (
  id: string,
  fields: Record<string, { value: unknown; at: string }>,
  extra: Partial<WireChange> = {},
): WireChange => ({
  eventId: `upd-${id}-${Math.random()}`,
  table: 'cards',
  id,
  op: 'update',
  fields,
  ...extra,
});
