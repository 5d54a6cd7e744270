/**
 * Is the `--host-tsc-hz` a user typed a rate this machine can have? Checked once per diagnosis
 * (derive/index.ts) against what the evidence measured: a value it contradicts is reported as a
 * finding (analyzers/prediction.ts) and left out of the true-rate estimate, so the model never turns a
 * typo (kHz for Hz, a dropped digit) into a "prediction" of millions of ppm.
 *
 * Tolerances, and why they differ: a measurement of the very TSC the user means — the kernel's refined
 * calibration on a host or bare-metal machine — agrees with a correct value to far better than 1 %. Everything a guest sees (a hypervisor's announced rate, a guest's own
 * calibration of a synthesised TSC, a brand string) can itself be wrong by tens of percent — that is
 * why users pass the value at all (VirtualBox 5.0.4 guests ran 25–35 % slow; mobile CPUs tick 30 %
 * above their brand's GHz) — so against those only a factor of 1.5 is a contradiction.
 */
import type { Facts } from '../facts.js';
import { groupDigits } from '../util/format.js';
import type { ClaimedRate } from './tsc.js';
import type { HostTscEstimate } from './host-tsc.js';
import type { Role } from '../evidence/hints.js';

/** What was checked, and whether the value is used. */
export interface UserRateCheck {
  hz: number;
  accepted: boolean;
  /** The evidence it was held to and its rate (null when accepted with nothing to compare). */
  against: { what: string; hz: number } | null;
  /** user / evidence − 1, ppm. */
  ppm: number | null;
  /** One sentence a person reads. */
  why: string;
}

/** A TSC rate outside this is no x86 TSC of this century (and the generic timer is not what the flag means). */
export const USER_RATE_MIN_HZ = 100e6;
export const USER_RATE_MAX_HZ = 10e9;
/** Against a measurement of the same TSC. */
export const MEASURED_TOLERANCE = 0.01;
/** Against anything that can itself be tens of percent off. */
export const LOOSE_FACTOR = 1.5;

interface Ref { what: string; hz: number; tight: boolean }

function references(facts: Facts, claim: ClaimedRate | null, evidence: HostTscEstimate, role: Role | null): Ref[] {
  const out: Ref[] = [];
  const refined = facts.kernelLog?.tscRefinedKhz ?? null;
  // A host's (or bare-metal machine's) own refined calibration measures the TSC the user means.
  if (refined !== null && refined > 0) out.push({ what: "the kernel's refined TSC calibration", hz: refined * 1000, tight: role === 'host' || role === 'bare-metal' });
  for (const c of evidence.candidates) {
    if (c.source === 'user') continue;
    // CPUID leaf 0x15 is exact, but a small disagreement with it is the VirtualBox rules' to note
    // (HOST_TSC_SOURCES_DISAGREE); only a wild one is kept from the model.
    out.push({ what: c.text, hz: c.hz, tight: false });
  }
  if (claim !== null) out.push({ what: 'the TSC rate the hypervisor gives the guest', hz: claim.hz, tight: false });
  return out;
}

const ratio = (a: number, b: number): number => a / b;

/** Check the user's value; null when none was given. */
export function checkUserRate(facts: Facts, claim: ClaimedRate | null, evidence: HostTscEstimate, role: Role | null): UserRateCheck | null {
  const hz = facts.user.hostTscHz;
  if (hz === null) return null;
  if (!(hz >= USER_RATE_MIN_HZ && hz <= USER_RATE_MAX_HZ)) {
    return { hz, accepted: false, against: null, ppm: null, why: `${groupDigits(hz)} Hz is not a TSC rate (between ${groupDigits(USER_RATE_MIN_HZ)} and ${groupDigits(USER_RATE_MAX_HZ)} Hz; a value in kHz or MHz?)` };
  }
  for (const r of references(facts, claim, evidence, role)) {
    const q = ratio(hz, r.hz);
    const bad = r.tight ? Math.abs(q - 1) > MEASURED_TOLERANCE : q > LOOSE_FACTOR || q < 1 / LOOSE_FACTOR;
    if (bad) {
      return {
        hz, accepted: false, against: { what: r.what, hz: r.hz }, ppm: (q - 1) * 1e6,
        why: `it is ${q >= 1 ? `${q.toFixed(q > 10 ? 0 : 2)}×` : `1/${(1 / q).toFixed(1 / q > 10 ? 0 : 2)}`} of ${r.what} (${groupDigits(r.hz)} Hz), beyond ${r.tight ? `the ${MEASURED_TOLERANCE * 100} % a measurement of the same TSC allows` : `the factor ${LOOSE_FACTOR} any real miscalibration reaches`}`,
      };
    }
  }
  return { hz, accepted: true, against: null, ppm: null, why: 'consistent with the evidence' };
}
