import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { rawRequest } from '../support/raw-http.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const INDEX =
  '<!doctype html><title>Hub console</title><script src="/console/assets/app-3KX7Q2.js"></script>';
const SCRIPT = 'console.log("hub");';

function expectSecurityHeaders(headers: Record<string, unknown>) {
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
}

describe('the console files at /console', () => {
  let built: string;
  let t: TestApp;

  beforeAll(async () => {
    // A console build of our own (CONSOLE_DIR), with a secret beside it that must stay out of reach.
    const root = await mkdtemp(path.join(tmpdir(), 'hub-console-'));
    built = path.join(root, 'console');
    await mkdir(path.join(built, 'assets'), { recursive: true });
    await writeFile(path.join(built, 'index.html'), INDEX);
    await writeFile(path.join(built, 'assets', 'app-3KX7Q2.js'), SCRIPT);
    await writeFile(path.join(built, 'assets', 'app-3KX7Q2.css'), 'body{margin:0}');
    await writeFile(path.join(built, 'assets', '.hidden'), 'dotfile');
    await writeFile(path.join(root, 'secret.txt'), 'do not serve');
    t = await startTestApp({ env: { CONSOLE_DIR: built } });
  });

  afterAll(async () => {
    await t?.close();
    await rm(path.dirname(built), { recursive: true, force: true });
  });

  it.each([
    '/console',
    '/console/',
    '/console/webhooks/deliveries/5b2e7c1d-3a4f-4e6b-8c9d-0a1b2c3d4e5f',
    '/console/events?type=card.created',
  ])('answers index.html to %s, without credentials, never stored', async (p) => {
    const res = await rawRequest(t.url, { method: 'GET', path: p });
    expect(res.status).toBe(200);
    expect(res.text).toBe(INDEX);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(res.headers);
  });

  it('serves a hashed asset with its content type, cacheable for a year', async () => {
    const js = await rawRequest(t.url, { method: 'GET', path: '/console/assets/app-3KX7Q2.js' });
    expect(js.status).toBe(200);
    expect(js.text).toBe(SCRIPT);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(js.headers);
    const css = await rawRequest(t.url, { method: 'GET', path: '/console/assets/app-3KX7Q2.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await rawRequest(t.url, { method: 'HEAD', path: '/console/assets/app-3KX7Q2.js' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(SCRIPT.length));
  });

  it('answers 404 problem+json, with the same headers, to an unknown asset', async () => {
    for (const p of ['/console/assets/app-NOPE.js', '/console/assets/', '/console/favicon.ico']) {
      const res = await rawRequest(t.url, { method: 'GET', path: p });
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, instance: p.replace(/\/$/, '/') });
      expectSecurityHeaders(res.headers);
    }
  });

  it('refuses every way out of the console directory, and dotfiles', async () => {
    for (const p of [
      '/console/assets/../../secret.txt',
      '/console/assets/%2e%2e/%2e%2e/secret.txt',
      '/console/assets/..%2f..%2fsecret.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..%5c..%5csecret.txt',
      '/console/assets/.hidden',
      '/console/assets/%00app-3KX7Q2.js',
    ]) {
      const res = await rawRequest(t.url, { method: 'GET', path: p });
      expect([p, res.status]).toEqual([p, expect.any(Number)]);
      expect(res.text).not.toContain('do not serve');
      expect(res.text).not.toContain('dotfile');
      expect([p, res.status >= 400 && res.status < 500]).toEqual([p, true]);
    }
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    const res = await rawRequest(t.url, {
      method: 'DELETE',
      path: '/console/assets/app-3KX7Q2.js',
    });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expectSecurityHeaders(res.headers);
  });

  it('leaves the console out of the API document', async () => {
    const res = await rawRequest(t.url, { method: 'GET', path: '/docs-json' });
    const paths = Object.keys((res.body as { paths: Record<string, unknown> }).paths);
    expect(paths.filter((p) => p.startsWith('/console'))).toEqual([]);
  });
});

describe('the console before it is built', () => {
  let t: TestApp;
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(path.join(tmpdir(), 'hub-console-empty-'));
    t = await startTestApp({ env: { CONSOLE_DIR: empty } });
  });

  afterAll(async () => {
    await t?.close();
    await rm(empty, { recursive: true, force: true });
  });

  it('answers 503 problem+json saying to run npm run build', async () => {
    for (const p of ['/console', '/console/webhooks']) {
      const res = await rawRequest(t.url, { method: 'GET', path: p });
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 503,
        type: expect.stringContaining('console-not-built'),
      });
      expect(String(res.body?.detail)).toContain('npm run build');
      expectSecurityHeaders(res.headers);
    }
  });
});
