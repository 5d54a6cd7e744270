/** The guest's own word on its virtualisation, and Hyper-V's integration services. */
import { describe, expect, it } from 'vitest';
import type { VirtFacts } from '../../agent/evidence/virt/facts.js';
import type { CmdlineFacts } from '../../agent/evidence/cmdline/facts.js';
import { virtKind } from '../../agent/evidence/virt/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const vt = (text: string): { facts: VirtFacts | null; recognised: number } => parseWith<VirtFacts>('virt', text);

describe('systemd-detect-virt, virt-what, hostnamectl', () => {
  it('systemd-detect-virt: one id under its prompt', () => {
    const f = vt('$ systemd-detect-virt\nmicrosoft\n').facts!;
    expect(f.systemdDetectVirt).toBe('microsoft');
    expect(virtKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'hyperv', strength: 'strong' })]));
    expect(virtKind.hints!(vt('$ systemd-detect-virt\nnone\n').facts!)).toEqual([expect.objectContaining({ about: 'role', role: 'bare-metal', strength: 'strong' })]);
    expect(vt('microsoft\n').recognised).toBe(0);
  });
  it('virt-what: its lines, or nothing at all on bare metal (the prompt is claimed)', () => {
    expect(vt('# virt-what\nhyperv\n').facts!.virtWhat).toEqual(['hyperv']);
    expect(vt('# virt-what\nxen\nxen-domU\n').facts!.virtWhat).toEqual(['xen', 'xen-domU']);
    const bare = vt('[root@db1 ~]# virt-what\n[root@db1 ~]# date\n');
    expect(bare.facts!.virtWhat).toEqual([]);
    expect(virtKind.hints!(bare.facts!)).toEqual([expect.objectContaining({ about: 'role', role: 'bare-metal', strength: 'weak' })]);
  });
  it('hostnamectl: right-aligned keys, the chassis glyph dropped', () => {
    const f = vt([
      '$ hostnamectl', '   Static hostname: vm1', '         Icon name: computer-vm', '           Chassis: vm 🖴', '    Virtualization: kvm',
      '  Operating System: Ubuntu 22.04.3 LTS', '            Kernel: Linux 5.15.0-86-generic', '      Architecture: x86-64', '   Hardware Vendor: QEMU',
    ].join('\n')).facts!;
    expect(f).toMatchObject({ hostname: 'vm1', chassis: 'vm', virtualization: 'kvm', architecture: 'x86-64', kernel: 'Linux 5.15.0-86-generic', hardwareVendor: 'QEMU' });
    expect(virtKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'kvm' }), expect.objectContaining({ about: 'arch', arch: 'x86' })]));
  });
  it('lscpu\'s `Virtualization: VT-x` is the CPU\'s, not this', () => {
    expect(vt('Virtualization:        VT-x\n').recognised).toBe(0);
  });
});

describe('Get-VMIntegrationService', () => {
  it('Time Synchronization disabled', () => {
    const f = fixture<VirtFacts>('virt', 'virt/centreon-timesync-disabled.txt');
    expect(f.integrationServices.find((s) => s.name === 'Time Synchronization')).toMatchObject({ vmName: 'SRVSAP11', enabled: false, status: 'OK' });
    expect(f.integrationServices).toHaveLength(6);
    expect(virtKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'time-sync', daemon: 'hyperv-timesync-ic', state: 'disabled' })]));
  });
  it('a German host names it Zeitsynchronisierung', () => {
    const f = fixture<VirtFacts>('virt', 'virt/docker-for-win-german.txt');
    expect(f.integrationServices.find((s) => s.name === 'Time Synchronization')).toMatchObject({ vmName: 'MobyLinuxVM', enabled: true });
    expect(f.integrationServices.find((s) => s.name === 'Key-Value Pair Exchange')?.enabled).toBe(false);
  });
  it('recognises nothing in other kinds\' real files; never throws (property, seed 29)', () => {
    expectNoClaims('virt', foreignFiles(['virt']));
    expectNeverThrows('virt', ['systemd-detect-virt', 'virt-what', 'hostnamectl', 'kvm', 'none', '    Virtualization: kvm', 'vm1 Time Synchronization True OK'], 29);
  });
});

describe('a pasted /proc/cmdline', () => {
  const c = (text: string): { facts: CmdlineFacts | null; recognised: number } => parseWith<CmdlineFacts>('cmdline', text);
  it('under `cat /proc/cmdline`, or a bare `BOOT_IMAGE=` line', () => {
    expect(c('$ cat /proc/cmdline\nro quiet clocksource=tsc tsc=reliable\n').facts).toMatchObject({ clocksource: 'tsc', tsc: ['reliable'], refs: { clocksource: { line: 2 } } });
    expect(c('BOOT_IMAGE=/boot/vmlinuz-5.4.0 root=UUID=abc ro quiet no-kvmclock\n').facts?.noKvmclock).toBe(true);
    expect(c('My settings:\nro quiet clocksource=tsc\n').recognised).toBe(0);
  });
  it('a WSL2 command line wrapped over two lines is one', () => {
    const f = fixture<CmdlineFacts>('cmdline', 'cmdline/wsl2-proc-cmdline-wrapped.txt');
    expect(f.raw).toBe('initrd=\\initrd.img WSL_ROOT_INIT=1 panic=-1 nr_cpus=32 hv_utils.timesync_implicit=1 swiotlb=force console=hvc0 debug pty.legacy_count=0 WSL_ENABLE_CRASH_DUMP=1');
  });
  it('the kernel log\'s `Command line:` is not a pasted cmdline', () => {
    expect(c('[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-4.18.0 root=/dev/sda1 ro\n').recognised).toBe(0);
    expectNoClaims('cmdline', foreignFiles(['cmdline', 'live']));
  });
  it('a file that is /proc/cmdline itself: one line of kernel parameters', () => {
    const f = fixture<CmdlineFacts>('cmdline', 'live/firecracker-kvm-6.18/proc/cmdline');
    expect(f.raw).toMatch(/^mitigations=auto/);
    expect(c('quiet is nice\n').recognised).toBe(0);
    expect(c('key=value\nother=line\n').recognised).toBe(0);
  });
});
