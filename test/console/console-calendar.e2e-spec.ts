import {
  bindNew,
  connect,
  publish,
  appointment,
  settled,
  startCalendarApp,
} from '../calendar/helpers.js';
import { type CalDavServer, startCalDavServer } from '../support/caldav/caldav-servers.js';
import type { TestApp } from '../support/test-app.js';
import { ConsoleBrowser } from './browser.js';

/**
 * "Sync now" on a calendar binding in the console, against a real Radicale: the run is a job,
 * and the console shows its sync-log row once it lands. Same failure rules as the other
 * console suite (no request off loopback, no console error, no serious axe finding).
 */
describe('operator console: calendar sync now against Radicale', () => {
  let t: TestApp;
  let server: CalDavServer;
  let b: ConsoleBrowser;

  beforeAll(async () => {
    [t, server] = await Promise.all([startCalendarApp(), startCalDavServer('radicale')]);
    b = await ConsoleBrowser.launch(t.url);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await server?.stop();
    await t?.close();
  });

  it('presses sync now on a binding and sees the run in its sync log', async () => {
    const c = await connect(t, server);
    const binding = await bindNew(t, c, { scopeKind: 'all_visible', displayName: 'Court dates' });
    await publish(
      t,
      'created',
      'hearing-1',
      appointment(c.user, { title: 'Hearing at the county court' }),
    );
    await settled(t);

    const { page } = b;
    await b.signIn(t.adminToken);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Calendar' })
      .click();
    await page.getByRole('button', { name: 'Sync log of Court dates' }).click();
    const panel = page.locator('section.panel');
    await panel.getByRole('heading', { name: 'Sync log: Court dates' }).waitFor();
    await panel.getByText('Loading…').waitFor({ state: 'hidden' });
    const before = await panel.locator('tr.sync-run').count();

    await panel.getByRole('button', { name: 'Sync now' }).click();
    await panel.getByText('Sync finished.').waitFor();
    expect(await panel.locator('tr.sync-run').count()).toBe(before + 1);
    // The newest run first: it found the appointment already on the server and wrote nothing.
    const newest = panel.locator('tr.sync-run').first();
    expect(await newest.locator('td').nth(7).innerText()).toBe('0');
    expect(page.url()).toContain(`binding=${binding.id}`);
    await b.capture('calendar');
    b.expectClean();
  }, 90_000);
});
