/**
 * Watchdog verdict arithmetic: the skew when the kernel printed only raw counters (eras B/C), which
 * counter went backwards, and the rate a clocksource was registered with.
 */
import type { WatchdogVerdict } from './facts.js';
import type { OpenVerdict, RawCounters } from './boot.js';
// acpi_pm's fixed rate (formats.md §6) turns era B/C raw counters into a skew.
import { ACPI_PM_HZ } from '../../util/timekeeping.js';

const FULL_MASK = (1n << 64n) - 1n;

/** Frequency a clocksource was registered with, from max_cycles / max_idle_ns (64-bit masks only). */
export function registrationHz(mask: string, maxCyclesHex: string, maxIdleNs: number): number | null {
  if (!/^f{16}$/i.test(mask) || maxIdleNs <= 0) return null;
  // max_idle_ns = max_cycles · (mult − maxadj) / 2^shift / 2 with maxadj = 11 % of mult (clocksource.c).
  const hz = Math.round((Number(BigInt(`0x${maxCyclesHex}`)) * 0.89e9) / (2 * maxIdleNs));
  return Number.isSafeInteger(hz) ? hz : null;
}

export function counters(now: string | undefined, last: string | undefined, mask: string | undefined): RawCounters | null {
  if (now === undefined || last === undefined || mask === undefined) return null;
  if (now.length > 16 || last.length > 16 || mask.length > 16) return null;
  return { now: BigInt(`0x${now}`), last: BigInt(`0x${last}`), mask: BigInt(`0x${mask}`) };
}

function elapsedNs(c: RawCounters, hz: number): number {
  const ticks = (c.now - c.last) & c.mask;
  return Math.round((Number(ticks) * 1e9) / hz);
}

/**
 * A 64-bit counter that reads lower than last time went backwards (no 64-bit counter wraps within a
 * watchdog interval); a narrower counter (acpi_pm's 24 bits, a 32-bit hpet) may simply have wrapped.
 */
const wentBackwards = (c: RawCounters | null): boolean => c !== null && c.mask === FULL_MASK && c.now < c.last;

/** Counter rate of a clocksource whose rate the log (or the hardware) fixes; null when unknown. */
function counterHz(name: string | null, tscKhz: number | null, hpetHz: number | null): number | null {
  switch (name) {
    case 'acpi_pm': return ACPI_PM_HZ;
    case 'hpet': return hpetHz;
    case 'kvm-clock':
    case 'xen': return 1_000_000_000;
    case 'hyperv_clocksource_tsc_page':
    case 'hyperv_clocksource_msr': return 10_000_000;
    case 'tsc':
    case 'tsc-early': return tscKhz === null ? null : tscKhz * 1000;
    default: return null;
  }
}

/** The verdict as facts: skew from the printed fields, else from raw counters at rates the log states. */
export function finishVerdict(o: OpenVerdict, tscKhz: number | null, hpetHz: number | null): WatchdogVerdict {
  const v = { ...o.v };
  v.backwards = wentBackwards(o.csRaw) ? 'clocksource' : wentBackwards(o.wdRaw) ? 'watchdog' : null;
  if (v.skewNs === null && v.wdNsec !== null && v.csNsec !== null) {
    v.skewNs = v.csNsec - v.wdNsec;
    v.intervalNs = v.wdNsec;
  }
  if (v.skewNs === null && v.backwards === null && o.wdRaw !== null && o.csRaw !== null) {
    // Eras B/C print raw counters only: convert them with rates the log itself states.
    const wdHz = counterHz(v.watchdog, tscKhz, hpetHz);
    const csHz = counterHz(v.clocksource, tscKhz, hpetHz);
    if (wdHz !== null && csHz !== null && wdHz > 0 && csHz > 0) {
      const wd = elapsedNs(o.wdRaw, wdHz);
      v.skewNs = elapsedNs(o.csRaw, csHz) - wd;
      v.intervalNs = wd;
    }
  }
  return v;
}
