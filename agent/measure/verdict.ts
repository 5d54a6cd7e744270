/**
 * Closing the loop: what a measured drift means for this guest. Pure (facts and numbers in).
 *
 * - absorbCheck: can the running time-sync daemon absorb this drift? (decides exit 1)
 * - compareWithModel: does the measurement agree with the model's prediction for this guest?
 * - tscFix: on VirtualBox with the KVM paravirt provider, the corrected TSCTicksPerSecond
 *   = believed TSC Hz × (1 + measured error) and the VBoxManage command (model.md §8, closing check).
 */
import type { Facts, TimeSyncDaemonName } from '../facts.js';
import type { Prediction } from '../../simulator/prediction.js';
import type { Measurement } from './sampler.js';
import { CHRONY_MAX_PPM, KERNEL_SLEW_PPM, NTP_DAEMONS } from '../../analyzers/time-sync.js';

/**
 * Largest rate error (ppm) each daemon can take out by adjusting frequency or slewing
 * (anchors.md §2.3): chrony follows up to the Linux driver's 100 000 ppm; ntpd, systemd-timesyncd and
 * the kernel PLL saturate at 500 ppm; VBoxService's adjtime slews at most 500 ppm (beyond it the clock
 * runs away and is stepped, a sawtooth). hv_utils and ptp_kvm only step or expose a clock: 0.
 * openntpd and vmtoolsd: 500 ppm [unconfirmed — configurable with --max-drift-ppm].
 */
export const ABSORB_LIMIT_PPM: Record<TimeSyncDaemonName, number> = {
  chronyd: CHRONY_MAX_PPM,
  ntpd: KERNEL_SLEW_PPM,
  'systemd-timesyncd': KERNEL_SLEW_PPM,
  openntpd: 500,
  VBoxService: KERNEL_SLEW_PPM,
  vmtoolsd: 500,
  hv_utils: 0,
  ptp_kvm: 0,
};

/** Below this a drift with no daemon running is noise-level (1 ppm = 86 ms/day). */
export const NO_DAEMON_FLOOR_PPM = 1;


export interface AbsorbCheck {
  daemons: TimeSyncDaemonName[];
  /** The strongest running daemon, or null with none. */
  daemon: TimeSyncDaemonName | null;
  limitPpm: number;
  /** True when the drift is beyond the limit even at the favourable end of its uncertainty. */
  beyond: boolean;
  text: string;
}

export function absorbCheck(m: Measurement, facts: Facts | null, overrideLimitPpm: number | null = null): AbsorbCheck | null {
  if (m.driftPpm === null) return null;
  const daemons = facts?.timesync?.daemons.map((d) => d.name) ?? [];
  const enabled = daemons.filter((n) => n !== 'VBoxService' || facts?.timesync?.daemons.find((d) => d.name === n)?.vboxTimesync?.enabled !== false);
  let daemon: TimeSyncDaemonName | null = null;
  for (const d of enabled) if (daemon === null || ABSORB_LIMIT_PPM[d] > ABSORB_LIMIT_PPM[daemon]) daemon = d;
  const limit = overrideLimitPpm ?? (daemon === null ? 0 : ABSORB_LIMIT_PPM[daemon]);
  const low = Math.abs(m.driftPpm) - (m.uncertaintyPpm ?? 0);
  const beyond = low > Math.max(limit, daemon === null && overrideLimitPpm === null ? NO_DAEMON_FLOOR_PPM : 0);
  const drift = `${fmtPpm(m.driftPpm)} ppm`;
  let text: string;
  if (overrideLimitPpm !== null) text = beyond ? `${drift} is beyond --max-drift-ppm ${overrideLimitPpm}` : `${drift} is within --max-drift-ppm ${overrideLimitPpm}`;
  else if (daemon === null) text = beyond ? `${drift} and no time-sync daemon is running to correct it (${(Math.abs(m.driftPpm) * 0.0864).toFixed(2)} s/day)` : `${drift} is at noise level and no time-sync daemon is running`;
  else text = beyond ? `${drift} is beyond what ${daemon} can absorb (${limit} ppm)` : `${drift} is within what ${daemon} can absorb (${limit} ppm)`;
  return { daemons, daemon, limitPpm: limit, beyond, text };
}

export interface ModelComparison {
  predictedPpm: number;
  /** Which prediction was compared: the raw clock's, or what remains with the running corrector. */
  basis: 'uncorrected' | 'with-corrector';
  differencePpm: number;
  tolerancePpm: number;
  agrees: boolean;
  text: string;
}

/**
 * The model cannot know the host's own crystal error, so agreement allows the measurement's
 * uncertainty plus max(20 ppm, 1 % of the prediction) [unconfirmed default: a free-running crystal is
 * typically within ±20 ppm].
 */
export const MODEL_SLACK_PPM = 20;

export function compareWithModel(m: Measurement, prediction: Prediction | null): ModelComparison | null {
  if (m.driftPpm === null || !prediction || prediction.driftPpm === null) return null;
  const withCorrector = m.method === 'fit' && prediction.corrected !== null && prediction.corrected.correctors.length > 0;
  const predicted = withCorrector ? (prediction.corrected as NonNullable<Prediction['corrected']>).residualPpm : prediction.driftPpm;
  const diff = m.driftPpm - predicted;
  const tol = (m.uncertaintyPpm ?? 0) + Math.max(MODEL_SLACK_PPM, Math.abs(predicted) * 0.01);
  const agrees = Math.abs(diff) <= tol;
  const basis = withCorrector ? 'with-corrector' : 'uncorrected';
  const what = withCorrector ? `with ${prediction.corrected?.correctors.join(' + ')} running` : `for ${prediction.clocksource ?? 'this clock'} uncorrected`;
  const text = agrees
    ? `agrees with the model's ${fmtPpm(predicted)} ppm ${what} (difference ${fmtPpm(diff)} ppm, within ±${fmtPpm(tol).replace('+', '')})`
    : `disagrees with the model's ${fmtPpm(predicted)} ppm ${what} (difference ${fmtPpm(diff)} ppm, beyond ±${fmtPpm(tol).replace('+', '')}): the evidence the model used may be incomplete or the host's time base differs`;
  return { predictedPpm: predicted, basis, differencePpm: diff, tolerancePpm: tol, agrees, text };
}

export interface TscFix {
  /** TSC rate the guest kernel believes (tsc: Detected … MHz), Hz. */
  believedTscHz: number;
  /** Rate error used (uncorrected clock), ppm. */
  errorPpm: number;
  correctedTscTicksPerSecond: number;
  /** Shell lines: the VM name placeholder, then the VBoxManage command. */
  commands: string[];
  notes: string[];
}

/** Smallest drift worth a host-side TSC fix (8.6 s/day); model.md suggests 0.1 % for the kvm-clock check. */
export const TSC_FIX_MIN_PPM = 100;

/** VirtualBox guest with the KVM paravirt provider? (DMI says VirtualBox, the hypervisor says KVM / kvm-clock.) */
export function isVirtualBoxKvm(facts: Facts): boolean {
  const dmi = [facts.hypervisor?.dmiSysVendor, facts.hypervisor?.dmiProductName, facts.hypervisor?.dmiBiosVendor, facts.hypervisor?.platform, facts.kernelLog?.dmi]
    .filter((x): x is string => typeof x === 'string')
    .join(' ');
  const vbox = /innotek|VirtualBox/i.test(dmi);
  const kvm = facts.kernelLog?.hypervisor === 'KVM' || facts.kernelLog?.kvmClock === true || facts.clocksource?.available.includes('kvm-clock') === true;
  return vbox && kvm;
}

export function tscFix(m: Measurement, facts: Facts | null): { fix: TscFix | null; why: string | null } {
  if (!facts || m.driftPpm === null) return { fix: null, why: null };
  if (!isVirtualBoxKvm(facts)) return { fix: null, why: null };
  const khz = facts.kernelLog?.tscDetectedKhz ?? null;
  if (khz === null) return { fix: null, why: 'VirtualBox with the KVM provider, but the kernel log (tsc: Detected … MHz) was not readable: the believed TSC rate is unknown (run as root or with CAP_SYSLOG)' };
  const notes: string[] = [];
  let errorPpm = m.driftPpm;
  const daemons = facts.timesync?.daemons.map((d) => d.name) ?? [];
  // NTP daemons adjust the kernel's frequency: a measured rate already includes their correction.
  const disciplining = daemons.filter((d) => NTP_DAEMONS.includes(d));
  if (m.method === 'fit' && disciplining.length > 0) {
    const freq = facts.timesync?.chronyTracking?.frequencyPpm;
    if (disciplining.includes('chronyd') && typeof freq === 'number') {
      // chrony already removes `freq` ppm (> 0 = the clock would run fast); add it back for the raw error.
      errorPpm = m.driftPpm + freq;
      notes.push(`${disciplining.join(', ')} corrects the clock's frequency: added back chrony's ${fmtPpm(freq)} ppm to get the uncorrected error`);
    } else {
      notes.push(`${disciplining.join(', ')} corrects the clock's frequency, so the measured rate is after its correction (≤ 500 ppm off): measure with --reference chrony, or stop the daemon during the measurement`);
    }
  }
  if (Math.abs(errorPpm) < Math.max(TSC_FIX_MIN_PPM, 3 * (m.uncertaintyPpm ?? 0))) {
    return { fix: null, why: `VirtualBox with the KVM provider; the measured error ${fmtPpm(errorPpm)} ppm is too small to call for a TSCTicksPerSecond fix` };
  }
  const believed = khz * 1000;
  const corrected = Math.round(believed * (1 + errorPpm / 1e6));
  notes.push(`the believed rate comes from the kernel's "tsc: Detected ${(khz / 1000).toFixed(3)} MHz" (kHz resolution, ±0.3 ppm); the VM name is not visible from inside the guest: set VM to its name (VBoxManage list vms) and power the VM off before running it`);
  return {
    fix: {
      believedTscHz: believed,
      errorPpm,
      correctedTscTicksPerSecond: corrected,
      commands: [`VM='name of this VM'`, `VBoxManage setextradata "$VM" VBoxInternal/TM/TSCTicksPerSecond ${corrected}`],
      notes,
    },
    why: null,
  };
}

/** ppm with sensible precision: 0.01 below 10, 0.1 below 1000, else whole. */
export function fmtPpm(v: number): string {
  const a = Math.abs(v);
  const s = a < 10 ? v.toFixed(2) : a < 1000 ? v.toFixed(1) : v.toFixed(0);
  return v > 0 ? `+${s}` : s;
}
