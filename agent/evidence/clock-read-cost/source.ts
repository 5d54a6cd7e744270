/**
 * `clock-read-cost`: the current clocksource and a small live measurement of ns per clock read.
 * Live only: a capture cannot say how fast this machine reads its clock, so `--from` skips it. The
 * agent spreads the measurement over refreshes (one batch each, a window of seven).
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

/**
 * The agent's window: the last BATCHES batches, one new batch per refresh (a seventh of the cost), all
 * of them measured afresh when the clocksource changes (the old ones timed another clock).
 */
interface Window {
  clocksource: string | null;
  samplesNs: number[];
}

async function samplesFor(clocksource: string, window: Window | undefined): Promise<number[]> {
  if (window === undefined) return measureClockReads();
  if (window.clocksource !== clocksource || window.samplesNs.length === 0) {
    window.samplesNs = await measureClockReads();
  } else {
    window.samplesNs = [...window.samplesNs, ...(await measureClockReads(1))].slice(-BATCHES);
  }
  window.clocksource = clocksource;
  return window.samplesNs;
}

export const clockReadCostSource: Source<ClockReadCostRaw> = {
  name: 'clock-read-cost',
  async read(_roots, { io, live, memory }) {
    if (!live) return { state: 'absent', reason: 'measured only on a live system (skipped for --from)', path: null };
    const r = io.readTextSync('sysfs', 'devices/system/clocksource/clocksource0/current_clocksource', { record: false });
    if (r.state !== 'ok') return notOk(r);
    const window = memory?.keep<Window>('window', () => ({ clocksource: null, samplesNs: [] }));
    return { state: 'ok', raw: { clocksource: r.text, samplesNs: await samplesFor(r.text, window) }, path: r.path };
  },
};
