/** `lscpu` as pasted: both layouts, flags wrapped mid-word or at words, keys without colons, cut pastes. */
import { describe, expect, it } from 'vitest';
import type { LscpuFacts } from '../../agent/evidence/lscpu/facts.js';
import { lscpuKind } from '../../agent/evidence/lscpu/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './kind-harness.js';

const l = (text: string): { facts: LscpuFacts | null; recognised: number } => parseWith<LscpuFacts>('lscpu', text);

describe('fields', () => {
  it('reads the 2.37+ tree layout: architecture, model, hypervisor vendor and type', () => {
    const f = fixture<LscpuFacts>('lscpu', 'lscpu/kvm-xeon-8175m-2.37-wrapped-midword.txt');
    expect(f).toMatchObject({ architecture: 'x86_64', arch: 'x86', cpus: 8, vendorId: 'GenuineIntel', modelName: 'Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz', hypervisorVendor: 'KVM', virtualizationType: 'full', flagsComplete: true, hypervisorFlag: true });
    expect(f.refs.hypervisorVendor?.excerpt).toBe('Hypervisor vendor:      KVM');
  });
  it('reads the flat ≤ 2.36 layout and ARM flags', () => {
    const f = fixture<LscpuFacts>('lscpu', 'lscpu/arm64-rk3399-old-layout.txt');
    expect(f).toMatchObject({ architecture: 'aarch64', arch: 'arm64', vendorId: 'ARM', modelName: 'Cortex-A53', flagsComplete: true, tscFlags: [], hypervisorFlag: false });
  });
  it('`Model name: -` is no model', () => {
    expect(fixture<LscpuFacts>('lscpu', 'uname/kcli-mac-host-fedora-aarch64-guest.txt')).toMatchObject({ vendorId: 'Apple', modelName: null, arch: 'arm64' });
  });
});

describe('wrapped flags', () => {
  it('joins a mid-word wrap (`sysca` / `ll`) into one flag', () => {
    const f = fixture<LscpuFacts>('lscpu', 'lscpu/kvm-xeon-8175m-2.37-wrapped-midword.txt');
    expect(f.flags).toEqual(expect.arrayContaining(['syscall', 'ssse3', 'rdseed', 'hypervisor', 'ospke']));
    expect(f.flags).not.toContain('sysca');
    expect(f.flags).toHaveLength(85);
  });
  it('keeps a wrap at a blank as two flags, with or without the trailing blank the paste kept', () => {
    const raw = fs.readFileSync(path.join(FIXTURES, 'lscpu/xen-e5-2686-2.37-wrapped-trailing-blanks.txt'), 'utf8');
    for (const text of [raw, raw.replace(/ +$/gm, '')]) {
      const f = l(text).facts!;
      expect(f.flags).toEqual(expect.arrayContaining(['mca', 'cmov', 'rdtscp', 'tsc_known_freq', 'sse4_2', 'x2apic', 'f16c', 'rdrand', 'fsgsbase']));
      expect(f.flags!.some((x) => /mcacmov|sse4_2x2apic|^rd$|^tscp$/.test(x))).toBe(false);
      expect(f.hypervisorVendor).toBe('Xen');
    }
  });
  it('the ARM continuation one column further in is two flags', () => {
    const f = fixture<LscpuFacts>('lscpu', 'uname/kcli-mac-host-fedora-aarch64-guest.txt');
    expect(f.flags).toEqual(expect.arrayContaining(['asimddp', 'sha512', 'frint']));
  });
});

describe('pastes that were cut', () => {
  it('`Flags    …` without its colon under the prompt, after `...`: a cut list proves nothing absent', () => {
    const f = fixture<LscpuFacts>('lscpu', 'lscpu/haxm-guest-flags-cut.txt');
    expect(f).toMatchObject({ flags: ['tsc', 'rdtscp', 'constant_tsc'], arch: 'x86', cut: true, flagsComplete: false, hypervisorFlag: null });
    expect(f.tscFlags).toEqual(['tsc', 'constant_tsc', 'rdtscp']);
    expect(lscpuKind.hints!(f).some((h) => h.about === 'role')).toBe(false);
  });
  it('a colonless key is only lscpu\'s under its prompt', () => {
    expect(l('Flags    tsc rdtscp constant_tsc\n').recognised).toBe(0);
  });
  it('a whole x86 list without the hypervisor flag hints bare metal, weakly', () => {
    const f = l(`$ lscpu\nArchitecture:        x86_64\nFlags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov constant_tsc nonstop_tsc\n`).facts!;
    expect(f.hypervisorFlag).toBe(false);
    expect(lscpuKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'role', role: 'bare-metal', strength: 'weak' })]));
  });
  it('a list ending in `...` is cut', () => {
    const f = l('$ lscpu | grep Flags\nFlags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr ...\n').facts!;
    expect(f).toMatchObject({ cut: true, flagsComplete: false, hypervisorFlag: null });
  });
});

describe('what is not lscpu', () => {
  it('hostnamectl\'s `Architecture: x86-64` and `Virtualization: kvm`, cpuinfo\'s `flags\\t\\t:`', () => {
    expect(l('      Architecture: x86-64\n    Virtualization: kvm\n').recognised).toBe(0);
    expect(l('flags\t\t: fpu vme de pse tsc\nmodel name\t: Intel(R) Xeon(R)\n').recognised).toBe(0);
    // Shared keys alone are not enough.
    expect(l('Model: 85\nStepping: 7\nFlags: none\n').recognised).toBe(0);
  });
  it('hints: the hypervisor lscpu names makes a guest; `container` (WSL 1, OpenVZ) is no VM', () => {
    const kvm = lscpuKind.hints!(fixture<LscpuFacts>('lscpu', 'lscpu/kvm-xeon-8175m-2.37-wrapped-midword.txt'));
    expect(kvm).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'kvm', strength: 'strong' }), expect.objectContaining({ about: 'arch', arch: 'x86' })]));
    const wsl1 = l('Architecture: x86_64\nHypervisor vendor: Windows Subsystem for Linux\nVirtualization type: container\n').facts!;
    expect(lscpuKind.hints!(wsl1).some((h) => h.about === 'hypervisor')).toBe(false);
    const hv = l('Architecture: x86_64\nHypervisor vendor: Microsoft\nVirtualization type: full\n').facts!;
    expect(lscpuKind.hints!(hv)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'hyperv' })]));
  });
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('lscpu', foreignFiles(['lscpu', 'uname']));
  });
  it('never throws (property, seed 22)', () => {
    expectNeverThrows('lscpu', ['lscpu', 'Architecture:   x86_64', 'Flags:   fpu tsc', '                 ll nx', '...', 'Flags    tsc', 'Hypervisor vendor: KVM'], 22);
  });
});
