/**
 * Cost of one clock read: can the current clocksource be read in the vDSO (no system call), and the
 * measured ns per `clock_gettime` from Node. Pure (the measuring happens in the source).
 */
import type { ClockReadCostFacts } from './facts.js';
import { median } from '../../util/stats.js';

export interface ClockReadCostRaw {
  /** Text of `current_clocksource`. */
  clocksource: string | null;
  /** ns per call of each measured batch (process.hrtime.bigint → clock_gettime(CLOCK_MONOTONIC)). */
  samplesNs: number[];
}

/**
 * vDSO capability by clocksource (x86 `vdso_clock_mode`, arm64 `arch_sys_counter`). kvm-clock is read in
 * the vDSO when the host sets PVCLOCK_TSC_STABLE_BIT, which every KVM host with an invariant TSC and
 * VirtualBox's KVM provider (`fFlags=0x1`) do; xen pvclock only on newer kernels with that bit → unknown.
 * HPET lost its vDSO mapping in Linux 5.6 (and was optional before), so treat it as a system call.
 */
const VDSO: Readonly<Record<string, boolean>> = {
  tsc: true,
  'kvm-clock': true,
  hyperv_clocksource_tsc_page: true,
  arch_sys_counter: true,
  hpet: false,
  acpi_pm: false,
  jiffies: false,
  'refined-jiffies': false,
  'tsc-early': false,
  hyperv_clocksource_msr: false,
};

export function vdsoCapable(clocksource: string | null): boolean | null {
  if (clocksource === null) return null;
  return VDSO[clocksource] ?? null;
}

/** Median of the usable (finite, positive) values; null without any. */
function usableMedian(xs: number[]): number | null {
  const s = xs.filter((x) => Number.isFinite(x) && x > 0);
  return s.length === 0 ? null : median(s);
}

export function parseClockReadCost(raw: ClockReadCostRaw, path: string | null = null): ClockReadCostFacts {
  const cs = raw.clocksource?.trim().split(/\s+/)[0] ?? null;
  const clocksource = cs === '' ? null : cs;
  const m = usableMedian(raw.samplesNs);
  return { path, refs: {}, clocksource, vdso: vdsoCapable(clocksource), nsPerRead: m === null ? null : Math.round(m * 10) / 10 };
}
