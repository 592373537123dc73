import { createHash, randomBytes } from 'node:crypto';
import {
  checkPayloadToken,
  dataBytes,
  referenceBody,
  signPayloadToken,
} from './payload-reference.js';

describe('payload references', () => {
  const key = randomBytes(32);
  const payload = JSON.stringify({ type: 'big', timestamp: 't', data: { blob: 'x'.repeat(10) } });

  it('replaces data with a reference whose hash and size match the served bytes', () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { body, reference } = referenceBody(payload, { url: 'http://127.0.0.1/p', expiresAt });
    const parsed = JSON.parse(body);
    expect(parsed).toEqual({ type: 'big', timestamp: 't', dataReference: reference });
    expect(parsed.data).toBeUndefined();
    const bytes = dataBytes(payload);
    expect(reference.size).toBe(bytes.length);
    expect(reference.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(JSON.parse(bytes.toString())).toEqual({ blob: 'x'.repeat(10) });
  });

  it('accepts its own token until it expires, and refuses forged ones', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = signPayloadToken(key, 'd1', new Date(now.getTime() + 60_000));
    expect(checkPayloadToken(key, 'd1', token, now)).toBe('ok');
    expect(checkPayloadToken(key, 'd2', token, now)).toBe('invalid');
    expect(checkPayloadToken(randomBytes(32), 'd1', token, now)).toBe('invalid');
    expect(checkPayloadToken(key, 'd1', token, new Date(now.getTime() + 61_000))).toBe('expired');
    const [expiry, sig] = token.split('.');
    expect(checkPayloadToken(key, 'd1', `${Number(expiry) + 3600}.${sig}`, now)).toBe('invalid');
    expect(checkPayloadToken(key, 'd1', 'garbage', now)).toBe('invalid');
  });
});
