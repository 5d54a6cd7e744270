/**
 * Numbers the model rests on. Sourced ones ([S] in ../shared/docs/model.md) are plain constants;
 * unconfirmed ones ([U]) live in `ASSUMPTION_DEFAULTS` so every one is a named, overridable parameter
 * and the explanation can say it is an assumption.
 */

import { ACPI_PM_HZ, KERNEL_MAXFREQ } from '../agent/util/timekeeping.js';

/**
 * Kernel and hypervisor constants that rules and derived values need too have one home, the leaf
 * agent/util/timekeeping.ts; the model takes them from there so no number is written down twice.
 */
export { ACPI_PM_HZ, KERNEL_MAXFREQ, VBOX_CATCH_UP_GIVE_UP_SECONDS } from '../agent/util/timekeeping.js';

/** The PM timer is read through a 24-bit mask (`ACPI_PM_MASK = CLOCKSOURCE_MASK(24)`). */
export const ACPI_PM_WRAP_SECONDS = 2 ** 24 / ACPI_PM_HZ;
/** PIT input clock (timex.h `PIT_TICK_RATE`). */
export const PIT_HZ = 1_193_182;
/** HPET of PC chipsets / VirtualBox ICH9 (DevHPET.cpp). */
export const HPET_ICH9_HZ = 14_318_180;
/** The Linux hpet clocksource reads a 32-bit counter. */
export const HPET_MASK_TICKS = 2 ** 32;

/** adjtime() slew rate (`MAX_TICKADJ` 500 µs/s). */
export const ADJTIME_SLEW_RATE = 500e-6;
/**
 * The largest steady rate error each corrector can absorb, fraction: the kernel PLL / adjtime() limit
 * for ntpd, systemd-timesyncd and VBoxService (500 ppm), chrony's default `maxdrift` and VMware Tools'
 * ADJ_TICK slew (±10 % tick length, 100 000 ppm). A predicted drift beyond the limit of every corrector
 * running is more than time sync can hide (analyzers/prediction.ts reads it from the Prediction).
 */
export const CORRECTOR_ABSORB: Readonly<Record<'ntpd' | 'chrony' | 'timesyncd' | 'vboxservice' | 'vmware-tools', number>> = {
  ntpd: KERNEL_MAXFREQ,
  timesyncd: KERNEL_MAXFREQ,
  vboxservice: KERNEL_MAXFREQ,
  chrony: 0.1,
  'vmware-tools': 0.1,
};

/** Kernel stops trusting NTP (`STA_UNSYNC`) when maxerror passes 16 s, growing 500 µs/s. */
export const NTP_PHASE_LIMIT_SECONDS = 16;
/** 11-minute mode re-arm interval (ntp.c). */
export const RTC_SYNC_PERIOD_SECONDS = 659;

/** Refined TSC calibration accepts the new value only within 1 % (tsc.c). */
export const TSC_REFINE_ACCEPT_FRACTION = 0.01;

/** Old watchdog: 62.5 ms per 0.5 s interval. */
export const WATCHDOG_OLD_THRESHOLD_SECONDS = 0.0625;
export const WATCHDOG_INTERVAL_SECONDS = 0.5;
/** New watchdog: 125 µs margin per clocksource, two clocksources ⇒ 250 µs per 0.5 s. */
export const WATCHDOG_NEW_MARGIN_SECONDS = 125e-6;

/** KVM `KVMCLOCK_SYNC_PERIOD` (x86.c). */
export const KVM_CLOCK_SYNC_PERIOD_SECONDS = 300;
/** Xen recalibrates pvclock every `EPOCH` = 1 s (xen/arch/x86/time.c). */
export const XEN_EPOCH_SECONDS = 1;

/** VirtualBox TM virtual-sync catch-up: start lag (s) → extra speed (fraction), TM.cpp. */
export const VBOX_CATCH_UP_TABLE: readonly { lagSeconds: number; speedUp: number }[] = [
  { lagSeconds: 0.00075, speedUp: 0.05 },
  { lagSeconds: 0.0015, speedUp: 0.1 },
  { lagSeconds: 0.008, speedUp: 0.25 },
  { lagSeconds: 0.03, speedUp: 0.5 },
  { lagSeconds: 0.075, speedUp: 0.75 },
  { lagSeconds: 0.175, speedUp: 1 },
  { lagSeconds: 0.5, speedUp: 2 },
  { lagSeconds: 3, speedUp: 3 },
  { lagSeconds: 30, speedUp: 4 },
  { lagSeconds: 55, speedUp: 5 },
];
/** Catch-up stops below 0.5 ms of lag (TM.cpp). */
export const VBOX_CATCH_UP_STOP_SECONDS = 0.0005;

/**
 * Unconfirmed numbers ([U] in model.md), each overridable. The explanation names the key whenever a
 * result depends on one.
 */
export interface Assumptions {
  /** Kernel version ("major.minor") from which kvmclock marks the TSC frequency as known. */
  tscKnownFreqSinceKernel: string;
  /** Kernel version from which the ≈500 ppm watchdog margins apply (commit 2e27e793e280, ≈5.14). */
  newWatchdogSinceKernel: string;
  /** Default HZ when the kernel config is unknown (250 since 2.6.13/14). */
  defaultHz: number;
  /** Residual error of a hypervisor's own TSC calibration on real KVM, ppm ("ppm level"). */
  kvmHostCalibrationPpm: number;
  /** VMware catch-up give-up threshold, s (60 s suggested, equals VirtualBox's). */
  vmwareGiveUpSeconds: number;
  /** VMware catch-up speed-up while behind, as a fraction (not documented). */
  vmwareCatchUpSpeedUp: number;
  /** QEMU `slew` lost-tick policy catch-up speed-up, fraction. */
  qemuSlewSpeedUp: number;
  /** KVM in-kernel PIT `reinject`: back-to-back delivery modelled as this speed-up. */
  reinjectSpeedUp: number;
  /** Cost of one virtual timer interrupt on the host, seconds (calibrated 50–100 µs from one report). */
  irqCostSeconds: number;
  /** Timer interrupts per second of an idle tickless guest. */
  ticklessIdleIrqPerSecond: number;
  /** ntpd poll interval while it disciplines, s (minpoll 6). */
  ntpdPollSeconds: number;
  /** chrony poll interval, s (minpoll 6). */
  chronyPollSeconds: number;
  /** VBoxService host-time read latency, s (sets MinAdjust via the latency factor). */
  vboxServiceLatencySeconds: number;
  /** VMware Tools forward-step threshold (host-supplied maxTimeLag), s. */
  vmwareToolsMaxTimeLagSeconds: number;
  /** HPET rate on KVM/QEMU, Hz. */
  qemuHpetHz: number;
}

export const ASSUMPTION_DEFAULTS: Readonly<Assumptions> = Object.freeze({
  tscKnownFreqSinceKernel: '4.16',
  newWatchdogSinceKernel: '5.14',
  defaultHz: 250,
  kvmHostCalibrationPpm: 0,
  vmwareGiveUpSeconds: 60,
  vmwareCatchUpSpeedUp: 1,
  qemuSlewSpeedUp: 1,
  reinjectSpeedUp: 10,
  irqCostSeconds: 75e-6,
  ticklessIdleIrqPerSecond: 2,
  ntpdPollSeconds: 64,
  chronyPollSeconds: 64,
  vboxServiceLatencySeconds: 0,
  vmwareToolsMaxTimeLagSeconds: 1,
  qemuHpetHz: 100_000_000,
});

/** One sentence per assumption, for explanations. */
export const ASSUMPTION_TEXT: Record<keyof Assumptions, string> = {
  tscKnownFreqSinceKernel: 'kernels from {v} on take the kvm-clock TSC rate as known and skip refined calibration (version assumed)',
  newWatchdogSinceKernel: 'kernels from {v} on use the ≈500 ppm clocksource watchdog margins (version assumed)',
  defaultHz: 'HZ={v} assumed (kernel config not known)',
  kvmHostCalibrationPpm: "the KVM host's tsc_khz is off by {v} ppm (assumed: ppm-level, not measured)",
  vmwareGiveUpSeconds: 'VMware documents catch-up with a backlog limit; {v} s assumed',
  vmwareCatchUpSpeedUp: 'VMware documents catch-up with a backlog limit; catch-up speed +{v}×100 % assumed',
  qemuSlewSpeedUp: 'QEMU slew policy catch-up speed +{v}×100 % assumed',
  reinjectSpeedUp: 'KVM PIT reinject backlog modelled as +{v}×100 % speed (assumed)',
  irqCostSeconds: 'host cost of one virtual timer interrupt {v} s (tunable, calibrated from one report, not measured)',
  ticklessIdleIrqPerSecond: 'an idle tickless guest takes {v} timer interrupts per second (assumed)',
  ntpdPollSeconds: 'ntpd polls every {v} s (assumed minpoll)',
  chronyPollSeconds: 'chrony polls every {v} s (assumed minpoll)',
  vboxServiceLatencySeconds: 'VBoxService reads host time with {v} s latency (assumed)',
  vmwareToolsMaxTimeLagSeconds: 'VMware Tools steps forward when behind by more than {v} s (host-supplied maxTimeLag, assumed)',
  qemuHpetHz: 'QEMU HPET runs at {v} Hz (assumed)',
};

export function assumptionText(key: keyof Assumptions, value: number | string): string {
  return `assumption ${key}: ${ASSUMPTION_TEXT[key].replace('{v}', String(value))}`;
}

/** "3.2.0-23-generic" → [3, 2]; null when it does not start with major.minor. */
export function parseKernelVersion(v: string | null | undefined): [number, number] | null {
  const m = v ? /^(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Is kernel `v` at least `since` (both "major.minor…")? */
export function kernelAtLeast(v: string, since: string): boolean {
  const a = parseKernelVersion(v);
  const b = parseKernelVersion(since);
  if (!a || !b) return true;
  return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
}
