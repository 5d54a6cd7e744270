/** Package listings: rpm, dpkg, apt, yum, pacman — only what matters for clocks is kept. */
import { describe, expect, it } from 'vitest';
import type { PackagesFacts } from '../../agent/evidence/packages/facts.js';
import { packagesKind } from '../../agent/evidence/packages/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const pk = (text: string): { facts: PackagesFacts | null; recognised: number } => parseWith<PackagesFacts>('packages', text);

describe('listing formats', () => {
  it('rpm -qa under its prompt: the LIS packages, name-version-release.arch split from the right', () => {
    const f = fixture<PackagesFacts>('packages', 'packages/rpm-qa-lis-4.2.8.1.txt');
    expect(f.packages.map((p) => [p.name, p.version, p.hypervisor, p.role])).toEqual([
      ['kmod-microsoft-hyper-v', '4.2.8.1-20190205', 'hyperv', 'guest-tools'],
      ['microsoft-hyper-v', '4.2.8.1-20190205', 'hyperv', 'guest-tools'],
    ]);
  });
  it('an rpm name that matters is read without a prompt; one that does not is not', () => {
    expect(fixture<PackagesFacts>('packages', 'packages/open-vm-tools-rpm-line.txt').packages).toEqual([expect.objectContaining({ name: 'open-vm-tools', version: '9.10.2-5.el7_2', daemon: 'vmtoolsd', hypervisor: 'vmware' })]);
    expect(pk('bash-4.2.46-31.el7.x86_64\n').recognised).toBe(0);
    // Under the prompt every package line counts, only the relevant ones are kept.
    const r = pk('$ rpm -qa\nbash-4.2.46-31.el7.x86_64\nchrony-3.4-1.el7.x86_64\nntp-4.2.6p5-29.el7.centos.x86_64\n');
    expect(r.recognised).toBe(3);
    expect(r.facts!.packages.map((p) => [p.name, p.version])).toEqual([['chrony', '3.4-1.el7'], ['ntp', '4.2.6p5-29.el7.centos']]);
  });
  it('dpkg -l: `ii` installed, `rc` removed with its config left', () => {
    const f = pk([
      '$ dpkg -l | grep -E "chrony|ntp|open-vm"',
      'ii  chrony          4.2-2ubuntu2          amd64        Versatile implementation of the Network Time Protocol',
      'rc  ntp             1:4.2.8p15+dfsg-1ubuntu2 amd64     Network Time Protocol daemon and utility programs',
      'ii  open-vm-tools   2:11.3.5-1ubuntu4     amd64        Open VMware Tools for virtual machines hosted on VMware (CLI)',
    ].join('\n')).facts!;
    expect(f.packages.map((p) => [p.name, p.installed, p.manager])).toEqual([['chrony', true, 'dpkg'], ['ntp', false, 'dpkg'], ['open-vm-tools', true, 'dpkg']]);
  });
  it('apt list, yum list installed, rpm -q "not installed", pacman -Q', () => {
    expect(pk('systemd-timesyncd/jammy-updates,now 249.11-0ubuntu3.12 amd64 [installed,automatic]\n').facts!.packages[0]).toMatchObject({ name: 'systemd-timesyncd', installed: true, manager: 'apt', daemon: 'systemd-timesyncd' });
    expect(pk('chrony/jammy 4.2-2ubuntu2 amd64\n').facts!.packages[0]).toMatchObject({ installed: false });
    expect(pk('hyperv-daemons.x86_64          0-0.34.20180415git.el7          @base\n').facts!.packages[0]).toMatchObject({ name: 'hyperv-daemons', manager: 'yum', hypervisor: 'hyperv' });
    expect(pk('package chrony is not installed\n').facts!.packages[0]).toMatchObject({ name: 'chrony', installed: false });
    expect(pk('$ pacman -Q chrony\nchrony 4.5-1\n').facts!.packages[0]).toMatchObject({ name: 'chrony', version: '4.5-1', manager: 'pacman' });
    expect(pk('chrony 4.5-1\n').recognised).toBe(0);
  });
});

describe('hints and merge', () => {
  it('LIS says Hyper-V (weakly: an image can move); a daemon\'s package says installed, not running', () => {
    const hints = packagesKind.hints!(pk('kmod-microsoft-hyper-v-4.2.8.1-20190205.x86_64\nchrony-3.4-1.el7.x86_64\npackage ntp is not installed\n').facts!);
    expect(hints).toEqual([
      expect.objectContaining({ about: 'hypervisor', name: 'hyperv', strength: 'weak' }),
      expect.objectContaining({ about: 'time-sync', daemon: 'chronyd', state: 'installed' }),
    ]);
  });
  it('one package at two versions is two machines', () => {
    const a = pk('chrony-3.4-1.el7.x86_64\n').facts!;
    const b = pk('chrony-4.1-1.el8.x86_64\n').facts!;
    expect(packagesKind.merge(a, b)).toBeNull();
    expect(packagesKind.merge(a, pk('ntp-4.2.6p5-29.el7.centos.x86_64\n').facts!)!.packages).toHaveLength(2);
  });
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('packages', foreignFiles(['packages']));
  });
  it('never throws (property, seed 27)', () => {
    expectNeverThrows('packages', ['rpm -qa', 'dpkg -l', 'chrony-3.4-1.el7.x86_64', 'ii  chrony 4.2 amd64 x', 'package chrony is not installed', 'a-b-c'], 27);
  });
});
