import { Webhook } from 'standardwebhooks';
import { generateSecret, isValidSecret, sign } from './signature.js';

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
