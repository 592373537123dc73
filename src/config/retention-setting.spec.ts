import { retentionMs } from './retention-setting.js';
import { ConfigError } from './validate-env.js';

describe('retentionMs', () => {
  it('reads the duration form, down to seconds', () => {
    expect(retentionMs('WEBHOOK_RETENTION', '12h', undefined, '30d')).toBe(12 * 3_600_000);
    expect(retentionMs('WEBHOOK_RETENTION', '5s', undefined, '30d')).toBe(5000);
  });

  it('still reads the whole-day setting it replaced', () => {
    expect(retentionMs('JOBS_RETENTION', undefined, 3, '14d')).toBe(3 * 86_400_000);
  });

  it('falls back to the default when neither is set', () => {
    expect(retentionMs('JOBS_RETENTION', undefined, undefined, '14d')).toBe(14 * 86_400_000);
  });

  it('refuses both at once, naming the setting', () => {
    expect(() => retentionMs('SYNC_LOG_RETENTION', '1d', 2, '30d')).toThrow(ConfigError);
    expect(() => retentionMs('SYNC_LOG_RETENTION', '1d', 2, '30d')).toThrow(
      /SYNC_LOG_RETENTION_DAYS/,
    );
  });
});
