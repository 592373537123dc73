import { BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (.ci/run installs it); playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';

/** Where a browser test's page may send requests: loopback, or nowhere (data:, blob:, about:). */
export function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/**
 * Headless Chromium with a fresh profile in `profileDir` (the persistent context is how
 * Playwright takes one), and nothing of its own on the network: no background fetches,
 * component updates or sync.
 */
export function launchChromium(
  profileDir: string,
  options: { baseURL?: string; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    ...options,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
