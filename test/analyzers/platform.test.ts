/** Role and hypervisor weighing (agent/derive/platform.ts), from the hints real evidence gives. */
import { describe, expect, it } from 'vitest';
import { derive } from '../../agent/derive/index.js';
import { cpuinfo, facts } from './helpers.js';
import { klog, klogFile } from './kernel-helpers.js';

const platformOf = (f: Parameters<typeof facts>[0]) => derive(facts(f)).platform;

describe('role', () => {
  it('a machine whose kvm/vboxdrv modules run is a host, and says why', () => {
    const p = platformOf({ kernelLog: klog('[    6.2] vboxdrv: TSC mode is Invariant, tentative frequency 2295681955 Hz', '[    6.3] kvm_amd: TSC scaling supported') });
    expect(p).toMatchObject({ role: 'host', vm: false, hosts: ['virtualbox', 'kvm'], hypervisor: null });
    expect(p.summary).toMatch(/virtualbox and kvm host modules are loaded/);
  });
  it('bare hardware that loads kvm is a bare-metal host', () => {
    const p = platformOf({ kernelLog: klogFile('dmesg/baremetal-supermicro-amd-epyc-5.14-el9.txt') });
    expect(p.role).toBe('host');
    expect(p.summary).toMatch(/^a host \(bare metal whose kvm host modules/);
  });
  it('Xen\'s control domain is the host although it boots paravirtualised on Xen (synth)', () => {
    const p = platformOf({ kernelLog: klog('[    0.0] Booting paravirtualized kernel on Xen', '[    0.0] Xen version: 4.4.1 (preserve-AD)', '[    1.0] xen: registering gsi 9 triggering 0 polarity 0') });
    expect(p).toMatchObject({ role: 'host', hosts: ['xen'], hypervisor: null });
  });
  it('a guest that loads kvm itself is a guest, nested', () => {
    const p = platformOf({ kernelLog: klogFile('live/firecracker-kvm-6.18/commands/dmesg') });
    expect(p).toMatchObject({ role: 'guest', hypervisor: 'kvm', hosts: ['kvm'] });
    expect(p.summary).toMatch(/nested virtualisation/);
  });
  it('the hypervisor flag beats host modules', () => {
    expect(platformOf({ kernelLog: klog('[    6.3] kvm_intel: VMX supported'), cpuinfo: cpuinfo({ hypervisorFlag: true }) }).role).toBe('guest');
  });
  it('a paravirtual clocksource only a guest has hints a guest when nothing names the hypervisor', () => {
    const p = platformOf({ clocksource: { path: 'cs', refs: {}, current: null, available: ['kvm-clock', 'tsc', 'hpet', 'acpi_pm'], devices: [] } });
    expect(p).toMatchObject({ role: 'guest', hypervisor: 'kvm' });
    expect(platformOf({ kernelLog: klog('[    0.149025] Switched to clocksource xen') })).toMatchObject({ role: 'guest', hypervisor: 'xen', hypervisorLabel: 'Xen' });
  });
  it('a xenified kernel\'s time warning alone says nothing about dom0 or domU', () => {
    expect(platformOf({ kernelLog: klog('[214464.660028] clocksource/1: Time went backwards: delta=-9223012651229942015 shadow=214463864019492 offset=796007077') }).role).toBeNull();
  });
});

describe('hypervisor', () => {
  it('Hyper-V from its Host Build and privilege flags, WSL2 from its kernel, HAXM when named', () => {
    expect(platformOf({ kernelLog: klogFile('dmesg/pasted-guest-wsl2-hyperv-host-build-19041.txt') })).toMatchObject({ hypervisor: 'hyperv', role: 'guest' });
    expect(platformOf({ kernelLog: klog('[    0.0] Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP Tue Nov 5 00:21:55 UTC 2024') })).toMatchObject({ hypervisor: 'hyperv', hypervisorLabel: 'WSL2 (a Hyper-V utility VM)', arch: null });
    expect(platformOf({ kernelLog: klog('[    0.0] Linux version 5.15.79.1-microsoft-standard-WSL2 (oe-user@oe-host) (x86_64-msft-linux-gcc (GCC) 9.3.0, GNU ld (GNU Binutils) 2.34.0.20200220) #1 SMP Wed Nov 23 01:01:46 UTC 2022') }).arch).toBe('x86');
    expect(platformOf({ kernelLog: klog('emulator: CPU Acceleration status: HAXM version 7.6.5 (3) is installed and usable.') }).hypervisor).toBe('haxm');
  });
});
