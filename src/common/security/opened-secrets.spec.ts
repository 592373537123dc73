import { randomBytes } from 'node:crypto';
import { OpenedSecrets } from './opened-secrets.js';
import { SecretBox } from './secret-box.js';

/** A box that counts how often each sealed value is decrypted. */
function countingBox() {
  const box = new SecretBox(randomBytes(32));
  const opened = new Map<string, number>();
  const open = box.open.bind(box);
  box.open = (sealed: string) => {
    opened.set(sealed, (opened.get(sealed) ?? 0) + 1);
    return open(sealed);
  };
  return { box, opened };
}

describe('OpenedSecrets', () => {
  it('opens a sealed value once and answers from memory after', () => {
    const { box, opened } = countingBox();
    const sut = new OpenedSecrets(box, 10);
    const sealed = box.seal('whsec_one');
    expect([sut.open(sealed), sut.open(sealed)]).toEqual(['whsec_one', 'whsec_one']);
    expect(opened.get(sealed)).toBe(1);
  });

  it('keeps a hot secret open through a flood of others, and stays at its size', () => {
    const { box, opened } = countingBox();
    const sut = new OpenedSecrets(box, 100);
    const hot = box.seal('whsec_hot');
    const flood = Array.from({ length: 1_000 }, (_, i) => box.seal(`whsec_cold-${i}`));
    sut.open(hot);
    flood.forEach((sealed, i) => {
      sut.open(sealed);
      if (i % 50 === 0) expect(sut.open(hot)).toBe('whsec_hot');
      expect(sut.size).toBeLessThanOrEqual(100);
    });
    expect(opened.get(hot)).toBe(1);
    // The cold ones went out, least recently used first: the first is opened again.
    sut.open(flood[0]);
    expect(opened.get(flood[0])).toBe(2);
    expect(sut.size).toBe(100);
  });
});
