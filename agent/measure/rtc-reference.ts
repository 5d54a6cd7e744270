/**
 * `rtc` / `rtc:/dev/rtcN` — the second edges of the RTC against this clock.
 *
 * The honest way would be RTC_UIE_ON and a blocking read of /dev/rtc0 (one interrupt per second edge),
 * but that ioctl is not reachable from Node without a native addon. Instead we read
 * `<sysfs>/class/rtc/rtcN/since_epoch` (whole seconds) around the moment the next edge is due, in a
 * tight loop, and take the edge as the midpoint between the last read showing N and the first showing
 * N+1. Precision per edge: one sysfs read (tens of µs; on an emulated CMOS RTC the read itself can
 * take longer). The first edge is found by coarse polling. Note: if something copies the system time
 * into the RTC (chrony `rtcsync`, the kernel's 11-minute mode, hwclock --systohc), the RTC is not
 * independent — such writes show up as reference steps.
 */
import { readFileSync } from 'node:fs';
import type { LocalClock } from './local-clock.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from './reference.js';
import { sysPath, type Roots } from '../roots.js';

const SPIN_BEFORE_NS = 15_000_000n;
const SPIN_AFTER_NS = 15_000_000n;
const COARSE_POLL_MS = 2;

export function parseRtcSpec(spec: string): string | null {
  if (spec === 'rtc') return 'rtc0';
  const m = /^rtc:(?:\/dev\/)?(rtc\d+)$/.exec(spec);
  return m ? (m[1] as string) : null;
}

export class RtcReference implements Reference {
  readonly name: string;
  readonly precision = 'one sysfs read per second edge (~10–100 µs); the RTC counts whole seconds';
  private readonly file: string;
  /** Monotonic time of the last edge we saw, to predict the next one. */
  private lastEdgeMono: bigint | null = null;

  constructor(
    device: string,
    roots: Roots,
    private readonly timeoutMs: number,
  ) {
    this.name = device === 'rtc0' ? 'rtc' : `rtc:${device}`;
    this.file = sysPath(roots, 'class', 'rtc', device, 'since_epoch');
  }

  private read(): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'latin1');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ReferenceFailure(`no RTC: ${this.file} does not exist (this machine exposes no RTC)`, 'unavailable');
      throw new ReferenceFailure(`cannot read ${this.file}: ${code ?? String(err)}`, 'unavailable');
    }
    const v = Number(text.trim());
    if (!Number.isSafeInteger(v)) throw new ReferenceFailure(`${this.file} does not hold a number of seconds`, 'rejected');
    return v;
  }

  async sample(clock: LocalClock, signal?: AbortSignal): Promise<ReferenceSample> {
    let value = this.read();
    const start = clock.monoNs();
    const limit = start + BigInt(Math.max(this.timeoutMs, 1100)) * 1_000_000n;
    if (this.lastEdgeMono !== null) {
      // Sleep until just before the predicted edge, then spin.
      const since = start - this.lastEdgeMono;
      const next = this.lastEdgeMono + (since / 1_000_000_000n + 1n) * 1_000_000_000n;
      const wakeNs = next - SPIN_BEFORE_NS - clock.monoNs();
      if (wakeNs > 0n) await clock.sleep(Number(wakeNs / 1_000_000n), { signal });
      value = this.read();
      let prevMono = clock.monoNs();
      const spinEnd = next + SPIN_AFTER_NS;
      while (clock.monoNs() < spinEnd) {
        const v = this.read();
        const m = clock.monoNs();
        if (v !== value) return this.edge(clock, v, value, prevMono, m);
        prevMono = m;
      }
    }
    // Coarse search for an edge (first sample, or the prediction missed).
    let prevMono = clock.monoNs();
    value = this.read();
    while (clock.monoNs() < limit) {
      if (signal?.aborted) throw new ReferenceFailure('aborted', 'timeout');
      await clock.sleep(COARSE_POLL_MS);
      const v = this.read();
      const m = clock.monoNs();
      if (v !== value) return this.edge(clock, v, value, prevMono, m);
      prevMono = m;
    }
    throw new ReferenceFailure(`the RTC did not tick within ${Number(limit - start) / 1e6} ms`, 'timeout');
  }

  private edge(clock: LocalClock, v: number, prev: number, beforeMono: bigint, afterMono: bigint): ReferenceSample {
    const edgeMono = (beforeMono + afterMono) / 2n;
    this.lastEdgeMono = edgeMono;
    const localNs = clock.realtimeNs(edgeMono);
    return {
      monoNs: edgeMono,
      offsetSeconds: Number(BigInt(v) * 1_000_000_000n - localNs) / 1e9,
      delaySeconds: Number(afterMono - beforeMono) / 1e9,
      detail: { rtcSeconds: v, jumpedBy: v - prev },
    };
  }

  close(): void {
    // Nothing held open.
  }
}
