import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const sut = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores the plaintext', () => {
    const sealed = sut.seal('whsec_very-secret');
    expect(sealed).not.toContain('very-secret');
    expect(sut.open(sealed)).toBe('whsec_very-secret');
  });

  it('uses a fresh nonce per seal', () => {
    expect(sut.seal('same')).not.toBe(sut.seal('same'));
  });

  it('rejects a tampered ciphertext', () => {
    const parts = sut.seal('value').split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => sut.open(parts.join('.'))).toThrow();
  });

  it('names the key when a value was sealed with another key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => sut.open(other.seal('x'))).toThrow(/sealed with key/);
  });

  it('opens values of a previous key and seals with the current one', () => {
    const oldKey = randomBytes(32);
    const old = new SecretBox(oldKey);
    const rotated = new SecretBox(randomBytes(32), [oldKey]);
    expect(rotated.open(old.seal('kept'))).toBe('kept');
    expect(rotated.seal('new').split('.')[1]).toBe(rotated.keyId);
    expect(rotated.keyIds).toEqual([rotated.keyId, old.keyId]);
    expect(() => old.open(rotated.seal('x'))).toThrow(/not configured/);
  });
});
