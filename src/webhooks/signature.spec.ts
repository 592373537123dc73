import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateSecret, isValidSecret, sign, signHex } from './signature.js';

describe('Standard Webhooks signature', () => {
  const body = JSON.stringify({
    type: 'card.created',
    timestamp: '2026-11-23T10:00:00.000Z',
    data: { id: 1 },
  });

  it('is accepted by the standardwebhooks library', () => {
    const secret = generateSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': sign([secret], 'msg_1', ts, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every active secret so either verifies during rotation', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret(48)];
    const ts = Math.floor(Date.now() / 1000);
    const signature = sign([newSecret, oldSecret], 'msg_2', ts, body);
    expect(signature.split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newSecret]) {
      expect(() =>
        new Webhook(s).verify(body, {
          'webhook-id': 'msg_2',
          'webhook-timestamp': String(ts),
          'webhook-signature': signature,
        }),
      ).not.toThrow();
    }
  });

  it('fails verification when the body changes', () => {
    const secret = generateSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(ts),
      'webhook-signature': sign([secret], 'msg_3', ts, body),
    };
    expect(() => new Webhook(secret).verify(body.replace('1', '2'), headers)).toThrow();
  });

  it('validates secret format', () => {
    expect(isValidSecret(generateSecret(24))).toBe(true);
    expect(isValidSecret(generateSecret(64))).toBe(true);
    expect(isValidSecret(generateSecret(16))).toBe(false);
    expect(isValidSecret('whsec_not base64')).toBe(false);
    expect(isValidSecret('secret')).toBe(false);
  });
});

describe('hmac-sha256-hex signature (GitHub style)', () => {
  const body = '{"type":"card.created","timestamp":"2026-11-23T10:00:00.000Z","data":{"id":1}}';

  /** What a receiver written for GitHub does, unchanged. */
  const githubVerifies = (secret: string, header: string) => {
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    );
    const got = Buffer.from(header);
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  it('is sha256= and lowercase hex of the HMAC keyed with the secret string', () => {
    const secret = generateSecret();
    const header = signHex([secret], body);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(githubVerifies(secret, header)).toBe(true);
  });

  it('matches a known vector', () => {
    expect(signHex(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'hello')).toBe(
      'sha256=' +
        createHmac('sha256', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
          .update('hello')
          .digest('hex'),
    );
  });

  it('does not key with the base64-decoded bytes', () => {
    const secret = generateSecret();
    const decoded = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const wrong = `sha256=${createHmac('sha256', decoded).update(body).digest('hex')}`;
    expect(signHex([secret], body)).not.toBe(wrong);
  });

  it('gives one signature per live secret, newest first, comma-separated', () => {
    const [newSecret, oldSecret] = [generateSecret(), generateSecret()];
    const parts = signHex([newSecret, oldSecret], body).split(',');
    expect(parts).toHaveLength(2);
    expect(githubVerifies(newSecret, parts[0])).toBe(true);
    expect(githubVerifies(oldSecret, parts[1])).toBe(true);
  });

  it('fails verification when the body changes', () => {
    const secret = generateSecret();
    const header = signHex([secret], body.replace('1', '2'));
    expect(githubVerifies(secret, header)).toBe(false);
  });
});
