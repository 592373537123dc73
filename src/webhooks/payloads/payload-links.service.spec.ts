import type { HttpAdapterHost } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { PayloadLinks } from './payload-links.service.js';

/** A PayloadLinks as an instance configured with `secretKey` (and previous keys) builds it. */
function links(secretKey: Buffer, previousKeys: Buffer[] = []): PayloadLinks {
  return new PayloadLinks(
    { httpAdapter: undefined } as unknown as HttpAdapterHost,
    { PUBLIC_URL: 'http://127.0.0.1:3000', PORT: 3000 } as never,
    { maxInlineBytes: 16, payloadUrlTtlMs: 60_000 } as never,
    { secretKey, previousKeys } as never,
  );
}

function tokenOf(body: string): string {
  const { dataReference } = JSON.parse(body) as { dataReference: { url: string } };
  return new URL(dataReference.url).searchParams.get('token')!;
}

describe('payload links across a SECRET_KEY rotation', () => {
  const stored = JSON.stringify({ type: 'big', timestamp: 't', data: { blob: 'x'.repeat(64) } });

  it('a link sent under the old key still opens once that key is in SECRET_KEY_PREVIOUS', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const token = tokenOf(links(oldKey).bodyFor('d1', stored));
    expect(links(newKey, [oldKey]).check('d1', token)).toBe('ok');
    expect(links(newKey, [oldKey]).check('d2', token)).toBe('invalid');
    // Without the old key it is refused, as any forged token is.
    expect(links(newKey).check('d1', token)).toBe('invalid');
  });

  it('new links are signed with the current key only', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const token = tokenOf(links(newKey, [oldKey]).bodyFor('d1', stored));
    expect(links(newKey).check('d1', token)).toBe('ok');
    expect(links(oldKey).check('d1', token)).toBe('invalid');
  });
});
