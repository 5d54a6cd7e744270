import { describe, expect, it } from 'vitest';
import { LocalClock, type ClockSource } from '../../agent/measure/local-clock.js';

/** A fake pair of clocks: monotonic advances 50 ns per read; realtime = monotonic + w, in ms. */
function fakeClocks(w0: bigint): ClockSource & { w: bigint } {
  let mono = 1_000_000_000n;
  const src = {
    w: w0,
    monoNs: () => (mono += 50n),
    realtimeMs: () => Number((mono + src.w) / 1_000_000n),
  };
  return src;
}

describe('LocalClock', () => {
  it('finds REALTIME − MONOTONIC to within a microsecond from a millisecond edge', () => {
    const w = 1_700_000_000_123_456_789n;
    const c = new LocalClock(fakeClocks(w));
    expect(c.calibrate()).toBeNull();
    const err = (c.offsetNs as bigint) - w;
    expect(err < 1000n && err > -1000n).toBe(true);
    // realtimeNs is monotonic + W.
    expect(c.realtimeNs(5_000_000_000n) - 5_000_000_000n).toBe(c.offsetNs);
  });

  it('reports a step of the wall clock with its size and sign, once', () => {
    const src = fakeClocks(1_700_000_000_000_000_000n);
    const c = new LocalClock(src);
    c.calibrate();
    expect(c.calibrate()).toBeNull();
    src.w += 700_000_000n; // a synchroniser stepped the clock forward 0.7 s
    const step = c.calibrate();
    expect(step).not.toBeNull();
    const size = Number(step!.sizeNs) / 1e9;
    expect(size).toBeCloseTo(0.7, 5);
    expect(c.calibrate()).toBeNull();
    src.w -= 20_000_000n; // and back 20 ms
    expect(Number(c.calibrate()!.sizeNs) / 1e9).toBeCloseTo(-0.02, 5);
  });

  it('ignores changes below a millisecond (estimate noise, not steps)', () => {
    const src = fakeClocks(1_700_000_000_000_000_000n);
    const c = new LocalClock(src);
    c.calibrate();
    src.w += 300_000n;
    expect(c.calibrate()).toBeNull();
  });

  it('says how far W can be off, and the truth lies within it, with fast reads and with reads too slow for a clean edge', () => {
    for (const readCostNs of [50n, 3_000n, 40_000n]) {
      let mono = 1_000_000_000n;
      const w = 1_700_000_000_123_456_789n;
      const c = new LocalClock({ monoNs: () => (mono += readCostNs), realtimeMs: () => Number((mono + w) / 1_000_000n) });
      c.calibrate();
      const err = c.offsetErrorNs!;
      const off = (c.offsetNs as bigint) - w;
      expect(off <= err && off >= -err, `reads of ${readCostNs} ns: W off by ${off} ns, stated ±${err} ns`).toBe(true);
      // A clean edge gives µs; without one the estimate says ±0.5 ms and more.
      if (readCostNs <= 3_000n) expect(err).toBeLessThan(20_000n);
      else expect(err).toBeGreaterThanOrEqual(500_000n);
    }
  });

  it('measures the real clocks consistently: independent estimates of W agree within their stated errors', () => {
    const cs: LocalClock[] = [];
    for (let i = 0; i < 5; i++) {
      const c = new LocalClock();
      c.calibrate();
      cs.push(c);
    }
    // However busy the machine (a preempted read only widens the stated error), any two agree within
    // the sum of what each says it can be off — unless the wall clock was stepped in between.
    for (const a of cs) {
      for (const b of cs) {
        const d = (a.offsetNs as bigint) - (b.offsetNs as bigint);
        const tol = (a.offsetErrorNs as bigint) + (b.offsetErrorNs as bigint);
        expect(d <= tol && d >= -tol, `W ${a.offsetNs} ± ${a.offsetErrorNs} vs ${b.offsetNs} ± ${b.offsetErrorNs}`).toBe(true);
      }
    }
  });
});
