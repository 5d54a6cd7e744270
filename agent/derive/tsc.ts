/**
 * The TSC rate a hypervisor claims to the guest, the host's true rate, and which guest clocksources a
 * wrong claim hits — one derivation, read by the VirtualBox rules, the time-sync rules and the model.
 */
import type { Facts } from '../facts.js';
import type { EvidenceItem } from '../evidence/kind.js';
import type { VboxFacts } from '../evidence/vbox/facts.js';
import { refEvidence } from '../evidence/quote.js';
import { isPlausibleTscHz } from '../util/units.js';
import type { PlatformView } from './platform.js';
import { vmwareClaim, vmwareExposure } from './vmware.js';

/** The rate the hypervisor gives the guest, and where the evidence says so. */
export interface ClaimedRate {
  hz: number;
  from: 'vbox' | 'kernel-log' | 'vmware';
  /**
   * `vbox`: VBox.log's cTSCTicksPerSecond; `hypervisor`: the guest kernel read it from the hypervisor
   * (`TSC freq read from hypervisor`); `paravirt-clock`: the guest kernel took it from kvm-clock;
   * `vmware`: vmware.log's `Using N kHz` (derive/vmware.ts).
   */
  how: 'vbox' | 'hypervisor' | 'paravirt-clock' | 'vmware';
  evidence: EvidenceItem[];
}

/** Which guest clocksources a wrong claim hits, and whether the guest is running at the real rate yet. */
export interface Exposure {
  /** A paravirt clock hands the claim to the guest. */
  paravirt: boolean;
  /** The guest TSC runs at the real host rate (RealTSCOffset / NativeApi), or will once kvm-clock is enabled. */
  realRate: 'yes' | 'pending' | 'no';
  hit: string[];
  /** The guest's own clocksource when the evidence names it. */
  guestClocksource: string | null;
  text: string;
}


/** The claimed rate: VBox.log first, else what the guest kernel took from its hypervisor. */
export function claimedTsc(facts: Facts): ClaimedRate | null {
  const v = facts.vbox;
  if (v !== null && isPlausibleTscHz(v.tscTicksPerSecond)) return { hz: v.tscTicksPerSecond, from: 'vbox', how: 'vbox', evidence: refEvidence('vbox', v, 'tscTicksPerSecond') };
  const vm = vmwareClaim(facts);
  if (vm !== null) return vm;
  const k = facts.kernelLog;
  if (k === null) return null;
  if (k.tscFromHypervisorKhz !== null && isPlausibleTscHz(k.tscFromHypervisorKhz * 1000)) {
    return { hz: k.tscFromHypervisorKhz * 1000, from: 'kernel-log', how: 'hypervisor', evidence: refEvidence('kernel-log', k, 'tscFromHypervisorKhz') };
  }
  if (k.tscDetectedKhz !== null && isPlausibleTscHz(k.tscDetectedKhz * 1000) && (k.tscCalibration === 'kvm-clock' || k.tscCalibration === 'hypervisor')) {
    return { hz: k.tscDetectedKhz * 1000, from: 'kernel-log', how: 'paravirt-clock', evidence: refEvidence('kernel-log', k, 'tscDetectedKhz', 'hypervisor') };
  }
  return null;
}

/** What a wrong claim does to the guest's clocksources. */
export function exposureOf(facts: Facts, claim: ClaimedRate, current: string | null): Exposure {
  if (claim.from === 'vmware' && facts.vmware !== null) return vmwareExposure(facts.vmware, current);
  if (claim.from === 'kernel-log') {
    const kvm = facts.kernelLog?.kvmClock === true;
    return {
      paravirt: kvm, realRate: 'yes', hit: kvm ? ['kvm-clock', 'tsc'] : ['tsc'], guestClocksource: current,
      text: kvm ? 'kvm-clock and tsc convert with it while the TSC ticks at the host\'s real rate' : 'the guest converts its TSC with it while the TSC ticks at the host\'s real rate',
    };
  }
  const v = facts.vbox as VboxFacts;
  const provider = v.paravirtProvider;
  const paravirt = provider === 'KVM' || provider === 'HyperV';
  const pvClock = provider === 'HyperV' ? 'hyperv_clocksource_tsc_page' : 'kvm-clock';
  let realRate: Exposure['realRate'] = 'no';
  if (v.switchedToRealTscOffset === true || v.tscMode === 'RealTscOffset' || v.tscMode === 'NativeApi') realRate = 'yes';
  else if (paravirt && v.tscModeSwitchAllowed === true) realRate = 'pending';
  const hit = paravirt && realRate !== 'no' ? [pvClock, 'tsc'] : [];
  let text: string;
  if (!paravirt) text = `the paravirtualisation provider is ${provider ?? 'not named in the log'}, so the guest is not handed this rate and calibrates its TSC itself`;
  else if (realRate === 'yes') text = v.tscMode === 'NativeApi'
    ? `the ${provider} provider hands it to the guest and under NativeApi the guest TSC runs at the host's real rate`
    : `the ${provider} provider hands it to the guest and TM switched to RealTscOffset, so the guest TSC runs at the host's real rate`;
  else if (realRate === 'pending') text = `the ${provider} provider hands it to the guest; TM will switch to RealTscOffset when the guest enables ${pvClock} (fTSCModeSwitchAllowed=true)`;
  else text = `the ${provider} provider hands it to the guest, but TSC mode switching is off, so the guest TSC is emulated at the same rate and wall-clock time is not hit`;
  return { paravirt, realRate, hit, guestClocksource: current, text };
}

/** A claim the VirtualBox rules judge: VBox.log's own, or a VirtualBox KVM-paravirt guest's kernel (model.md §1.2). */
export function isVirtualBoxClaim(facts: Facts, claim: ClaimedRate | null, platform: PlatformView): boolean {
  if (claim === null) return false;
  if (claim.from === 'vbox') return true;
  const k = facts.kernelLog;
  return platform.hypervisor === 'virtualbox' && k !== null && k.hypervisor === 'KVM' && k.kvmClock && claim.how === 'paravirt-clock';
}
