import { rateLimitWaitMs } from './rate-limit.js';

describe('rateLimitWaitMs', () => {
  const now = Date.UTC(2026, 0, 1);
  const epoch = (ms: number) => String(Math.floor(ms / 1000));

  it("waits until GitHub's primary limit resets (403 or 429 with x-ratelimit-remaining: 0)", () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(now + 42_000) };
    expect(rateLimitWaitMs(403, headers, now)).toBe(42_000);
    expect(rateLimitWaitMs(429, headers, now)).toBe(42_000);
  });

  it('waits the Retry-After of a secondary limit, and a minute when GitHub names no time', () => {
    expect(rateLimitWaitMs(403, { 'retry-after': '7' }, now)).toBe(7000);
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '0' }, now)).toBe(60_000);
  });

  it('caps every wait at one day', () => {
    expect(rateLimitWaitMs(429, { 'retry-after': '99999999' }, now)).toBe(86_400_000);
    const far = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(now + 9e9) };
    expect(rateLimitWaitMs(403, far, now)).toBe(86_400_000);
  });

  it('is no rate limit for a plain 403, a 403 with requests left, or other statuses', () => {
    expect(rateLimitWaitMs(403, {}, now)).toBeUndefined();
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '12' }, now)).toBeUndefined();
    expect(rateLimitWaitMs(400, { 'retry-after': '5' }, now)).toBeUndefined();
    expect(rateLimitWaitMs(503, { 'x-ratelimit-remaining': '0' }, now)).toBeUndefined();
  });
});
