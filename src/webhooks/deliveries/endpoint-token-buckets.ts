interface Bucket {
  tokens: number;
  at: number;
}

/** A bucket untouched this long is full again (capacity = one second's refill). */
const REFILL_MS = 1000;

/**
 * The per-endpoint rate limit of one instance: a token bucket per endpoint that refills
 * `perSecond` tokens a second and holds at most `perSecond`, so a quiet endpoint may take a
 * burst of one second's worth.
 *
 * A bucket is full again one second after its last take, and a full bucket is exactly what a
 * new one would be. So buckets idle for a second are forgotten (swept at most once a second):
 * the map holds the endpoints that sent in the last two seconds, not every endpoint this
 * process has ever rate-limited, and the limit behaves as if every bucket were kept.
 */
export class EndpointTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.sweptAt = now();
  }

  /** 0 when a request may go now (a token is taken), else the ms to wait for one. */
  take(endpointId: string, perSecond: number | null): number {
    if (!perSecond) return 0;
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(endpointId) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }

  /** Endpoints with a bucket held (for tests and the curious). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < REFILL_MS) return;
    this.sweptAt = now;
    for (const [endpointId, bucket] of this.buckets)
      if (now - bucket.at >= REFILL_MS) this.buckets.delete(endpointId);
  }
}
