import { EndpointTokenBuckets } from './endpoint-token-buckets.js';

function clocked() {
  const clock = { now: 1_000_000 };
  return { clock, sut: new EndpointTokenBuckets(() => clock.now) };
}

describe('EndpointTokenBuckets', () => {
  it('lets a burst of one second through, then spaces requests at the rate', () => {
    const { clock, sut } = clocked();
    const waits = Array.from({ length: 7 }, () => sut.take('ep', 5));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBe(200);
    clock.now += 200;
    expect(sut.take('ep', 5)).toBe(0);
    expect(sut.take('ep', 5)).toBe(200);
  });

  it('does not limit an endpoint without a rate, and holds no bucket for it', () => {
    const { sut } = clocked();
    for (let i = 0; i < 100; i++) expect(sut.take(`free-${i}`, null)).toBe(0);
    expect(sut.size).toBe(0);
  });

  it('holds only the endpoints of the last seconds however many endpoints send', () => {
    const { clock, sut } = clocked();
    let most = 0;
    let limited = 0;
    // 30,000 endpoints, one request each, 1,000 a second for 30 seconds.
    for (let i = 0; i < 30_000; i++) {
      if (sut.take(`ep-${i}`, 10) > 0) limited++;
      clock.now += 1;
      most = Math.max(most, sut.size);
    }
    expect(limited).toBe(0);
    expect(most).toBeLessThanOrEqual(2_000);
    clock.now += 1_000;
    sut.take('last', 10);
    expect(sut.size).toBe(1);
  });

  it('forgets a bucket once it is full again, which answers as a kept one would', () => {
    const { clock, sut } = clocked();
    for (let i = 0; i < 6; i++) sut.take('ep', 5);
    clock.now += 600;
    expect(sut.take('other', 5)).toBe(0);
    expect(sut.size).toBe(2); // 'ep' is refilling: kept
    clock.now += 400;
    expect(sut.take('other', 5)).toBe(0);
    expect(sut.size).toBe(1); // 'ep' has been idle a second: full, forgotten
    const burst = Array.from({ length: 7 }, () => sut.take('ep', 5));
    // Five tokens (a full bucket), then one every 200 ms: as if the bucket had been kept.
    expect(burst).toEqual([0, 0, 0, 0, 0, 200, 200]);
  });
});
