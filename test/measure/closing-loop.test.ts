/**
 * Closing the loop on real captures (test/fixtures/dmesg, see its SOURCE.md): the guest's own kernel log
 * decides whether the VirtualBox TSC fix applies and what rate the guest believes.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyFacts, type Facts } from '../../agent/facts.js';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { isVirtualBoxKvm, tscFix } from '../../agent/measure/verdict.js';
import { formatReport, type MeasureReport } from '../../agent/measure/report.js';
import type { Measurement } from '../../agent/measure/sampler.js';

const DMESG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/dmesg');

function factsFrom(file: string): Facts {
  const f = emptyFacts();
  const p = path.join(DMESG, file);
  f.kernelLog = parseText(createKernelLogParser(p), fs.readFileSync(p, 'utf8'));
  return f;
}

const measured = (driftPpm: number): Measurement => ({
  reference: 'ntp://192.0.2.1:123', method: 'fit', samples: 61, spanSeconds: 60, driftPpm, uncertaintyPpm: 0.5,
  offsetNowSeconds: 0.02, steps: [], outliers: 0, noiseSeconds: 2e-5, medianDelaySeconds: 4e-4, referenceDetail: null,
});

describe('closing the loop on captured guests', () => {
  it('a VirtualBox guest with the KVM provider gets the corrected TSCTicksPerSecond from its own tsc: Detected line', () => {
    const facts = factsFrom('vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt');
    expect(facts.kernelLog?.tscDetectedKhz).toBe(2_592_000);
    expect(isVirtualBoxKvm(facts)).toBe(true);
    // Suppose this guest measured −1 234.5 ppm against NTP.
    const { fix } = tscFix(measured(-1234.5), facts);
    expect(fix).not.toBeNull();
    expect(fix!.believedTscHz).toBe(2_592_000_000);
    expect(fix!.correctedTscTicksPerSecond).toBe(Math.round(2_592_000_000 * (1 - 1234.5e-6)));
    expect(fix!.correctedTscTicksPerSecond).toBe(2_588_800_176);
    const report: MeasureReport = {
      schemaVersion: 1, reference: 'ntp://192.0.2.1:123', durationSeconds: 60, intervalSeconds: 1, precision: '', method: 'fit',
      samples: 61, attempts: 61, failedPolls: {}, outliers: 0, spanSeconds: 60, driftPpm: -1234.5, uncertaintyPpm: 0.5,
      secondsPerDay: -106.66, offsetNowSeconds: 0.02, steps: [], noiseSeconds: 2e-5, medianDelaySeconds: 4e-4, referenceDetail: null,
      model: null, modelNote: null, absorb: null, tscFix: fix, tscFixNote: null, error: null, exitCode: 1,
    };
    expect(formatReport(report)).toContain('VBoxManage setextradata "$VM" VBoxInternal/TM/TSCTicksPerSecond 2588800176');
  });

  it('the Debian 10 VirtualBox/KVM kern.log capture is recognised too', () => {
    const facts = factsFrom('vbox-kvm-paravirt-debian10-4.19-kvmclock-kernlog.txt');
    expect(isVirtualBoxKvm(facts)).toBe(true);
    expect(tscFix(measured(-22_472.49), facts).fix?.correctedTscTicksPerSecond).toBeGreaterThan(0);
  });

  it('real KVM (not VirtualBox) and VMware guests get no VirtualBox fix', () => {
    for (const file of ['kvm-redhat-ubuntu-5.4-kvmclock.txt', 'vmware-ubuntu12.04-3.2-kernlog-multiboot.txt', 'hyperv-rhel8-4.18-tsc-page-sosreport.txt']) {
      const facts = factsFrom(file);
      expect(isVirtualBoxKvm(facts), file).toBe(false);
      expect(tscFix(measured(-22_472.49), facts), file).toEqual({ fix: null, why: null });
    }
  });
});
