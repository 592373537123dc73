import { attemptText } from './attempt-text.js';
import { retryDelayMs } from './job-outcome.js';

describe('retryDelayMs', () => {
  it('takes the schedule step for the failure count, within ±10%', () => {
    for (let i = 0; i < 50; i++) {
      const ms = retryDelayMs([1000, 5000], 2)!;
      expect(ms).toBeGreaterThanOrEqual(4500);
      expect(ms).toBeLessThanOrEqual(5500);
    }
  });

  it('lets a longer Retry-After win and ignores a shorter one', () => {
    expect(retryDelayMs([1000], 1, 60_000)).toBe(60_000);
    expect(retryDelayMs([10_000], 1, 10)).toBeGreaterThanOrEqual(9000);
  });

  it('is undefined once the schedule is exhausted, Retry-After or not', () => {
    expect(retryDelayMs([1000], 2)).toBeUndefined();
    expect(retryDelayMs([], 1, 5000)).toBeUndefined();
  });
});

describe('attemptText', () => {
  it('masks credentials and keeps the rest', () => {
    expect(attemptText('401 with Authorization: Bearer abc.def.ghi')).toBe(
      '401 with Authorization: [redacted]',
    );
    expect(attemptText('GET https://bob:hunter2@jira.example/x?token=s3cr3t&a=1')).toBe(
      'GET https://bob:[redacted]@jira.example/x?token=[redacted]&a=1',
    );
  });

  it('caps the length and maps empty to null', () => {
    expect(attemptText('x'.repeat(5000))!.length).toBe(1000);
    expect(attemptText('')).toBeNull();
    expect(attemptText(undefined)).toBeNull();
  });
});
