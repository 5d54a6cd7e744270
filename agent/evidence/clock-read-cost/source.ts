/**
 * `clock-read-cost`: the current clocksource and a small live measurement of ns per clock read.
 * Live only: a capture cannot say how fast this machine reads its clock, so `--from` skips it.
 */
import type { Source } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { ClockReadCostRaw } from './parser.js';

const BATCHES = 7;
const CALLS = 20_000;

/**
 * ns per process.hrtime.bigint() (clock_gettime(CLOCK_MONOTONIC), in the vDSO or as a system call), one
 * value per batch. Yields between batches so the other collectors' timings are not inflated by ours.
 */
async function measureClockReads(batches = BATCHES, calls = CALLS): Promise<number[]> {
  const out: number[] = [];
  let sink = 0n;
  for (let b = 0; b < batches; b++) {
    await new Promise((r) => setImmediate(r));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink ^= process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    out.push(Number(t1 - t0) / (calls + 1));
  }
  // Keep the loop observable so it cannot be optimised away.
  if (sink === -1n) out.push(0);
  return out;
}

export const clockReadCostSource: Source<ClockReadCostRaw> = {
  name: 'clock-read-cost',
  async read(_roots, { io, live, signal }) {
    if (!live) return { state: 'absent', reason: 'measured only on a live system (skipped for --from)', path: null };
    const r = io.readTextSync('sysfs', 'devices/system/clocksource/clocksource0/current_clocksource', { record: false });
    if (r.state !== 'ok') return notOk(r);
    return { state: 'ok', raw: { clocksource: r.text, samplesNs: await measureClockReads() }, path: r.path };
  },
};
