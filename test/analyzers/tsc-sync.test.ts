/**
 * TSCs that disagree between CPUs: who causes the warp depends on what the machine is, and so does
 * the fix; and no fix ever tells the kernel to trust the TSC. Kernel lines are real (formats.md §1.3,
 * the corpus, the pasted fixtures) unless marked synth.
 */
import { describe, expect, it } from 'vitest';
import { byId, findingsOf, klog, klogFile, TRUST_TSC, words } from './kernel-helpers.js';
import { cpuinfo } from './helpers.js';

// Real, RPCS3 issue 16382 (ThinkPad, Ryzen 7 3700U): `dmesg | grep -i tsc` with vboxdrv and kvm_amd.
const LENOVO = [
  '$  dmesg | grep -i tsc',
  '[    0.000000] tsc: Fast TSC calibration using PIT',
  '[    0.000000] tsc: Detected 2295.780 MHz processor',
  '[    0.298804] TSC synchronization [CPU#0 -> CPU#2]:',
  '[    0.298804] Measured 7309500619 cycles TSC warp between CPUs, turning off TSC clock.',
  '[    0.298820] tsc: Marking TSC unstable due to check_tsc_sync_source failed',
  '[    6.202692] vboxdrv: TSC mode is Invariant, tentative frequency 2295681955 Hz',
  '[    6.380617] kvm_amd: TSC scaling supported',
];
const WARP = ['[    0.478807] TSC synchronization [CPU#0 -> CPU#1]:', '[    0.478807] Measured 165 cycles TSC warp between CPUs, turning off TSC clock.', '[    0.478807] tsc: Marking TSC unstable due to check_tsc_sync_source failed'];

describe('TSC_SYNC_FAILED', () => {
  it('a host with a boot warp: firmware, host-side fixes, the warp in seconds, guests named; never trust the TSC', () => {
    const fs = findingsOf({ kernelLog: klog(...LENOVO) });
    const f = byId(fs, 'TSC_SYNC_FAILED');
    expect(f).toMatchObject({ severity: 'warning', data: { when: 'boot', cpuFrom: 0, cpu: 2, warpCycles: 7_309_500_619, role: 'host' } });
    expect(f!.title).toContain('≈ 3.18 s at 2295.780 MHz');
    expect(words(f)).toMatch(/firmware/i);
    expect(words(f)).toMatch(/AGESA/);
    expect(words(f)).toMatch(/VirtualBox and KVM cannot give guests/);
    expect(f!.fixes.every((x) => x.where === 'host')).toBe(true);
    expect(words(fs)).not.toMatch(TRUST_TSC);
    expect(f!.evidence.map((e) => e.line)).toEqual([4, 5, 6]);
  });

  it('a guest: the hypervisor\'s per-vCPU offsets, fixed on the hypervisor side; no BIOS advice', () => {
    const fs = findingsOf({ kernelLog: klog(...WARP), cpuinfo: cpuinfo({ hypervisorFlag: true }) });
    const f = byId(fs, 'TSC_SYNC_FAILED')!;
    expect(words(f)).toMatch(/hypervisor/);
    expect(words(f)).toMatch(/TSC offset/);
    expect(words(f)).not.toMatch(/BIOS|firmware|AGESA/i);
    expect(f.fixes.map((x) => x.where)).toEqual(['host', 'guest']);
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });

  it('HAXM named in the paste: HAXM\'s offsets and its supported HPET, the emulator\'s other backends', () => {
    const f = byId(findingsOf({ kernelLog: klog('emulator: CPU Acceleration status: HAXM version 7.6.5 (3) is installed and usable.', 'Measured 38253476481 cycles TSC warp between CPUs, turning off TSC clock.') }), 'TSC_SYNC_FAILED')!;
    expect(words(f)).toMatch(/HAXM gives each vCPU its own TSC offset/);
    expect(words(f)).toMatch(/WHPX/);
    expect(words(f)).not.toMatch(/BIOS|firmware/i);
  });

  it('role unknown: both causes named, and nothing that reads as a BIOS update for a VM', () => {
    const f = byId(findingsOf({ kernelLog: klog('Measured 38253476481 cycles TSC warp between CPUs, turning off TSC clock.') }), 'TSC_SYNC_FAILED')!;
    expect(words(f)).toMatch(/physical machine/);
    expect(words(f)).toMatch(/In a VM/);
    expect(words(f)).not.toMatch(/bios update|update (?:your|the) bios/i);
    expect(f.title).toContain('seconds at any GHz clock rate');
    expect(words(f)).not.toMatch(TRUST_TSC);
  });

  it('a CPU brought online after boot is a hotplug warp; one coming back from suspend, a resume warp', () => {
    const hot = klog('[    0.300000] smp: Brought up 1 node, 2 CPUs', '[  812.000000] smpboot: Booting Node 0 Processor 2 APIC 0x2', ...WARP.map((l) => l.replace('0.478807', '812.100000')));
    expect(byId(findingsOf({ kernelLog: hot }), 'TSC_SYNC_FAILED')).toMatchObject({ data: { when: 'hotplug' }, title: expect.stringContaining('hotplug') });
    const resume = klog('[ 9000.000000] Enabling non-boot CPUs ...', ...WARP.map((l) => l.replace('0.478807', '9000.100000')));
    expect(byId(findingsOf({ kernelLog: resume }), 'TSC_SYNC_FAILED')?.data?.when).toBe('resume');
  });

  it('a guest that keeps time on kvm-clock: info, its clock is unaffected', () => {
    const k = klog('[    0.000000] Hypervisor detected: KVM', ...WARP, '[    0.900000] clocksource: Switched to clocksource kvm-clock');
    expect(byId(findingsOf({ kernelLog: k }), 'TSC_SYNC_FAILED')).toMatchObject({ severity: 'info', detail: expect.stringContaining('keeps time with kvm-clock') });
  });

  it('a boot check that passed is no finding', () => {
    expect(byId(findingsOf({ kernelLog: klog('checking TSC synchronization across 4 CPUs: passed.') }), 'TSC_SYNC_FAILED')).toBeUndefined();
  });
});

describe('TSC_ADJUST_FIXUP', () => {
  it('firmware wrote the boot CPU\'s TSC: info (the kernel repaired it), firmware fix (synth from tsc_sync.c)', () => {
    const f = byId(findingsOf({ kernelLog: klog('[    0.000000] [Firmware Bug]: TSC ADJUST: CPU0: -2890785364 force to 0') }), 'TSC_ADJUST_FIXUP')!;
    expect(f).toMatchObject({ severity: 'info' });
    expect(words(f)).toMatch(/firmware/i);
  });
  it('a write while Linux runs: warning (synth)', () => {
    const f = byId(findingsOf({ kernelLog: klog('[ 1234.5] [Firmware Bug]: TSC ADJUST differs: CPU3 0 --> -1024. Restoring') }), 'TSC_ADJUST_FIXUP')!;
    expect(f).toMatchObject({ severity: 'warning', data: { runtime: true } });
  });
  it('in a guest it is the hypervisor\'s TSC, not firmware (synth)', () => {
    const f = byId(findingsOf({ kernelLog: klog('[    0.000000] Hypervisor detected: KVM', '[    0.1] TSC ADJUST synchronize: Reference CPU0: -5 CPU1: 0') }), 'TSC_ADJUST_FIXUP')!;
    expect(words(f)).toMatch(/hypervisor/);
    expect(words(f)).not.toMatch(/BIOS/);
  });
  it('the plain `Boot CPU0: 0` is nothing', () => {
    expect(byId(findingsOf({ kernelLog: klog('[    0.000000] TSC ADJUST: Boot CPU0: 0') }), 'TSC_ADJUST_FIXUP')).toBeUndefined();
  });
});

describe('KVM_HOST_UNSTABLE_TSC (real: a Proxmox host, KVM-Opencore issue 15)', () => {
  const fs = findingsOf({ kernelLog: klogFile('dmesg/pasted-host-proxmox-dell-t5610-tsc-warp-kvm-unstable.txt') });
  it('names the guests\' unreliable TSC and the host warp behind it, fixed on the host', () => {
    const f = byId(fs, 'KVM_HOST_UNSTABLE_TSC')!;
    expect(f).toMatchObject({ severity: 'warning', data: { hostTscWarp: true } });
    expect(f.fixes[0]).toMatchObject({ where: 'host', summary: expect.stringMatching(/firmware/) });
    expect(words(f)).toMatch(/macOS/);
  });
  it('and the warp itself, as a host\'s', () => {
    expect(byId(fs, 'TSC_SYNC_FAILED')).toMatchObject({ data: { role: 'host', warpCycles: 1_430_554 } });
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });
});
