import { createHash } from 'node:crypto';
import type { HttpAdapterHost } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { ArtifactMeta } from '../../artifacts/index.js';
import {
  DeliveryArtifacts,
  expandArtifacts,
  inlineChoice,
  referencedIds,
  withArtifacts,
} from './artifact-data.js';
import { PayloadLinks } from './payload-links.service.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

const meta = (
  id: string,
  size: number,
  contentType = 'application/octet-stream',
): ArtifactMeta => ({
  id,
  name: `${id.slice(0, 4)}.bin`,
  contentType,
  size,
  sha256: 'f'.repeat(64),
});
const link = (id: string) => ({ url: `http://127.0.0.1/a/${id}`, expiresAt: new Date(0) });

describe('artifacts in a delivery body', () => {
  it('inlines text as text and other bytes as base64, links the rest, marks a removed one gone', () => {
    const artifacts: DeliveryArtifacts = {
      metas: new Map([
        [A, meta(A, 3, 'text/plain; charset=utf-8')],
        [B, meta(B, 2, 'image/png')],
        [C, meta(C, 999)],
      ]),
      contents: new Map([
        [A, Buffer.from('log')],
        [B, Buffer.from([0xff, 0x00])],
      ]),
    };
    const gone = '44444444-4444-4444-8444-444444444444';
    const data = {
      state: 'done',
      artifacts: [
        { artifactId: A.toUpperCase() },
        { artifactId: B, role: 'badge' },
        { artifactId: C },
        { artifactId: gone },
        'kept as published',
      ],
    };
    expect(expandArtifacts(data, artifacts, link)).toEqual({
      state: 'done',
      artifacts: [
        expect.objectContaining({ artifactId: A.toUpperCase(), data: 'log', size: 3 }),
        expect.objectContaining({ role: 'badge', data: '/wA=', encoding: 'base64' }),
        expect.objectContaining({
          url: `http://127.0.0.1/a/${C}`,
          expires_at: new Date(0).toISOString(),
        }),
        { artifactId: gone, gone: true },
        'kept as published',
      ],
    });
  });

  it('sends text that is not UTF-8 as base64', () => {
    const artifacts: DeliveryArtifacts = {
      metas: new Map([[A, meta(A, 1, 'text/plain')]]),
      contents: new Map([[A, Buffer.from([0xc3])]]),
    };
    const [a] = (
      expandArtifacts({ artifacts: [{ artifactId: A }] }, artifacts, link) as {
        artifacts: { encoding?: string }[];
      }
    ).artifacts;
    expect(a.encoding).toBe('base64');
  });

  it('inlines in the order named, while the budget lasts', () => {
    const metas = new Map([
      [A, meta(A, 100)],
      [B, meta(B, 200)],
      [C, meta(C, 50)],
    ]);
    expect(inlineChoice([A, B, C], metas, 256)).toEqual([A, C]);
    expect(inlineChoice([B, A, C], metas, 256)).toEqual([B, C]);
  });

  it('reads ids only from {artifactId} items, and leaves other payloads byte for byte', () => {
    expect(
      referencedIds('{"type":"t","data":{"artifacts":[{"artifactId":"X"},{"id":1}]}}'),
    ).toEqual(['x']);
    expect(referencedIds('{"type":"t","data":{"n":1.10}}')).toEqual([]);
    const plain = '{"type":"t","timestamp":"x","data":{"n":1.10}}';
    expect(withArtifacts(plain, { metas: new Map(), contents: new Map() }, link)).toBe(plain);
  });

  it('serves behind a dataReference exactly the bytes the body hashed, artifacts linked', () => {
    const links = new PayloadLinks(
      { httpAdapter: undefined } as unknown as HttpAdapterHost,
      { PUBLIC_URL: 'http://127.0.0.1:3000', PORT: 3000 } as never,
      { maxInlineBytes: 1024, payloadUrlTtlMs: 60_000 } as never,
      { secretKey: randomBytes(32), previousKeys: [] } as never,
    );
    const stored = JSON.stringify({
      type: 'big',
      timestamp: 't',
      data: { blob: 'x'.repeat(2000), artifacts: [{ artifactId: A }] },
    });
    const artifacts: DeliveryArtifacts = {
      metas: new Map([[A, meta(A, 3, 'text/plain')]]),
      contents: new Map([[A, Buffer.from('log')]]),
    };
    const body = JSON.parse(links.bodyFor('d1', stored, artifacts));
    const ref = body.dataReference as { url: string; sha256: string };
    const token = new URL(ref.url).searchParams.get('token')!;
    const served = links.referencedData('d1', stored, { ...artifacts, contents: new Map() }, token);
    expect(createHash('sha256').update(served).digest('hex')).toBe(ref.sha256);
    const [a] = JSON.parse(served.toString()).artifacts;
    expect(a.url).toContain(`/webhooks/payloads/d1/artifacts/${A}?token=`);
    expect(a.data).toBeUndefined();
  });
});
