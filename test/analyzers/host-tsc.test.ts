import { describe, expect, it } from 'vitest';
import { brandTracksTsc, calibrationIndependentOfClaim, estimateHostTsc } from '../../agent/derive/host-tsc.js';
import { median } from '../../agent/util/stats.js';
import { cpuinfo, documentedVbox, facts, vbox } from './helpers.js';

describe('estimateHostTsc', () => {
  it('has no estimate without evidence', () => {
    expect(estimateHostTsc(facts())).toEqual({ hz: null, source: null, strength: null, candidates: [] });
  });

  it('prefers the user value over everything', () => {
    const f = facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } });
    const e = estimateHostTsc(f);
    expect(e).toMatchObject({ hz: 3_400_109_000, source: 'user', strength: 'strong' });
    expect(e.candidates.map((c) => c.source)).toContain('brand-nominal');
  });

  it('takes CPUID leaf 0x15 with an enumerated crystal as strong', () => {
    const f = facts({ vbox: vbox({ cpuidLeaf15: { eax: 2, ebx: 0x82, ecx: 38_400_000, edx: 0 }, cpuidTscTicksPerSecond: 2_496_000_000, tscTicksPerSecond: 2_496_000_000, gipCpuHz: 2_496_000_000, hostTscTicksPerSecond: 2_496_000_000, hostTscSource: 'gip' }) });
    expect(estimateHostTsc(f)).toMatchObject({ hz: 2_496_000_000, source: 'cpuid-leaf-0x15', strength: 'strong' });
  });

  it('does not count the GIP as strong when it is the very value given to the guest', () => {
    const v = vbox({ tscTicksPerSecond: 3_000_005_006, gipCpuHz: 3_000_005_006, hostTscTicksPerSecond: 3_000_005_006, hostTscSource: 'gip', gipPerCpuHz: [3_000_005_006, 3_000_005_010], gipPerCpuSpreadPpm: 0.001 });
    expect(calibrationIndependentOfClaim(v)).toBe(false);
    const e = estimateHostTsc(facts({ vbox: v }));
    expect(e.strength).toBe('hint');
    expect(e.source).toBe('gip-consensus');
  });

  it('counts the GIP as an independent measurement when TSCTicksPerSecond extradata overrides the claim', () => {
    const v = vbox({ version: '7.0.12', tscTicksPerSecond: 3_500_000_000, hostTscTicksPerSecond: 3_392_292_995, hostTscSource: 'cTSCTicksPerSecondHost', extradata: { tscTicksPerSecond: 3_500_000_000, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null } });
    expect(calibrationIndependentOfClaim(v)).toBe(true);
    expect(estimateHostTsc(facts({ vbox: v }))).toMatchObject({ hz: 3_392_292_995, source: 'cTSCTicksPerSecondHost', strength: 'strong' });
  });

  it('prefers the nominal GHz when VirtualBox\'s own calibration is 2.3 % away from it', () => {
    expect(estimateHostTsc(facts({ vbox: documentedVbox() }))).toMatchObject({ hz: 3_400_000_000, source: 'brand-nominal', strength: 'hint' });
  });

  it('keeps VirtualBox\'s calibration when it agrees with the nominal GHz', () => {
    const v = documentedVbox({ tscTicksPerSecond: 3_400_109_000, gipCpuHz: 3_400_109_000, hostTscTicksPerSecond: 3_400_109_000 });
    expect(estimateHostTsc(facts({ vbox: v }))).toMatchObject({ hz: 3_400_109_000, source: 'gip-consensus' });
  });

  it('trusts an inferred crystal that the GIP confirms over a brand GHz far below it (mobile parts)', () => {
    // Real v7.2.2 log: i5-10210U "@ 1.60GHz", leaf 0x15 88/2 × 24 MHz (inferred) = 2 112 000 000, GIP 2 112 006 130.
    const v = vbox({ tscTicksPerSecond: 2_112_006_130, hostTscTicksPerSecond: 2_112_006_130, hostTscSource: 'cTSCTicksPerSecondHost', cpuidInferredTscTicksPerSecond: 2_112_000_000, cpuidInferredCrystalHz: 24_000_000, brandNominalHz: 1_600_000_000 });
    expect(estimateHostTsc(facts({ vbox: v }))).toMatchObject({ hz: 2_112_000_000, source: 'cpuid-inferred-crystal' });
  });

  it('uses the per-CPU median when one CPU\'s calibration became the global rate', () => {
    // Real v6.1.38 ymarcais log: global 2 955 220 682, the other CPUs ≈ 2 893 41x xxx, brand 2.90 GHz.
    const per = [2_955_220_682, 2_893_414_900, 2_893_427_040, 2_893_439_180];
    const v = vbox({ tscTicksPerSecond: 2_955_220_682, gipCpuHz: 2_955_220_682, hostTscTicksPerSecond: 2_955_220_682, hostTscSource: 'gip', gipPerCpuHz: per, gipPerCpuSpreadPpm: 21_360, brandNominalHz: 2_900_000_000 });
    const e = estimateHostTsc(facts({ vbox: v }));
    expect(e.source).toBe('gip-consensus');
    expect(e.hz).toBe(median(per));
    expect(e.strength).toBe('hint');
  });

  it('falls back to the guest cpuinfo brand when the log has none', () => {
    const f = facts({ cpuinfo: cpuinfo({ modelName: 'Intel(R) Xeon(R) CPU @ 2.20GHz', brandNominalHz: 2_200_000_000 }) });
    expect(estimateHostTsc(f)).toMatchObject({ hz: 2_200_000_000, source: 'brand-nominal' });
  });
});

describe('estimateHostTsc after the documented fix was applied', () => {
  it('does not blame a TSCTicksPerSecond override that corrects a GIP calibration far from the nominal rate', () => {
    const v = documentedVbox({
      tscTicksPerSecond: 3_400_109_000,
      extradata: { tscTicksPerSecond: 3_400_109_000, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null },
    });
    const e = estimateHostTsc(facts({ vbox: v }));
    expect(e.strength).toBe('hint');
    expect(e.hz).toBe(3_400_000_000);
    expect(e.candidates.find((c) => c.source === 'gip-consensus')?.text).toContain('not trusted');
  });
});

describe('brandTracksTsc', () => {
  it('trusts pre-Skylake brands, not 6th-generation-and-later Core brands', () => {
    expect(brandTracksTsc('Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz')).toBe(true);
    expect(brandTracksTsc('Intel(R) Core(TM)2 Duo CPU     P8600  @ 2.40GHz')).toBe(true);
    expect(brandTracksTsc('Intel(R) Xeon(R) CPU E3-1230 v5 @ 3.40GHz')).toBe(true);
    expect(brandTracksTsc('Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz')).toBe(false);
    expect(brandTracksTsc('Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz')).toBe(false);
    expect(brandTracksTsc('11th Gen Intel(R) Core(TM) i5-1155G7 @ 2.50GHz')).toBe(false);
  });

  it('a guest-only VirtualBox KVM log on a Comet Lake laptop is not flagged from the brand', () => {
    const f = facts({ cpuinfo: cpuinfo({ modelName: 'Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz', brandNominalHz: 1_600_000_000 }) });
    expect(estimateHostTsc(f).hz).toBeNull();
  });
});
