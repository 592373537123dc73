import {
  credentialForms,
  keepsStoredSecret,
  peerTextRedactor,
  LEGACY_PLACEHOLDERS,
  isSensitiveName,
  redactSecrets,
  REDACTED,
} from './redaction.js';

describe('redaction', () => {
  it('names credential headers and no others', () => {
    const names = ['Authorization', 'Cookie', 'X-Api-Key', 'x-auth-token', 'content-type', 'depth'];
    expect(names.filter(isSensitiveName)).toEqual([
      'Authorization',
      'Cookie',
      'X-Api-Key',
      'x-auth-token',
    ]);
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

  describe('peerTextRedactor', () => {
    const token = 'ATATT3xFfGF0-secret/token+value';
    const pair = `admin@example.com:${token}`;
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const b64url = (t: string) => Buffer.from(t).toString('base64url');
    const clean = peerTextRedactor([token, `Basic ${b64(pair)}`]);
    const echoes: Record<string, string> = {
      raw: token,
      'url-encoded': encodeURIComponent(token),
      'bare base64 of the token': b64(token),
      'base64 of the token, padding dropped': b64(token).replace(/=+$/, ''),
      'base64url of the token': b64url(token),
      'bare base64 of the Basic pair': b64(pair),
      'base64 of the pair inside a longer encoded run': b64(`x${pair}`),
      'base64 of the token after two other bytes': b64(`ab${token}yz`),
      'the decoded Basic pair': pair,
    };

    it.each(Object.entries(echoes))('masks the secret echoed as %s', (_name, echo) => {
      const out = clean(`Jira said: ${echo} (end)`);
      for (const form of credentialForms([token, `Basic ${b64(pair)}`]))
        expect(out).not.toContain(form);
      expect(out).not.toContain(token);
      expect(out).toContain(REDACTED);
      expect(out.startsWith('Jira said: ')).toBe(true);
    });

    it('leaves text without the secret as it is', () => {
      expect(clean('issue HUB-1: summary is required')).toBe('issue HUB-1: summary is required');
    });
  });
});
