/**
 * What a vmware.log says about the guest's time base, derived once (derive/index.ts) and read by the
 * VMware rules and the model alike: the rate VMware uses for the host TSC and announces to the guest,
 * VMware's own timed measurement of it (`vmmon`) as a candidate for the true rate, and which guest
 * clocks a difference between the two can hit.
 *
 * Why the measurement is not simply believed: VMware itself does not — when its estimates disagree it
 * picks another one (Workstation 7.0: `vmmon 1946477, osReported 2000000. Using 2000000 kHz.`), and a
 * measurement taken while SpeedStep had the CPU slowed is wrong by as much (a Pentium M host:
 * `vmmon 474579, cpuinfo 1500000`). So `vmmon` is strong evidence only when it is independent of the
 * rate used (they differ) and the CPU's nominal rate confirms it within 0.5 % (VMware KB 1591 "Host
 * Power Management Causes Problems with Guest Timekeeping").
 */
import type { Facts } from '../facts.js';
import type { VmwareFacts } from '../evidence/vmware/facts.js';
import { refEvidence } from '../evidence/quote.js';
import { isPlausibleTscHz } from '../util/units.js';
import { brandNominalHz } from '../util/numbers.js';
import { groupDigits } from '../util/format.js';
import type { ClaimedRate, Exposure } from './tsc.js';
import type { HostTscCandidate } from './host-tsc.js';

/** vmmon farther than this from the nominal rate is not trusted as the true rate (the host-tsc.ts rule). */
export const VMMON_AGREES_WITH_NOMINAL_PPM = 5000;

const ppm = (a: number, b: number): number => (a / b - 1) * 1e6;

/** The rate VMware uses and announces to the guest (`Using N kHz`), or null. */
export function vmwareClaim(facts: Facts): ClaimedRate | null {
  const v = facts.vmware;
  if (v === null || !isPlausibleTscHz(v.tscUsedHz)) return null;
  return { hz: v.tscUsedHz, from: 'vmware', how: 'vmware', evidence: refEvidence('vmware', v, 'tscUsedHz') };
}

/**
 * The host CPU's nominal rate from the brand string vmware.log prints (`… @ 2.00GHz`, or a bare
 * `… processor 1.50GHz` of older CPUs), or null.
 */
export function vmwareNominalHz(v: VmwareFacts): number | null {
  if (v.hostCpu === null) return null;
  const at = brandNominalHz(v.hostCpu);
  if (at !== null) return at;
  const bare = /\b(\d{1,2}\.\d{1,3})\s?GHz\s*$/i.exec(v.hostCpu);
  return bare === null ? null : brandNominalHz(`@ ${bare[1]}GHz`);
}

/**
 * VMware's measurement and the nominal brand rate as candidates for the true host TSC rate.
 * A measurement VMware itself did not use is contested: it is evidence only when the CPU's nominal
 * rate confirms it, else the model gets no candidate from it (the VMware rule still reports it).
 */
export function vmwareHostCandidates(facts: Facts): { strong: HostTscCandidate[]; hints: HostTscCandidate[] } {
  const v = facts.vmware;
  const out = { strong: [] as HostTscCandidate[], hints: [] as HostTscCandidate[] };
  if (v === null) return out;
  const nominal = vmwareNominalHz(v);
  const measured = v.tscMeasuredHz;
  const brand: HostTscCandidate | null = isPlausibleTscHz(nominal)
    ? { source: 'brand-nominal', hz: nominal, strength: 'hint', text: `CPU brand string nominal ${groupDigits(nominal)} Hz ("${v.hostCpu ?? ''}", from vmware.log)` }
    : null;
  const agrees = isPlausibleTscHz(measured) && nominal !== null && Math.abs(ppm(measured, nominal)) <= VMMON_AGREES_WITH_NOMINAL_PPM;
  if (isPlausibleTscHz(measured) && measured !== v.tscUsedHz && agrees) {
    out.strong.push({ source: 'vmmon', hz: measured, strength: 'strong', text: `VMware's own measurement (vmmon) ${groupDigits(measured)} Hz, confirmed by the CPU's nominal ${groupDigits(nominal as number)} Hz` });
  } else if (isPlausibleTscHz(measured) && measured === v.tscUsedHz) {
    const c: HostTscCandidate = { source: 'vmmon', hz: measured, strength: 'hint', text: `VMware's own measurement (vmmon) ${groupDigits(measured)} Hz — the very rate it uses, so it cannot confirm it` };
    // A measurement that agrees with the nominal rate is the more precise hint; one that disagrees comes after it.
    if (agrees || nominal === null) out.hints.push(c);
    if (brand !== null) out.hints.push(brand);
    if (!agrees && nominal !== null) out.hints.push(c);
    return out;
  }
  if (brand !== null) out.hints.push(brand);
  return out;
}

/**
 * What a difference between the announced and the true rate does to the guest: with PTSC on the
 * hardware TSC the guest's TSC ticks at the host's real rate while the guest converts it with the
 * announced one (tsc is hit); with PTSC on the host's reference clock VMware synthesises the guest
 * TSC at the announced rate from the reference clock, so the guest's clocks follow the host clock.
 */
export function vmwareExposure(v: VmwareFacts, current: string | null): Exposure {
  if (v.ptscSource === 'reference-clock') {
    return {
      paravirt: false, realRate: 'no', hit: [], guestClocksource: current,
      text: "PTSC runs on the host's reference clock: VMware synthesises the guest's TSC at the announced rate, so the guest's clocks follow the host clock whatever the hardware TSC does",
    };
  }
  const known = v.ptscSource === 'tsc';
  return {
    paravirt: false, realRate: known ? 'yes' : 'pending', hit: ['tsc'], guestClocksource: current,
    text: known
      ? "PTSC is the hardware TSC: the guest's TSC ticks at the host's real rate while the guest converts it with the announced rate"
      : 'the log does not say where PTSC comes from; on an invariant-TSC host it is the hardware TSC, so the guest\'s TSC ticks at the real rate (assumed)',
  };
}
