import request from 'supertest';
import { FakeJira } from '../../src/testing/index.js';
import {
  cardData,
  createIntegration,
  FAST_INTEGRATIONS,
  jiraConfig,
  publishCards,
  waitForLink,
} from '../integrations/helpers.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createTrigger, FAST_WEBHOOKS, firingsOf, publish } from '../triggers/helpers.js';
import { ConsoleBrowser } from './browser.js';

/**
 * The operator console in headless Chromium against the real app at /console: every test
 * fails on a request that leaves loopback, a console or page error, or a serious/critical
 * axe-core finding (ConsoleBrowser). The screenshots in docs/console/ are taken here.
 */
describe('operator console in a real browser', () => {
  let t: TestApp;
  let b: ConsoleBrowser;
  let jira: FakeJira;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof Receiver.start>) => {
    const r = await Receiver.start(...args);
    receivers.push(r);
    return r;
  };
  const admin = () => bearer(t.adminToken);

  // Generous: on a loaded 2-core machine Chromium's start takes seconds.
  beforeAll(async () => {
    [t, jira] = await Promise.all([
      startTestApp({
        env: { ...FAST_WEBHOOKS, ...FAST_INTEGRATIONS },
      }),
      FakeJira.start(),
    ]);
    b = await ConsoleBrowser.launch(t.url);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await jira?.close();
    await t?.close();
  });
  beforeEach(() => {
    b.outside.length = 0;
    b.problems.length = 0;
    b.allowed = [];
  });

  it('shows a failed delivery with the receiver answer, and retries it to success', async () => {
    const type = 'invoice.paid';
    const r = await receiver((_req, res) => {
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'receiver down for maintenance' }));
    });
    const { page } = b;
    await b.signIn(t.adminToken);

    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await page.getByText('New endpoint').click();
    await page.getByLabel('URL', { exact: true }).fill(r.url);
    await page.getByLabel('Description').fill('Billing receiver');
    await page.getByLabel('Event types').fill(type);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { level: 1, name: 'Billing receiver' }).waitFor();
    const endpointId = page.url().split('/').pop()!;

    await publish(t, {
      type,
      source: 'billing',
      subject: 'inv-42',
      data: { invoice: 42, amount: 1999 },
    });
    // The retry schedule runs out in about a second; then the delivery is failed for good.
    const failed = await waitFor(
      async () => {
        const res = await request(t.url)
          .get('/webhooks/deliveries')
          .query({ endpointId })
          .set(admin())
          .expect(200);
        return (res.body.data as { id: string; status: string }[]).find(
          (d) => d.status === 'failed',
        );
      },
      20_000,
      'the failed delivery',
    );

    await page.getByRole('link', { name: 'Delivery log' }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('Endpoint').selectOption(endpointId);
    await page
      .getByRole('row')
      .filter({ hasText: type })
      .getByRole('link', { name: failed.id.slice(0, 8) })
      .click();
    await page.getByRole('heading', { level: 1, name: /Delivery/ }).waitFor();
    await page.getByTestId('delivery-status').getByText('failed').waitFor();
    // The receiver's answer: its status and its body, as it sent them.
    const last = page.locator('.attempt').last();
    await last.getByText('receiver down for maintenance').waitFor();
    // And the request as it went out, signature included.
    await last
      .locator('.table-wrap[aria-label^="Request headers"]')
      .getByText('webhook-signature')
      .waitFor();
    expect(await page.locator('.attempt').count()).toBeGreaterThan(1);
    expect(await page.locator('.attempt .badge').first().innerText()).toBe('503');
    await b.capture('delivery-failed');

    r.handler = (_req, res) => void res.end('thanks');
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByTestId('delivery-status').getByText('succeeded').waitFor();
    await page.locator('.attempt').filter({ hasText: '200' }).waitFor();
    await b.capture('delivery');

    await page.getByRole('link', { name: 'Billing receiver' }).click();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await page
      .locator('code.secret')
      .getByText(/^whsec_/)
      .waitFor();
    await page.getByRole('button', { name: 'Hide secret' }).click();
    await b.capture('endpoint');
    await page
      .getByRole('navigation', { name: 'Webhooks' })
      .getByRole('link', { name: 'Delivery log' })
      .click();
    await page.getByRole('row').filter({ hasText: type }).first().waitFor();
    await b.capture('deliveries');
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('img', { name: /1 succeeded, \d+ failed/ }).waitFor();
    await b.capture('webhooks');
    b.expectClean();
  }, 90_000);

  it('creates a silence from a firing in one click', async () => {
    const ok = await receiver();
    const name = 'Backup failed on the NAS';
    const trigger = await createTrigger(t, {
      name,
      matchers: [{ label: 'source', op: '=', value: 'nas-backup' }],
      action: { type: 'webhook', url: ok.url },
    });
    const event = {
      type: 'backup.failed',
      source: 'nas-backup',
      subject: 'nas-01',
      severity: 'error',
      data: { message: 'disk /dev/sda1 full' },
    };
    await publish(t, event);
    await waitFor(
      async () => (await firingsOf(t, trigger.id)).find((f) => f.delivery?.status === 'succeeded'),
      20_000,
      'the delivered firing',
    );

    const { page } = b;
    await b.signIn(t.adminToken);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Triggers' })
      .click();
    await page.getByRole('link', { name }).click();
    const firing = page.getByRole('row').filter({ hasText: 'backup.failed' }).first();
    await firing.getByRole('link', { name: 'succeeded' }).waitFor();
    await firing.getByRole('button', { name: 'Silence 1 h: backup.failed' }).click();
    await page.getByText(`Silenced trigger = "${name}" and type = "backup.failed"`).waitFor();
    await page
      .locator('.table-wrap[aria-label="Silences"]')
      .getByText(`trigger = "${name}"`)
      .waitFor();

    const active = await request(t.url)
      .get('/triggers/silences')
      .query({ state: 'active' })
      .set(admin())
      .expect(200);
    const silence = (
      active.body.data as { id: string; matchers: unknown[]; createdBy: string }[]
    ).find((s) => JSON.stringify(s.matchers).includes(name));
    expect(silence).toMatchObject({
      matchers: [
        { label: 'trigger', op: '=', value: name },
        { label: 'type', op: '=', value: 'backup.failed' },
      ],
      createdBy: 'admin-token',
    });
    // It takes effect: the next match is recorded as silenced by it and not sent.
    await publish(t, event);
    await waitFor(
      async () => (await firingsOf(t, trigger.id)).find((f) => f.silenceId === silence!.id),
      20_000,
      'the silenced firing',
    );
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'silenced' }).first().waitFor();
    await b.capture('trigger');
    await page.getByRole('link', { name: 'All triggers' }).click();
    await page.getByRole('link', { name }).waitFor();
    await b.capture('triggers');
    b.expectClean();
  }, 90_000);

  it('shows an integration call log and a card, and queues a resync', async () => {
    const { id } = await createIntegration(t, { name: 'Jira (support)', config: jiraConfig(jira) });
    await publishCards(t, [
      { type: 'card.created', card: 'card-7', data: cardData('Printer on fire') },
    ]);
    await waitForLink(t, id, 'card-7');

    const { page } = b;
    await b.signIn(t.adminToken);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Integrations' })
      .click();
    await page.getByRole('link', { name: 'Jira (support)' }).waitFor();
    await b.capture('integrations');
    await page.getByRole('link', { name: 'Jira (support)' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: 'create' })
      .getByRole('link', { name: 'card-7' })
      .first()
      .waitFor();
    await b.capture('integration');
    await page.getByRole('link', { name: 'card-7' }).first().click();
    await page.getByText('Printer on fire').waitFor();
    await page.getByRole('button', { name: 'Resync card' }).click();
    await page.getByText(/Resync queued as job/).waitFor();
    await b.capture('integration-card');
    b.expectClean();
  }, 90_000);

  it('shows the overview, jobs, events and consumers, at 1280 and 390 px', async () => {
    // Something failing now: an endpoint whose receiver answers 500 to everything.
    const down = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('shipping service unavailable');
    });
    const created = await request(t.url)
      .post('/webhooks/endpoints')
      .set(admin())
      .send({ url: down.url, description: 'Shipping updates', eventTypes: ['shipment.created'] })
      .expect(201);
    await publish(t, [
      { type: 'shipment.created', source: 'shipping', subject: 'sh-1', data: { id: 'sh-1' } },
      { type: 'shipment.delivered', source: 'shipping', subject: 'sh-1', data: { id: 'sh-1' } },
    ]);
    await waitFor(
      async () => {
        const res = await request(t.url).get('/overview/failing').set(admin()).expect(200);
        return (res.body.endpoints as { id: string }[]).some((e) => e.id === created.body.id);
      },
      20_000,
      'the endpoint in the failing list',
    );

    const { page } = b;
    await b.signIn(t.adminToken);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const failing = page.locator('.table-wrap[aria-label="Failing now"]');
    await failing
      .getByRole('row')
      .filter({ hasText: 'HTTP 500' })
      .getByRole('link', { name: 'Shipping updates' })
      .waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page.getByRole('heading', { name: 'Jobs by queue and state' }).waitFor();
    await b.capture('overview');

    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
    await page.getByLabel('Status').selectOption('any');
    // Run alone, the suite may have no job yet: the list has loaded either way.
    await page
      .locator('.table-wrap[aria-label="Jobs"] tbody tr')
      .first()
      .or(page.getByText('No jobs match.'))
      .waitFor();
    await b.capture('jobs');

    await nav.getByRole('link', { name: 'Events' }).click();
    const events = page.locator('.table-wrap[aria-label="Events"] tbody tr');
    await page.getByLabel('Type').fill('shipment.created');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/type=shipment\.created/);
    // Polled: until the filtered page replaces the unfiltered one, both types are listed.
    await waitFor(
      async () => {
        const types = await events.locator('td:nth-child(3)').allInnerTexts();
        return types.length === 1 && types[0] === 'shipment.created';
      },
      10_000,
      'only shipment.created listed',
    );
    await page.getByLabel('Type').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => !url.search.includes('type='));
    await events.filter({ hasText: 'shipment.delivered' }).waitFor();
    await b.capture('events');

    await nav.getByRole('link', { name: 'Consumers' }).click();
    await page.getByRole('row').filter({ hasText: 'webhooks' }).first().waitFor();
    await b.capture('consumers');

    // A phone: the navigation folds behind a menu button, the charts stack.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await b.open('', 'Overview');
      await page.locator('.chart canvas').first().waitFor();
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Consumers' }).waitFor();
      await page.getByRole('button', { name: 'Menu' }).click();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
      await b.capture('overview-390');
      // Every other section fits too: wide tables scroll inside their own frame.
      for (const [path, heading] of [
        ['/webhooks', 'Webhooks'],
        ['/webhooks/deliveries', 'Webhooks'],
        ['/triggers', 'Triggers'],
        ['/integrations', 'Integrations'],
        ['/calendar', 'Calendar'],
        ['/jobs', 'Jobs'],
        ['/events', 'Events'],
        ['/consumers', 'Consumers'],
      ]) {
        await b.open(path, heading);
        await page.getByText('Loading…').first().waitFor({ state: 'hidden' });
        expect([path, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([
          path,
          390,
        ]);
        await b.axe(`${path} at 390 px`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    b.expectClean();
  }, 90_000);

  it('returns to sign-in with a message when the hub refuses the credential, and signs out', async () => {
    const { page } = b;
    await b.signIn(t.adminToken);
    // The refused call is logged by Chromium as a failed resource load: expected here.
    b.allowed = ['401 (Unauthorized)'];
    await page.evaluate(() => {
      for (const key of Object.keys(sessionStorage)) sessionStorage.setItem(key, 'revoked-token');
    });
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Jobs' })
      .click();
    await page
      .getByRole('status')
      .getByText('The hub refused the stored credential (401). Sign in again.')
      .waitFor();
    await page.getByLabel('Admin token or admin API key').fill(t.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').getByText('Signed out.').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await b.axe('sign-in');
    b.expectClean();
  }, 60_000);
});
