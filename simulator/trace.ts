/**
 * Bounded trace of θ(t) for plots: the run is cut into buckets and each keeps its first, lowest,
 * highest and last point. θ is linear between events, so recording at events keeps every extreme and
 * every step edge, whatever the number of events.
 */
export interface Trace {
  t: number[];
  offset: number[];
}

export class TraceRecorder {
  private readonly width: number;
  private readonly firstT: Float64Array;
  private readonly firstV: Float64Array;
  private readonly minT: Float64Array;
  private readonly minV: Float64Array;
  private readonly maxT: Float64Array;
  private readonly maxV: Float64Array;
  private readonly lastT: Float64Array;
  private readonly lastV: Float64Array;
  private readonly firstS: Float64Array;
  private readonly minS: Float64Array;
  private readonly maxS: Float64Array;
  private readonly lastS: Float64Array;
  private order = 0;
  private readonly used: Uint8Array;

  constructor(private readonly duration: number, private readonly buckets = 1000) {
    this.width = duration / buckets;
    const n = buckets + 1;
    this.firstT = new Float64Array(n); this.firstV = new Float64Array(n);
    this.minT = new Float64Array(n); this.minV = new Float64Array(n);
    this.maxT = new Float64Array(n); this.maxV = new Float64Array(n);
    this.lastT = new Float64Array(n); this.lastV = new Float64Array(n);
    this.firstS = new Float64Array(n); this.minS = new Float64Array(n);
    this.maxS = new Float64Array(n); this.lastS = new Float64Array(n);
    this.used = new Uint8Array(n);
  }

  add(t: number, v: number): void {
    let b = Math.floor(t / this.width);
    if (b < 0) b = 0;
    if (b > this.buckets) b = this.buckets;
    const o = this.order++;
    if (!this.used[b]) {
      this.used[b] = 1;
      this.firstT[b] = t; this.firstV[b] = v; this.firstS[b] = o;
      this.minT[b] = t; this.minV[b] = v; this.minS[b] = o;
      this.maxT[b] = t; this.maxV[b] = v; this.maxS[b] = o;
    } else {
      if (v < (this.minV[b] ?? v)) { this.minV[b] = v; this.minT[b] = t; this.minS[b] = o; }
      if (v > (this.maxV[b] ?? v)) { this.maxV[b] = v; this.maxT[b] = t; this.maxS[b] = o; }
    }
    this.lastT[b] = t; this.lastV[b] = v; this.lastS[b] = o;
  }

  /**
   * Record `cycles` repetitions of one cycle that starts at `t0 + k·period` (k = 1 … cycles), given by
   * its extreme points as (phase, value). Costs at most one pass over the buckets, however many cycles.
   */
  addPeriodic(t0: number, period: number, cycles: number, points: readonly (readonly [number, number])[]): void {
    const addCycle = (k: number): void => {
      for (const [ph, v] of points) this.add(t0 + k * period + ph, v);
    };
    if (cycles <= 2 * this.buckets) {
      for (let k = 1; k <= cycles; k++) addCycle(k);
      return;
    }
    const first = Math.floor((t0 + period) / this.width);
    const last = Math.floor((t0 + cycles * period) / this.width);
    for (let b = first; b <= last; b++) {
      const k = Math.max(1, Math.ceil((b * this.width - t0) / period));
      if (k <= cycles) addCycle(k);
    }
  }

  finish(): Trace {
    const t: number[] = [];
    const offset: number[] = [];
    for (let b = 0; b <= this.buckets; b++) {
      if (!this.used[b]) continue;
      const pts: [number, number, number][] = [
        [this.firstT[b] ?? 0, this.firstV[b] ?? 0, this.firstS[b] ?? 0],
        [this.minT[b] ?? 0, this.minV[b] ?? 0, this.minS[b] ?? 0],
        [this.maxT[b] ?? 0, this.maxV[b] ?? 0, this.maxS[b] ?? 0],
        [this.lastT[b] ?? 0, this.lastV[b] ?? 0, this.lastS[b] ?? 0],
      ];
      // Recording order, so the two edges of a step (same t) stay in the order they happened.
      pts.sort((a, c) => a[2] - c[2]);
      let prevT = NaN;
      let prevV = NaN;
      for (const [pt, pv] of pts) {
        if (pt === prevT && pv === prevV) continue;
        t.push(pt); offset.push(pv);
        prevT = pt; prevV = pv;
      }
    }
    return { t, offset };
  }
}
