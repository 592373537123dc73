import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import request from 'supertest';
import { Public } from '../../src/common/auth/audience.decorator.js';
import { startTestApp, TestApp } from '../support/test-app.js';

/** What @nestjs/terminus throws when an indicator is down: its body has `status: "error"`. */
@Public()
@Controller('test-health')
class TerminusShapedController {
  @Get()
  fail(): never {
    throw new ServiceUnavailableException({
      status: 'error',
      info: { migrations: { status: 'up' } },
      error: { database: { status: 'down', error: 'Connection terminated unexpectedly' } },
      details: {
        database: { status: 'down', error: 'Connection terminated unexpectedly' },
        migrations: { status: 'up' },
      },
    });
  }
}

describe('Readiness problem details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ controllers: [TerminusShapedController] });
  });
  afterAll(() => t.close());

  it('answers a failed health check with 503 problem+json and the indicator details', async () => {
    const res = await request(t.url).get('/test-health').expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      details: { database: { status: 'down' }, migrations: { status: 'up' } },
    });
  });

  it('answers 200 with every check up when the database is there', async () => {
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });
});
