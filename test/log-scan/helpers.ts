import request from 'supertest';
import { bearer, TestApp } from '../support/test-app.js';

/** Creates a rule as the admin; fails the test on anything but 201. */
export async function createRule(t: TestApp, body: Record<string, unknown>) {
  const res = await request(t.url).post('/logs/rules').set(bearer(t.adminToken)).send(body);
  if (res.status !== 201) throw new Error(`rule not created: ${res.status} ${res.text}`);
  return res.body as { id: string; name: string };
}

export function sendLines(t: TestApp, body: Record<string, unknown>, token = t.adminToken) {
  return request(t.url).post('/logs').set(bearer(token)).send(body);
}

export async function stats(t: TestApp) {
  return (await request(t.url).get('/logs/stats').set(bearer(t.adminToken)).expect(200)).body;
}

/** Events of a source in the log, oldest first (GET /events is newest first). */
export async function eventsOf(t: TestApp, source: string, type = 'log.match') {
  const res = await request(t.url)
    .get('/events')
    .query({ source, type, limit: 500 })
    .set(bearer(t.adminToken))
    .expect(200);
  return (
    res.body.data as {
      type: string;
      severity: string;
      subject: string;
      data: Record<string, unknown>;
    }[]
  ).reverse();
}
