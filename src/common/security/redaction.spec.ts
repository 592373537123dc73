import {
  keepsStoredSecret,
  LEGACY_PLACEHOLDERS,
  redactHeaders,
  redactSecrets,
  REDACTED,
} from './redaction.js';

describe('redaction', () => {
  it('replaces credential headers and keeps the rest', () => {
    expect(
      redactHeaders({
        Authorization: 'Basic x',
        Cookie: 'a=b',
        'X-Api-Key': 'k',
        'x-auth-token': 't',
        'content-type': 'application/json',
        depth: '1',
      }),
    ).toEqual({
      Authorization: REDACTED,
      Cookie: REDACTED,
      'X-Api-Key': REDACTED,
      'x-auth-token': REDACTED,
      'content-type': 'application/json',
      depth: '1',
    });
  });

  it('removes every occurrence of configured secret values from text', () => {
    expect(redactSecrets('token abcd1234 echoed: abcd1234!', ['abcd1234', 'xy'])).toBe(
      `token ${REDACTED} echoed: ${REDACTED}!`,
    );
  });

  it('treats the placeholder and the deprecated legacy one as "keep", any other value as new', () => {
    expect(REDACTED).toBe('[redacted]');
    expect(LEGACY_PLACEHOLDERS).toEqual(['********']);
    expect(keepsStoredSecret('[redacted]')).toBe(true);
    expect(keepsStoredSecret('********')).toBe(true);
    for (const value of [undefined, '', '*******', '*********', '[REDACTED]', 'redacted', 'pw'])
      expect({ value, keeps: keepsStoredSecret(value) }).toEqual({ value, keeps: false });
  });
});
