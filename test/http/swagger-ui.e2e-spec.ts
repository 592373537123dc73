import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext } from 'playwright-core';
import { isLoopback, launchChromium } from '../support/chromium.js';
import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

const README_STEP_3 = { type: 'card.created', source: 'swagger-ui', data: { id: 1 } };

/**
 * The newcomer's path in a real browser: open /docs, Authorize with the admin token, and run
 * README step 3 (POST /events) through "Try it out" / "Execute". Every request the page makes
 * is checked: anything not on loopback (a CDN, a validator badge) is refused and fails the
 * test, so the page works offline.
 */
describe('Swagger UI in headless Chromium', () => {
  let t: TestApp;
  let context: BrowserContext;
  let profile: string;
  const outside: string[] = [];
  const served: string[] = [];

  // Generous timeouts: on a loaded 2-core CI machine Chromium's start and render take seconds.
  beforeAll(async () => {
    t = await startTestApp();
    profile = await mkdtemp(join(tmpdir(), 'swagger-ui-chromium-'));
    context = await launchChromium(profile);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await t.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('authorizes with the admin token and publishes README step 3 through Try it out', async () => {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopback(url)) {
        served.push(new URL(url).pathname);
        return route.continue();
      }
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${t.url}/docs`);

    await page.locator('button.authorize').first().click();
    const admin = page.locator('.auth-container').filter({ hasText: 'admin' }).first();
    await admin.locator('input').fill(t.adminToken);
    await admin.locator('button.authorize').click();
    await page.locator('button.btn-done').first().click();

    const operation = page.locator('.opblock-post').filter({
      has: page.locator('.opblock-summary-path[data-path="/events"]'),
    });
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('textarea.body-param__text').fill(JSON.stringify(README_STEP_3));
    await operation.locator('button.execute').click();

    const live = operation.locator('.live-responses-table tr.response');
    const status = live.locator('.response-col_status').first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('202');
    const body = await live.locator('.highlight-code .microlight').first().innerText();
    const ids = (JSON.parse(body) as { ids: string[] }).ids;
    expect(ids).toHaveLength(1);

    // Stored: the log lists it under the id the UI showed.
    const stored = await waitFor(async () => {
      const res = await request(t.url)
        .get('/events')
        .query({ type: 'card.created' })
        .set(bearer(t.adminToken))
        .expect(200);
      return (res.body.data as { id: string; source: string }[]).find((e) => e.id === ids[0]);
    });
    expect(stored.source).toBe('swagger-ui');
    expect(outside).toEqual([]);
    // The UI came from this server (swagger-ui-dist; Nest inlines the document in the init
    // script), not from a CDN.
    expect(served).toEqual(
      expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']),
    );
  }, 180_000);
});
