/**
 * Rate error of every guest clocksource for one configuration (model.md §1): the believed-versus-actual
 * rule, TSC modes and the VirtualBox paravirt switch, calibration paths (incl. the 1 % refinement rule
 * and tsc_known_freq), pvclock update policies, ticks, and how each clock behaves during a host stall.
 */
import type { Contribution } from './prediction.js';
import {
  ACPI_PM_WRAP_SECONDS, HPET_ICH9_HZ, HPET_MASK_TICKS, KVM_CLOCK_SYNC_PERIOD_SECONDS, TSC_REFINE_ACCEPT_FRACTION,
  XEN_EPOCH_SECONDS, assumptionText, kernelAtLeast, type Assumptions,
} from './constants.js';
import { fmtPpm, groupDigits } from '../agent/util/format.js';
import type { ClockName, ModelParams, TscMode } from './model-params.js';
import { pitLatch, pitRoundingError } from './ticks.js';
import { watchdogVerdict, type WatchdogVerdict } from './watchdog.js';

/** How a clock behaves while the vCPU does not run. */
export interface StallModel {
  /** Guest time stands still during the stall (the lag then has to be caught up or is lost). */
  frozen: boolean;
  /** How a frozen clock's lag is caught up: VirtualBox's TM table, a constant speed-up, or never. */
  catchUp: 'vbox' | { speedUp: number; giveUpSeconds: number } | null;
  /** A counter that keeps running but wraps: whole wraps are lost when unread longer than this. */
  wrapSeconds: number | null;
}

export interface ClockModel {
  clock: ClockName;
  /** Rate error between hypervisor re-anchors (fraction; −0.022472 = −22 472 ppm). */
  e: number;
  /** Seconds between pvclock re-anchors to host time; null = never. */
  pvUpdateSeconds: number | null;
  /** False when `e` depends on a TSC rate nobody supplied (then it is computed as if claimed = true). */
  known: boolean;
  /** Hit by a TSC-frequency error. */
  affected: boolean;
  rating: number;
  mustVerify: boolean;
  counterHz: number;
  stall: StallModel;
  contributions: Contribution[];
}

export interface ClockSet {
  clocks: Map<ClockName, ClockModel>;
  /** VirtualBox TSC mode in effect after any paravirt switch (null off VirtualBox). */
  tscMode: TscMode | null;
  switchedToRealTscOffset: boolean;
  /** Clock the guest ends up on after the watchdog (equals the configured one unless demoted). */
  watchdog: { clock: ClockName; verdict: WatchdogVerdict; switchTo: ClockName | null } | null;
  notes: string[];
  assumptionsUsed: (keyof Assumptions)[];
}

const ppm = (e: number): number => e * 1e6;

/** A tagged contribution; the text leads with its ppm unless it is a zero-rate remark. */
function contribution(tag: string, e: number, text: string, assumption = false): Contribution {
  return { tag, ppm: ppm(e), text: e === 0 ? text : `${fmtPpm(ppm(e))}: ${text}`, assumption };
}

/** Which hypervisor names the claimed rate in sentences. */
function claimer(p: ModelParams): string {
  switch (p.hypervisor) {
    case 'virtualbox': return "VirtualBox's claimed";
    case 'kvm': return "the KVM host's tsc_khz";
    case 'vmware': return "VMware's announced";
    case 'xen': return "Xen's pvclock scale of";
    case 'hyperv': return "Hyper-V's announced";
    default: return 'the calibrated';
  }
}

/** Compute every clock the hypervisor offers this guest. */
export function clockModels(p: ModelParams): ClockSet {
  const A = p.assumptions;
  const used = new Set<keyof Assumptions>();
  const notes: string[] = [];
  const eVirt = p.crystalPpm * 1e-6;
  const known = p.claimedTscHz !== null && p.trueTscHz !== null;
  const claimed = p.claimedTscHz ?? p.trueTscHz ?? 1e9;
  const truth = p.trueTscHz ?? p.claimedTscHz ?? 1e9;
  if (!known) notes.push('true or claimed TSC rate not given: the model treats them as equal, so TSC-based clocks show no frequency error');
  const kver = p.kernelVersion;
  if (kver !== null) used.add('tscKnownFreqSinceKernel');
  const knownFreqKernel = kver === null || kernelAtLeast(kver, A.tscKnownFreqSinceKernel);
  if (kver !== null) used.add('newWatchdogSinceKernel');
  const watchdogRule: 'old' | 'new' = kver === null || kernelAtLeast(kver, A.newWatchdogSinceKernel) ? 'new' : 'old';

  const virtText = (clock: string): Contribution | null =>
    eVirt === 0 ? null : contribution('crystal', eVirt, `${clock} runs on the host's virtual time, whose crystal is off by ${fmtPpm(p.crystalPpm)}`);
  const clocks = new Map<ClockName, ClockModel>();
  const add = (m: ClockModel): void => { clocks.set(m.clock, m); };
  const runs: StallModel = { frozen: false, catchUp: null, wrapSeconds: null };

  // Stall behaviour of clocks derived from the hypervisor's virtual time.
  const virtualStall = (wrapSeconds: number | null): StallModel => {
    switch (p.hypervisor) {
      case 'virtualbox': return { frozen: true, catchUp: 'vbox', wrapSeconds: null };
      case 'vmware':
        used.add('vmwareGiveUpSeconds'); used.add('vmwareCatchUpSpeedUp');
        return { frozen: true, catchUp: { speedUp: A.vmwareCatchUpSpeedUp, giveUpSeconds: A.vmwareGiveUpSeconds }, wrapSeconds: null };
      case 'bare-metal': return runs;
      default: return { frozen: false, catchUp: null, wrapSeconds };
    }
  };

  // ── TSC mode and actual guest TSC rate ──
  let tscMode: TscMode | null = null;
  let switched = false;
  let fAct = truth;
  let fActText = `the TSC ticks at ${groupDigits(truth)} Hz`;
  const pvClockOn = p.kvmclockEnabled && (p.paravirt === 'kvm' || p.paravirt === 'hyperv');
  if (p.hypervisor === 'virtualbox') {
    tscMode = p.tscTicksPerSecondOverride && p.tscMode !== 'NativeApi' ? 'VirtTscEmulated' : p.tscMode;
    if (pvClockOn && p.tscModeSwitchAllowed && tscMode !== 'NativeApi' && tscMode !== 'RealTscOffset') {
      switched = true;
      notes.push(`VirtualBox switched the TSC mode from ${tscMode} to RealTscOffset when the guest enabled the ${p.paravirt === 'kvm' ? 'KVM system-time MSR' : 'Hyper-V TSC page'}: the guest TSC now ticks at the real host rate`);
      tscMode = 'RealTscOffset';
    }
    if (tscMode === 'VirtTscEmulated' || tscMode === 'Dynamic') {
      fAct = claimed * (1 + eVirt);
      fActText = `the ${tscMode} TSC is synthesised from virtual time at ${groupDigits(claimed)} Hz`;
    }
  }

  const tscStall: StallModel = p.hypervisor === 'virtualbox' && tscMode !== 'RealTscOffset' ? virtualStall(null) : runs;

  // ── paravirt clocks ──
  if (p.hypervisor === 'virtualbox' && (p.paravirt === 'kvm' || p.paravirt === 'hyperv') && p.kvmclockEnabled) {
    const name: ClockName = p.paravirt === 'kvm' ? 'kvm-clock' : 'hyperv_clocksource_tsc_page';
    const e = fAct / claimed - 1;
    const c: Contribution[] = [];
    if (e !== 0 || !known) c.push(contribution('tsc-frequency-claim', e, `${name} uses VirtualBox's claimed ${groupDigits(claimed)} Hz while ${fActText}`));
    c.push(contribution('pvclock-never-updated', 0, `VirtualBox's ${p.paravirt === 'kvm' ? 'GIM KVM' : 'GIM Hyper-V'} provider never re-anchors the ${name} structure, so any rate error accumulates without bound`));
    add({ clock: name, e, pvUpdateSeconds: null, known, affected: Math.abs(e) > 1e-9, rating: 400, mustVerify: false, counterHz: 1e9, stall: tscStall, contributions: c });
  }
  if (p.hypervisor === 'kvm' && p.kvmclockEnabled) {
    let e = truth / claimed - 1;
    const c: Contribution[] = [];
    if (!known) {
      used.add('kvmHostCalibrationPpm');
      e = A.kvmHostCalibrationPpm * 1e-6;
      c.push(contribution('kvm-host-calibration', e, assumptionText('kvmHostCalibrationPpm', A.kvmHostCalibrationPpm), true));
    } else {
      c.push(contribution('tsc-frequency-claim', e, `kvm-clock uses ${claimer(p)} ${groupDigits(claimed)} Hz while the TSC ticks at ${groupDigits(truth)} Hz`));
    }
    c.push(contribution('pvclock-periodic-sync', 0, `KVM re-anchors kvm-clock to host time every ${KVM_CLOCK_SYNC_PERIOD_SECONDS} s (kvmclock_periodic_sync), so the error stays bounded by e·${KVM_CLOCK_SYNC_PERIOD_SECONDS} s`));
    add({ clock: 'kvm-clock', e, pvUpdateSeconds: KVM_CLOCK_SYNC_PERIOD_SECONDS, known, affected: Math.abs(e) > 1e-6, rating: 400, mustVerify: false, counterHz: 1e9, stall: runs, contributions: c });
  }
  if (p.hypervisor === 'xen') {
    const e = truth / claimed - 1;
    add({
      clock: 'xen', e, pvUpdateSeconds: XEN_EPOCH_SECONDS, known, affected: false, rating: 400, mustVerify: false, counterHz: 1e9, stall: runs,
      contributions: [contribution('pvclock-scale', e, `the Xen pvclock scale is off by ${fmtPpm(ppm(e))} but Xen recalibrates it every ${XEN_EPOCH_SECONDS} s (EPOCH), so the error stays below e·1 s`)],
    });
  }
  if (p.hypervisor === 'hyperv') {
    const e = truth / claimed - 1;
    add({
      clock: 'hyperv_clocksource_tsc_page', e, pvUpdateSeconds: null, known, affected: Math.abs(e) > 1e-9, rating: 250, mustVerify: false, counterHz: 1e7, stall: runs,
      contributions: [contribution('tsc-frequency-claim', e, `the Hyper-V TSC page scale implies ${groupDigits(claimed)} Hz while the TSC ticks at ${groupDigits(truth)} Hz; the page is rewritten only on partition events (assumed)`, true)],
    });
  }

  // ── tsc ──
  {
    const c: Contribution[] = [];
    let fBel: number;
    let how: string;
    if ((p.hypervisor === 'virtualbox' && pvClockOn) || (p.hypervisor === 'kvm' && p.kvmclockEnabled)) {
      // kvm_get_tsc_khz / the Hyper-V frequency MSR: the announced rate becomes tsc_khz.
      const boot = claimed;
      if (knownFreqKernel) {
        fBel = boot;
        how = `tsc_khz comes from the paravirt clock (${groupDigits(boot)} Hz) and is marked known (tsc_known_freq), so refined calibration is skipped`;
      } else {
        const measured = fAct / (1 + eVirt);
        const dev = measured / boot - 1;
        if (Math.abs(dev) <= TSC_REFINE_ACCEPT_FRACTION) {
          fBel = measured;
          how = `the boot value ${groupDigits(boot)} Hz from the paravirt clock was replaced by refined calibration (${(dev * 100).toFixed(2)} % is within the 1 % rule)`;
        } else {
          fBel = boot;
          how = `refined calibration measured ${groupDigits(measured)} Hz but rejected it (${(dev * 100).toFixed(2)} % is outside the 1 % rule), keeping ${groupDigits(boot)} Hz`;
        }
      }
    } else if (p.hypervisor === 'vmware' || p.hypervisor === 'hyperv' || p.hypervisor === 'xen') {
      fBel = claimed;
      how = `the guest takes tsc_khz from the hypervisor (${groupDigits(claimed)} Hz)`;
    } else if (p.hypervisor === 'bare-metal' && known) {
      fBel = claimed;
      how = `the kernel calibrated the TSC at ${groupDigits(claimed)} Hz`;
    } else {
      // Native calibration against emulated PIT/HPET/PM timers measures f_act in virtual seconds.
      fBel = fAct / (1 + eVirt);
      how = 'the guest calibrated the TSC against emulated timers, which measures the rate it actually has';
    }
    const e = fAct / fBel - 1;
    const eFreq = e - (fBel === fAct / (1 + eVirt) ? eVirt : 0);
    if (Math.abs(eFreq) > 1e-12) c.push(contribution('tsc-frequency-claim', eFreq, `tsc converts with ${groupDigits(fBel)} Hz while ${fActText}; ${how}`));
    else c.push(contribution('tsc-calibration', 0, how));
    const v = virtText('tsc');
    if (v && Math.abs(eFreq) <= 1e-12) c.push(v);
    if (p.hypervisor === 'vmware') {
      c.push(contribution('vmware-tsc', 0, 'VMware is taken to pass the host TSC through on an invariant-TSC host, and its TSC_RELIABLE flag to exempt the TSC from the clocksource watchdog', true));
    }
    add({ clock: 'tsc', e, pvUpdateSeconds: null, known, affected: Math.abs(eFreq) > 1e-9, rating: 300, mustVerify: !p.tscReliable && p.hypervisor !== 'vmware', counterHz: fAct, stall: tscStall, contributions: c });
  }

  // ── acpi_pm, hpet ──
  {
    const c: Contribution[] = [contribution('emulated-timer', 0, `acpi_pm is emulated from the hypervisor's virtual time (3 579 545 Hz), so a wrong TSC rate does not touch it`)];
    const v = virtText('acpi_pm');
    if (v) c.push(v);
    add({ clock: 'acpi_pm', e: eVirt, pvUpdateSeconds: null, known: true, affected: false, rating: 200, mustVerify: false, counterHz: 3_579_545, stall: virtualStall(ACPI_PM_WRAP_SECONDS), contributions: c });
  }
  const hpetPresent = p.hpetPresent ?? (p.hypervisor !== 'virtualbox' || p.clocksource === 'hpet' || p.watchdogClock === 'hpet');
  if (hpetPresent) {
    const hz = p.hypervisor === 'kvm' ? A.qemuHpetHz : HPET_ICH9_HZ;
    if (p.hypervisor === 'kvm') used.add('qemuHpetHz');
    const c: Contribution[] = [contribution('emulated-timer', 0, `hpet is emulated from the hypervisor's virtual time (${groupDigits(hz)} Hz)`)];
    const v = virtText('hpet');
    if (v) c.push(v);
    add({ clock: 'hpet', e: eVirt, pvUpdateSeconds: null, known: true, affected: false, rating: 250, mustVerify: false, counterHz: hz, stall: virtualStall(HPET_MASK_TICKS / hz), contributions: c });
  }

  // ── jiffies ──
  {
    const c: Contribution[] = [];
    let e = eVirt;
    if (p.tick === 'periodic') {
      const r = pitRoundingError(p.hz);
      e += r;
      c.push(contribution('pit-latch-rounding', r, `jiffies assumes exactly 1/${p.hz} s per tick while the PIT fires every ${pitLatch(p.hz)}/1 193 182 s (LATCH rounding)`));
      if (p.lostTickFraction > 0) {
        e -= p.lostTickFraction;
        c.push(contribution('lost-ticks', -p.lostTickFraction, `${(p.lostTickFraction * 100).toFixed(2)} % of the HZ=${p.hz} ticks are never delivered and jiffies counts ticks`));
      }
    } else {
      c.push(contribution('nohz', 0, 'tickless kernel: jiffies is advanced from the clocksource, ticks lost while idle cost no time'));
    }
    const v = virtText('jiffies');
    if (v) c.push(v);
    let stall: StallModel;
    if (p.hypervisor === 'virtualbox' || p.hypervisor === 'vmware') stall = virtualStall(null);
    else if (p.lostTickPolicy === 'slew') { used.add('qemuSlewSpeedUp'); stall = { frozen: true, catchUp: { speedUp: A.qemuSlewSpeedUp, giveUpSeconds: Infinity }, wrapSeconds: null }; }
    else if (p.lostTickPolicy === 'reinject') { used.add('reinjectSpeedUp'); stall = { frozen: true, catchUp: { speedUp: A.reinjectSpeedUp, giveUpSeconds: Infinity }, wrapSeconds: null }; }
    else stall = { frozen: true, catchUp: null, wrapSeconds: null };
    add({ clock: 'jiffies', e, pvUpdateSeconds: null, known: true, affected: false, rating: 1, mustVerify: false, counterHz: p.hz, stall, contributions: c });
  }

  // Lost ticks cost counter clocksources nothing: say so, so nobody wonders.
  if (p.lostTickFraction > 0) {
    for (const m of clocks.values()) {
      if (m.clock !== 'jiffies') m.contributions.push(contribution('lost-ticks', 0, `${(p.lostTickFraction * 100).toFixed(2)} % lost ticks only delay timers: ${m.clock} is a counter, not a tick count`));
    }
  }

  // ── watchdog ──
  let watchdog: ClockSet['watchdog'] = null;
  const cur = clocks.get(p.clocksource);
  if (cur?.mustVerify) {
    const candidates = [...clocks.values()].filter((m) => !m.mustVerify && m.clock !== 'jiffies').sort((a, b) => b.rating - a.rating);
    const wd = (p.watchdogClock ? clocks.get(p.watchdogClock) : undefined) ?? candidates[0];
    if (wd) {
      const verdict = watchdogVerdict(cur.e, wd.e, watchdogRule, cur.counterHz, wd.counterHz);
      const best = candidates[0];
      watchdog = { clock: wd.clock, verdict, switchTo: verdict.unstable && best ? best.clock : null };
    }
  }
  return { clocks, tscMode, switchedToRealTscOffset: switched, watchdog, notes, assumptionsUsed: [...used] };
}
