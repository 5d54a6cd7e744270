/**
 * Rules for the TSC: its rate at boot (arch/x86/kernel/tsc.c, vmware.c, 2.6.18-xen time-xen.c) and
 * its synchronisation between CPUs (arch/x86/kernel/tsc_sync.c: the warp check, TSC_ADJUST).
 */
import { CAL_RANK, type Calibration } from './boot.js';
import { MINUS, here, ref, signedInt, syncEvent, xen, type KernelRule, type RuleContext } from './rule.js';
import { mhzToKhz, safeInt } from '../../util/numbers.js';

function calibrated(c: RuleContext, cal: Calibration, onlyIfUnset = false): void {
  const b = c.b;
  if (onlyIfUnset ? b.calibration === null : b.calibration === null || CAL_RANK[b.calibration] <= CAL_RANK[cal]) {
    b.calibration = cal;
    ref(c, 'tscCalibration');
  }
  b.touched = true;
}

export const TSC_RATE_RULES: readonly KernelRule[] = [
  {
    id: 'tsc-from-hypervisor',
    needs: ['TSC freq read from hypervisor'],
    re: /TSC freq read from hypervisor\s*:\s*(\d+\.\d+) MHz/,
    apply(m, c) {
      c.b.tscFromHypervisorKhz = mhzToKhz(m[1] ?? '');
      c.b.calibration = 'hypervisor';
      ref(c, 'tscFromHypervisorKhz');
      ref(c, 'tscCalibration');
      c.b.touched = true;
    },
  },
  {
    id: 'tsc-from-hypervisor-2.6.18',
    needs: ['TSC: Frequency read from the hypervisor'],
    re: /TSC: Frequency read from the hypervisor/,
    apply(_m, c) {
      c.b.hypervisorFreqPending = true;
      c.b.calibration = 'hypervisor';
      ref(c, 'tscCalibration');
      c.b.touched = true;
    },
  },
  {
    id: 'xen-reported',
    needs: ['Xen reported: '],
    re: /Xen reported: (\d+\.\d{3}) MHz processor/,
    apply(m, c) {
      // 2.6.18-xen takes cpu_khz from the hypervisor's tsc_to_system_mul (init_cpu_khz).
      const khz = mhzToKhz(m[1] ?? '');
      xen(c).reportedKhz = khz;
      ref(c, 'xenReportedKhz');
      if (c.b.cpuDetectedKhz === null) { c.b.cpuDetectedKhz = khz; ref(c, 'cpuDetectedKhz'); ref(c, 'tscDetectedKhz'); }
    },
  },
  {
    id: 'detected-tsc',
    needs: ['MHz TSC'],
    re: /Detected (\d+\.\d+) MHz TSC/,
    apply(m, c) {
      c.b.tscDetectedTscKhz = mhzToKhz(m[1] ?? '');
      ref(c, 'tscDetectedKhz');
      c.b.touched = true;
    },
  },
  {
    id: 'detected-processor',
    needs: ['MHz processor'],
    re: /Detected (\d+\.\d+) MHz processor/,
    apply(m, c) {
      const b = c.b;
      b.cpuDetectedKhz = mhzToKhz(m[1] ?? '');
      ref(c, 'cpuDetectedKhz');
      if (b.tscDetectedTscKhz === null) ref(c, 'tscDetectedKhz');
      if (b.hypervisorFreqPending) {
        b.tscFromHypervisorKhz = b.cpuDetectedKhz;
        b.hypervisorFreqPending = false;
        ref(c, 'tscFromHypervisorKhz');
      }
      b.touched = true;
    },
  },
  {
    id: 'refined-calibration',
    needs: ['Refined TSC clocksource calibration'],
    re: /Refined TSC clocksource calibration: (\d+\.\d+) MHz/,
    apply(m, c) {
      c.b.tscRefinedKhz = mhzToKhz(m[1] ?? '');
      ref(c, 'tscRefinedKhz');
      c.b.touched = true;
    },
  },
  {
    id: 'reference-calibration',
    needs: ['HPET', 'PMTIMER'],
    re: /(?:PIT calibration matches|using) (HPET|PMTIMER)(?: reference calibration|\. \d+ loops)/,
    apply(m, c) { calibrated(c, m[1] === 'HPET' ? 'hpet' : 'pmtimer'); },
  },
  {
    id: 'pit-calibration',
    needs: ['calibration using PIT', 'PIT calibration'],
    re: /Fast TSC calibration using PIT|Using PIT calibration value|Using PIT calibration\b/,
    apply(_m, c) { calibrated(c, 'pit', true); },
  },
];

/** The header of a failed check names the CPUs; the `Measured …` line that follows carries the warp. */
function warp(c: RuleContext, cycles: number | null): void {
  const h = c.b.syncHeader;
  const near = h !== null && c.lineNo - h.line <= 3;
  syncEvent(c, 'warp', { cpuFrom: near ? h.from : null, cpu: near ? h.to : null, warpCycles: cycles, header: near ? { line: h.line, excerpt: h.excerpt } : null });
  c.b.syncHeader = null;
}

const SIGNED = `(${MINUS}?\\d+)`;

export const TSC_SYNC_RULES: readonly KernelRule[] = [
  {
    id: 'tsc-sync-header',
    needs: ['TSC synchronization'],
    re: /(checking )?TSC synchronization (?:\[CPU#(\d+) -> CPU#(\d+)\]|across (\d+) CPUs):\s*(passed)?/,
    apply(m, c) {
      // 2.6.18 checks `across N CPUs` once, after they are all up: that is still the boot-time check.
      const when = m[4] !== undefined ? 'boot' as const : undefined;
      if (m[5] !== undefined) {
        syncEvent(c, 'passed', { cpuFrom: safeInt(m[2]), cpu: safeInt(m[3]), ...(when !== undefined ? { when } : {}) });
        return;
      }
      // 2.6-era `checking TSC synchronization …:` then `passed.` or a warp on the next line.
      c.b.syncHeader = { from: safeInt(m[2]), to: safeInt(m[3]), line: c.lineNo, excerpt: here(c).excerpt };
      c.b.touched = true;
    },
  },
  {
    id: 'tsc-warp',
    needs: ['TSC warp between CPUs', 'cycles TSC warp'],
    re: /Measured (\d+) cycles TSC warp between CPUs/,
    apply(m, c) { warp(c, safeInt(m[1])); },
  },
  {
    id: 'tsc-random-warp',
    needs: ['TSC warped randomly'],
    re: /TSC warped randomly between CPUs/,
    apply(_m, c) { syncEvent(c, 'random-warp'); },
  },
  {
    id: 'tsc-sync-skipped',
    needs: ['synchronization checks as TSC is reliable'],
    re: /Skip(?:ped|ping) synchronization checks as TSC is reliable/,
    apply(_m, c) { syncEvent(c, 'skipped'); },
  },
  {
    id: 'tsc-adjust-forced',
    needs: ['TSC ADJUST'],
    re: new RegExp(`TSC ADJUST: CPU(\\d+): ${SIGNED} (NOT )?forced? to 0`),
    apply(m, c) { syncEvent(c, m[3] !== undefined ? 'adjust-not-forced' : 'adjust-forced', { cpu: safeInt(m[1]), adjustValue: signedInt(m[2]) }); },
  },
  {
    id: 'tsc-adjust-package',
    needs: ['TSC ADJUST'],
    re: new RegExp(`TSC ADJUST (differs|synchronize): Reference CPU(\\d+): ${SIGNED} CPU(\\d+): ${SIGNED}`),
    apply(m, c) {
      syncEvent(c, m[1] === 'differs' ? 'adjust-differs' : 'adjust-synchronize', { cpuFrom: safeInt(m[2]), cpu: safeInt(m[4]), adjustValue: signedInt(m[5]) });
    },
  },
  {
    id: 'tsc-adjust-compensate',
    needs: ['TSC ADJUST'],
    re: new RegExp(`TSC ADJUST compensate: CPU(\\d+) observed ${SIGNED} warp\\. Adjust: ${SIGNED}`),
    apply(m, c) { syncEvent(c, 'adjust-compensate', { cpu: safeInt(m[1]), warpCycles: signedInt(m[2]), adjustValue: signedInt(m[3]) }); },
  },
  {
    id: 'tsc-adjust-restored',
    needs: ['TSC ADJUST'],
    re: new RegExp(`TSC ADJUST differs: CPU(\\d+) ${SIGNED} --> ${SIGNED}\\. Restoring`),
    apply(m, c) { syncEvent(c, 'adjust-restored', { cpu: safeInt(m[1]), adjustValue: signedInt(m[3]) }); },
  },
  {
    id: 'tsc-adjust-boot',
    needs: ['TSC ADJUST'],
    re: new RegExp(`TSC ADJUST: Boot CPU(\\d+): ${SIGNED}`),
    apply(m, c) { syncEvent(c, 'adjust-boot', { cpu: safeInt(m[1]), adjustValue: signedInt(m[2]) }); },
  },
  {
    // The boot CPU has brought the others up: a sync check after this is for a CPU onlined later.
    id: 'smp-brought-up',
    needs: ['Brought up', 'processors activated'],
    re: /(?:smp: )?Brought up \d+ (?:nodes?, \d+ )?CPUs?|Total of \d+ processors activated/,
    apply(_m, c) { c.b.smpDone = true; c.b.touched = true; },
  },
];
