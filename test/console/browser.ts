import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { isLoopback, launchChromium } from '../support/chromium.js';

/**
 * Every run takes the screenshots; they replace the committed ones in docs/console/ only with
 * UPDATE_CONSOLE_SCREENSHOTS=1 (like a snapshot update), so `npm test` leaves the tree clean.
 */
export const SCREENSHOTS =
  process.env.UPDATE_CONSOLE_SCREENSHOTS === '1'
    ? join(process.cwd(), 'docs', 'console')
    : join(process.cwd(), 'test-results', 'console');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * One Chromium for a suite, with the console's failure rules: a request that leaves loopback
 * is aborted and recorded; a console error (a CSP refusal shows up as one), a page error
 * and a serious or critical axe-core finding are recorded. `expectClean()` fails the test on
 * any of them.
 */
export class ConsoleBrowser {
  readonly outside: string[] = [];
  readonly problems: string[] = [];
  page!: Page;
  /** Console errors a test provoked on purpose (a refused credential's 401), by substring. */
  allowed: string[] = [];
  private context!: BrowserContext;
  private profile!: string;
  private axeSource!: string;

  static async launch(baseUrl: string): Promise<ConsoleBrowser> {
    const b = new ConsoleBrowser();
    b.profile = await mkdtemp(join(tmpdir(), 'console-chromium-'));
    b.axeSource = await readFile(AXE, 'utf8');
    b.context = await launchChromium(b.profile, {
      baseURL: baseUrl,
      viewport: { width: 1280, height: 900 },
    });
    await b.context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLoopback(url)) return route.continue();
      b.outside.push(url);
      return route.abort();
    });
    b.page = b.context.pages()[0] ?? (await b.context.newPage());
    b.page.setDefaultTimeout(30_000);
    b.page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = `${msg.text()} (${msg.location().url})`;
      if (!b.allowed.some((a) => text.includes(a))) b.problems.push(`console error: ${text}`);
    });
    b.page.on('pageerror', (err) => b.problems.push(`page error: ${err.message}`));
    return b;
  }

  /** Opens /console signed out (whatever an earlier test left) and signs in through the form. */
  async signIn(token: string): Promise<void> {
    // Cleared from a page of the same origin that is not the console, so no call of the
    // console goes out with the old credential, or without one, while it is cleared.
    await this.page.goto('/health');
    await this.page.evaluate(() => sessionStorage.clear());
    await this.page.goto('/console');
    await this.page.getByLabel('Admin token or admin API key').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('navigation', { name: 'Sections' }).waitFor();
  }

  /** Client-side navigation through the nav or a link is what users do; this is a deep link. */
  async open(path: string, heading: string | RegExp): Promise<void> {
    await this.page.goto(`/console${path}`);
    await this.page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /**
   * axe-core's serious and critical findings on the page as it is now. The script goes in
   * through page.evaluate (DevTools protocol), which the page's CSP does not govern, so the
   * page keeps its real policy: no bypassCSP, and addScriptTag's inline script would be refused.
   */
  async axe(where: string): Promise<void> {
    await this.page.evaluate(this.axeSource);
    const found = await this.page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<AxeResult> } })
        .axe;
      const result = await axe.run({ resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
    });
    for (const f of found) this.problems.push(`axe on ${where}: ${f}`);
  }

  /** A screenshot of the page (see SCREENSHOTS), after the page's own check with axe. */
  async capture(name: string, options: { fullPage?: boolean } = {}): Promise<void> {
    await this.axe(name);
    await this.page.screenshot({
      path: join(SCREENSHOTS, `${name}.png`),
      fullPage: options.fullPage ?? true,
      animations: 'disabled',
    });
  }

  expectClean(): void {
    expect({ outside: this.outside, problems: this.problems }).toEqual({
      outside: [],
      problems: [],
    });
  }

  async close(): Promise<void> {
    await this.context?.close();
    await rm(this.profile, { recursive: true, force: true });
  }
}

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}
