import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { Public } from '../../src/common/auth/audience.decorator.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

@Controller('test-failure')
class FailingController {
  @Get()
  @Public()
  fail(): never {
    throw new Error('database password is hunter2');
  }
}

describe('HTTP surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ controllers: [FailingController] });
  });
  afterAll(() => t.close());

  describe('problem+json', () => {
    it('lists every invalid field of a body', async () => {
      const res = await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ role: 'admin', extra: true })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: expect.stringContaining('/validation'),
        title: 'Validation failed',
        status: 400,
        instance: '/admin/api-keys',
      });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'name', message: expect.any(String) },
          { field: 'extra', message: 'should not exist' },
        ]),
      );
    });

    it('answers malformed JSON with a 400, not a 500', async () => {
      const res = await request(t.url)
        .post('/events')
        .set(bearer(t.adminToken))
        .set('content-type', 'application/json')
        .send('{"type": ')
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toContain('malformed-json');
    });

    it('answers an oversized body with a 413', async () => {
      const big = JSON.stringify({
        type: 'big.event',
        source: 's',
        data: { blob: 'x'.repeat(1024 * 1024 + 10) },
      });
      const res = await request(t.url)
        .post('/events')
        .set(bearer(t.adminToken))
        .set('content-type', 'application/json')
        .send(big)
        .expect(413);
      expect(res.body).toMatchObject({
        status: 413,
        type: expect.stringContaining('payload-too-large'),
      });
    });

    it('answers an unknown route with a 404 problem', async () => {
      const res = await request(t.url).get('/no/such/route').set(bearer(t.adminToken)).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.status).toBe(404);
    });

    it('answers an unexpected error with a 500 that hides internals but names the request id', async () => {
      const res = await request(t.url)
        .get('/test-failure')
        .set('X-Request-Id', 'req-boom-1')
        .expect(500);
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(res.body).toMatchObject({ status: 500, requestId: 'req-boom-1' });
      const logged = t.logs.find((l) => l.includes('hunter2') && l.includes('req-boom-1'));
      expect(logged).toBeDefined();
      expect(JSON.parse(logged!).level).toBe('error');
    });
  });

  describe('request ids and logs', () => {
    it('echoes a caller X-Request-Id and generates one otherwise', async () => {
      const echoed = await request(t.url).get('/health').set('X-Request-Id', 'abc-123');
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const generated = await request(t.url).get('/health');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const unsafe = await request(t.url).get('/health').set('X-Request-Id', 'bad id with spaces');
      expect(unsafe.headers['x-request-id']).not.toBe('bad id with spaces');
    });

    it('writes JSON log lines with the request id and never the Authorization header', async () => {
      await request(t.url)
        .get('/events')
        .set(bearer(t.adminToken))
        .set('X-Request-Id', 'log-check-1')
        .expect(200);
      const line = t.logs.find((l) => l.includes('log-check-1'));
      expect(line).toBeDefined();
      const parsed = JSON.parse(line!);
      expect(parsed.req.headers.authorization).toBe('[redacted]');
      expect(t.logs.some((l) => l.includes(t.adminToken))).toBe(false);
    });

    it('logs query parameter names but never their values (cursors, filters, tokens)', async () => {
      await request(t.url)
        .get('/events')
        .query({ source: 'secret-filter-value', limit: 5 })
        .set(bearer(t.adminToken))
        .set('X-Request-Id', 'log-check-2')
        .expect(200);
      const line = t.logs.find((l) => l.includes('log-check-2'));
      expect(JSON.parse(line!).req.url).toBe('/events?source=[redacted]&limit=[redacted]');
      expect(t.logs.some((l) => l.includes('secret-filter-value'))).toBe(false);
    });
  });

  describe('health and metrics', () => {
    it('reports liveness and readiness without credentials', async () => {
      await request(t.url).get('/health').expect(200, { status: 'ok' });
      const ready = await request(t.url).get('/health/ready').expect(200);
      expect(ready.body.info).toMatchObject({
        database: { status: 'up' },
        migrations: { status: 'up' },
      });
    });

    it('exposes request counts and latency by route template and status', async () => {
      await request(t.url).get('/admin/api-keys').set(bearer(t.adminToken)).expect(200);
      const res = await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toMatch(
        /http_requests_total\{method="GET",route="\/admin\/api-keys",status="200"\} [1-9]/,
      );
      expect(res.text).toContain('http_request_duration_seconds_bucket');
      expect(res.text).toContain('process_cpu_seconds_total');
    });

    it('answers metrics only to admin credentials', async () => {
      const res = await request(t.url).get('/metrics').expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });
});
