/** PTP clock listings: `ls /sys/class/ptp`, `ls -l /dev/ptp*`, `clock_name`, and the empty listing a prompt alone shows. */
import { describe, expect, it } from 'vitest';
import type { PtpFacts } from '../../agent/evidence/ptp/facts.js';
import { ptpKind } from '../../agent/evidence/ptp/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const p = (text: string): { facts: PtpFacts | null; recognised: number } => parseWith<PtpFacts>('ptp', text);

describe('listings', () => {
  it('`ls /sys/class/ptp` and `clock_name` under their prompts: the Hyper-V PHC', () => {
    const f = fixture<PtpFacts>('ptp', 'ptp/azure-hyperv-phc.txt');
    expect(f.devices).toEqual([expect.objectContaining({ name: 'ptp0', clockName: 'hyperv', provider: 'hyperv', line: 2 })]);
    expect(f.listings).toEqual([expect.objectContaining({ target: 'sys-class-ptp', empty: false, devices: ['ptp0'] })]);
    expect(f.none).toBe(false);
  });
  it('a prompt with no output below it listed nothing (the prompt is claimed)', () => {
    const r = parseWith<PtpFacts>('ptp', '$ ls -la /sys/class/ptp/\n');
    expect(r.recognised).toBe(1);
    expect(r.facts).toMatchObject({ none: true, devices: [], listings: [expect.objectContaining({ empty: true, line: 1 })] });
    // `total 0` with `.` and `..` only is empty too.
    expect(p('$ ls -la /sys/class/ptp/\ntotal 0\ndrwxr-xr-x  2 root root 0 Feb 22 10:00 .\ndrwxr-xr-x 60 root root 0 Feb 22 10:00 ..\n').facts?.none).toBe(true);
  });
  it('`No such file or directory` is a listing that found none', () => {
    const f = fixture<PtpFacts>('ptp', 'ptp/kata-no-dev-ptp0.txt');
    expect(f.listings).toEqual([expect.objectContaining({ target: 'dev-ptp', missing: true, empty: false })]);
    expect(f.none).toBe(true);
  });
  it('`ls -l /dev/ptp*` with the udev link, `ls -la` links with their sysfs target', () => {
    const f = p([
      '$ ls -l /dev/ptp*',
      'crw------- 1 root root 246, 0 Mar 30 10:00 /dev/ptp0',
      'lrwxrwxrwx 1 root root      4 Mar 30 10:00 /dev/ptp_hyperv -> ptp0',
      '$ ls -la /sys/class/ptp/',
      'total 0',
      'lrwxrwxrwx  1 root root 0 Mar 30 10:00 ptp0 -> ../../devices/virtual/ptp/ptp0',
    ].join('\n')).facts!;
    expect(f.devices).toEqual([expect.objectContaining({ name: 'ptp0', sysfsTarget: '../../devices/virtual/ptp/ptp0' })]);
    expect(f.hypervLink?.line).toBe(3);
    expect(f.listings.map((l) => l.devices)).toEqual([['ptp0'], ['ptp0']]);
  });
  it('`grep . …/clock_name` and a wildcard `cat` name the providers', () => {
    const f = p('/sys/class/ptp/ptp0/clock_name:hyperv\n/sys/class/ptp/ptp1/clock_name:mlx5_p2p\n').facts!;
    expect(f.devices.map((d) => [d.name, d.provider])).toEqual([['ptp0', 'hyperv'], ['ptp1', 'nic']]);
    const k = p('$ ls /sys/class/ptp\nptp0\n$ cat /sys/class/ptp/*/clock_name\nKVM virtual PTP\n').facts!;
    expect(k.devices).toEqual([expect.objectContaining({ name: 'ptp0', clockName: 'KVM virtual PTP', provider: 'kvm' })]);
  });
  it('a bare `ptp0` outside its prompt is nobody\'s; other output under the prompt ends the listing', () => {
    expect(p('ptp0\n').recognised).toBe(0);
    const f = p('$ ls /sys/class/ptp\nPlease see the attached screenshot\n').facts!;
    expect(f.listings).toEqual([expect.objectContaining({ empty: true })]);
  });
});

describe('hints and merge', () => {
  it('a hypervisor\'s PHC names the hypervisor and the guest role outright', () => {
    expect(ptpKind.hints!(fixture<PtpFacts>('ptp', 'ptp/azure-hyperv-phc.txt'))).toEqual(expect.arrayContaining([
      expect.objectContaining({ about: 'hypervisor', name: 'hyperv', strength: 'strong' }),
      expect.objectContaining({ about: 'role', role: 'guest', strength: 'strong' }),
    ]));
    expect(ptpKind.hints!(fixture<PtpFacts>('ptp', 'ptp/lis-rhel7-empty-listing.txt'))).toEqual([]);
  });
  it('before and after: a listing that shows the PHC outweighs an empty one', () => {
    const m = ptpKind.merge(fixture<PtpFacts>('ptp', 'ptp/lis-rhel7-empty-listing.txt'), fixture<PtpFacts>('ptp', 'ptp/azure-hyperv-phc.txt'))!;
    expect(m.none).toBe(false);
    expect(m.listings).toHaveLength(2);
  });
});

describe('never claims other kinds, never throws', () => {
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('ptp', foreignFiles(['ptp']));
  });
  it('never throws (property, seed 24)', () => {
    expectNeverThrows('ptp', ['ls /sys/class/ptp', 'ls -l /dev/ptp*', 'cat /sys/class/ptp/ptp0/clock_name', 'ptp0', 'hyperv', 'total 0', "ls: cannot access '/dev/ptp*': No such file or directory"], 24);
  });
});
