/**
 * The web config's `rate_limit` as exporter-toolkit applies it: one token bucket for the whole server
 * (golang.org/x/time/rate: `rate.NewLimiter(rate.Every(interval), burst)`, `Allow()` per request), so
 * `interval: 1s, burst: 0` refuses everything and `interval: 100ms, burst: 10` allows 10 at once and
 * then one every 100 ms. A refused request is answered 429 before authentication, as there.
 */
import type { RateLimit } from './web-config.js';

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    // x/time/rate starts with a full bucket.
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Take a token if there is one. */
  allow(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + (t - this.last) / this.limit.intervalMs);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
