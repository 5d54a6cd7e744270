import { describe, expect, it } from 'vitest';
import { emptyFacts, type Facts, type KernelLogFacts, type TimeSyncDaemon } from '../../agent/facts.js';
import type { Measurement } from '../../agent/measure/sampler.js';
import { absorbCheck, compareWithModel, isVirtualBoxKvm, tscFix } from '../../agent/measure/verdict.js';
import { emptyKernelLogFacts } from '../../agent/evidence/kernel-log/facts.js';
import type { Prediction } from '../../simulator/prediction.js';

function measurement(driftPpm: number, uncertaintyPpm = 2, method: Measurement['method'] = 'fit'): Measurement {
  return {
    reference: 'ntp://127.0.0.1:123', method, samples: 61, spanSeconds: 60, driftPpm, uncertaintyPpm,
    offsetNowSeconds: 0.1, steps: [], outliers: 0, noiseSeconds: 1e-5, medianDelaySeconds: 2e-4, referenceDetail: null,
  };
}

/** The motivating guest: VirtualBox 5.0, KVM provider, kernel believes the claimed 3 478 274 kHz. */
function vboxKvmFacts(daemons: TimeSyncDaemon['name'][] = []): Facts {
  const f = emptyFacts();
  f.kernelLog = {
    ...emptyKernelLogFacts(),
    path: 'dmesg', refs: {}, format: 'dmesg', boots: 1, kernelVersion: '3.2.0', hypervisor: 'KVM', paravirtKernelOn: 'KVM',
    dmi: 'innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006', systemdVirtualization: null, cpuBrand: null,
    cpuDetectedKhz: 3_478_274, tscDetectedKhz: 3_478_274, tscRefinedKhz: null, tscFromHypervisorKhz: null, tscCalibration: 'kvm-clock',
    kvmClock: true, clocksourceSwitches: [], finalClocksource: 'kvm-clock', clocksourceRegistrations: [], tscUnstable: false,
    tscUnstableEvents: [], watchdogVerdicts: [], hpetHz: null, tscDeadlineTimer: null, timeSync: [], commandLine: null,
  } satisfies KernelLogFacts;
  f.timesync = { path: null, refs: {}, daemons: daemons.map((name) => ({ name, pid: 1, cmdline: name })), chronyTracking: null };
  return f;
}

describe('tscFix', () => {
  it('turns the measured −22 472 ppm into the true TSC rate and the VBoxManage command', () => {
    const e = (3_400_109_000 / 3_478_274_491 - 1) * 1e6;
    const { fix } = tscFix(measurement(e), vboxKvmFacts());
    expect(fix).not.toBeNull();
    // believed 3 478 274 000 Hz (kHz resolution) × (1 + e): within 1 kHz·(1+e) of the true 3 400 109 000.
    expect(fix!.correctedTscTicksPerSecond).toBe(Math.round(3_478_274_000 * (1 + e / 1e6)));
    expect(Math.abs(fix!.correctedTscTicksPerSecond - 3_400_109_000)).toBeLessThan(1000);
    expect(fix!.commands[1]).toBe(`VBoxManage setextradata "$VM" VBoxInternal/TM/TSCTicksPerSecond ${fix!.correctedTscTicksPerSecond}`);
    expect(fix!.commands[0]).toMatch(/^VM='[^']*'$/);
  });

  it('adds chrony’s frequency back when chronyd corrects the clock being measured', () => {
    const facts = vboxKvmFacts(['chronyd']);
    facts.timesync!.chronyTracking = {
      referenceId: 'C0A80001', referenceName: 'ntp', stratum: 2, refTimeSeconds: 0, systemTimeOffsetSeconds: 0, lastOffsetSeconds: 0,
      rmsOffsetSeconds: 0, frequencyPpm: -22_470, residualFrequencyPpm: 0, skewPpm: 0.1, rootDelaySeconds: 0, rootDispersionSeconds: 0,
      updateIntervalSeconds: 64, leapStatus: 'Normal',
    };
    const { fix } = tscFix(measurement(-2.5), facts);
    expect(fix!.errorPpm).toBeCloseTo(-22_472.5, 6);
    expect(fix!.notes.join(' ')).toMatch(/added back chrony/);
  });

  it('warns instead of adding back when ntpd corrects an unknown amount', () => {
    const { fix } = tscFix(measurement(-21_972), vboxKvmFacts(['ntpd']));
    expect(fix!.notes.join(' ')).toMatch(/--reference chrony/);
  });

  it('says nothing on other platforms and explains a small error', () => {
    const plain = emptyFacts();
    expect(tscFix(measurement(-22_000), plain)).toEqual({ fix: null, why: null });
    expect(isVirtualBoxKvm(vboxKvmFacts())).toBe(true);
    const small = tscFix(measurement(-3), vboxKvmFacts());
    expect(small.fix).toBeNull();
    expect(small.why).toMatch(/too small/);
    const noLog = vboxKvmFacts();
    noLog.kernelLog = { ...noLog.kernelLog!, tscDetectedKhz: null };
    expect(tscFix(measurement(-22_000), noLog).why).toMatch(/believed TSC rate is unknown/);
  });
});

describe('absorbCheck', () => {
  it('uses the strongest running daemon’s limit', () => {
    expect(absorbCheck(measurement(-22_472), vboxKvmFacts(['chronyd']))).toMatchObject({ daemon: 'chronyd', limitPpm: 100_000, beyond: false });
    expect(absorbCheck(measurement(-22_472), vboxKvmFacts(['systemd-timesyncd']))).toMatchObject({ limitPpm: 500, beyond: true });
    expect(absorbCheck(measurement(-400), vboxKvmFacts(['ntpd']))!.beyond).toBe(false);
  });

  it('with no daemon, any drift clearly above noise is beyond', () => {
    expect(absorbCheck(measurement(-37, 1), emptyFacts())!.beyond).toBe(true);
    expect(absorbCheck(measurement(0.4, 1), emptyFacts())!.beyond).toBe(false);
    expect(absorbCheck(measurement(5, 10), null)!.beyond).toBe(false);
  });

  it('honours --max-drift-ppm', () => {
    expect(absorbCheck(measurement(-37, 1), null, 50)!.beyond).toBe(false);
    expect(absorbCheck(measurement(-37, 1), null, 30)!.beyond).toBe(true);
  });
});

describe('compareWithModel', () => {
  const prediction = (driftPpm: number | null, corrected: Prediction['corrected'] = null): Prediction => ({
    clocksource: 'kvm-clock', driftPpm, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null,
    perClocksource: [], corrected, explanation: [], assumptions: [],
  });

  it('agrees within uncertainty plus the model slack, disagrees beyond', () => {
    const e = -22_472.5;
    expect(compareWithModel(measurement(e + 3, 2), prediction(e))!.agrees).toBe(true);
    const off = compareWithModel(measurement(-21_000, 2), prediction(e))!;
    expect(off.agrees).toBe(false);
    expect(off.text).toMatch(/disagrees/);
    expect(compareWithModel(measurement(-5), prediction(null))).toBeNull();
  });

  it('compares a fit with what remains under the running corrector', () => {
    const c = compareWithModel(
      measurement(-21_970, 2),
      prediction(-22_472, { correctors: ['VBoxService'], pattern: 'sawtooth', periodSeconds: 54_614, amplitudeSeconds: 1200, residualPpm: -21_972, text: '' }),
    )!;
    expect(c.basis).toBe('with-corrector');
    expect(c.agrees).toBe(true);
  });
});
