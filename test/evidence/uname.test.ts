/** `uname` output as pasted: `-a` (Linux, busybox, Darwin), single flags under their prompt, WSL releases. */
import { describe, expect, it } from 'vitest';
import type { UnameFacts } from '../../agent/evidence/uname/facts.js';
import { parseUnameAll } from '../../agent/evidence/uname/parser.js';
import { unameKind } from '../../agent/evidence/uname/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const u = (text: string): { facts: UnameFacts | null; recognised: number } => parseWith<UnameFacts>('uname', text);

describe('uname -a', () => {
  it('reads GNU coreutils output, machine from the run of architecture words before the OS', () => {
    const f = fixture<UnameFacts>('uname', 'uname/vmware-ubuntu-open-vm-tools-10.txt');
    expect(f).toMatchObject({ kernelName: 'Linux', nodename: 'ubuntu', kernelRelease: '3.19.0-25-generic', machine: 'x86_64', arch: 'x86', wsl: null });
    expect(f.systems[0]!.kernelVersion).toBe('#26~14.04.1-Ubuntu SMP Fri Jul 24 21:16:20 UTC 2015');
    expect(f.systems[0]!.os).toBe('GNU/Linux');
  });
  it('reads busybox (no processor fields) and aarch64', () => {
    expect(parseUnameAll('Linux default 4.0.9-boot2docker #1 SMP Thu Sep 10 20:39:20 UTC 2015 x86_64 GNU/Linux')).toMatchObject({ nodename: 'default', machine: 'x86_64', kernelRelease: '4.0.9-boot2docker' });
    expect(fixture<UnameFacts>('uname', 'uname/asahi-m1-lscpu-head.txt')).toMatchObject({ machine: 'aarch64', arch: 'arm64', kernelRelease: '6.0.0-rc5-asahi-00001-gc62bd3fe430f' });
  });
  it('a Darwin line is the Mac host, the Linux line the machine the section is about', () => {
    const f = fixture<UnameFacts>('uname', 'uname/kcli-mac-host-fedora-aarch64-guest.txt');
    expect(f.macHost).toEqual({ release: '25.2.0', machine: 'arm64', nodename: 'MacBook-Pro.local' });
    expect(f).toMatchObject({ kernelName: 'Linux', nodename: 'fedora43', machine: 'aarch64', arch: 'arm64' });
    expect(f.systems.map((s) => s.kernelName)).toEqual(['Darwin', 'Linux']);
  });
  it('the lima case: only a Mac host, no machine claimed for the guest', () => {
    const f = fixture<UnameFacts>('uname', 'versions/lima-colima-m1.txt');
    expect(f.macHost?.machine).toBe('arm64');
    expect(f.kernelRelease).toBeNull();
    expect(f.arch).toBeNull();
  });
});

describe('single flags under their prompt, and WSL', () => {
  it('uname -r, -m and -srm are read only under the prompt', () => {
    expect(u('$ uname -r\n5.15.0-86-generic\n').facts).toMatchObject({ kernelRelease: '5.15.0-86-generic', kernelName: null });
    expect(u('~$ uname -m\naarch64\n').facts).toMatchObject({ machine: 'aarch64', arch: 'arm64' });
    expect(u('$ uname -srm\nLinux 6.1.0-13-amd64 x86_64\n').facts).toMatchObject({ kernelName: 'Linux', kernelRelease: '6.1.0-13-amd64', machine: 'x86_64' });
    expect(u('5.15.0-86-generic\naarch64\n').recognised).toBe(0);
    expect(u('$ uname -m\nhello world\n').recognised).toBe(0);
  });
  it('WSL releases are unmistakable even without a prompt', () => {
    expect(fixture<UnameFacts>('uname', 'uname/wsl2-powershell-date-uname-r.txt')).toMatchObject({ kernelRelease: '5.10.60.1-microsoft-standard-WSL2', wsl: 'wsl2' });
    expect(u('$ uname -r\n4.19.104-microsoft-standard\n').facts?.wsl).toBe('wsl2');
    expect(u('$ uname -r\n4.4.0-19041-Microsoft\n').facts?.wsl).toBe('wsl1');
  });
  it('is not /proc/version, a kernel line or prose', () => {
    expect(u('Linux version 5.15.90.1-microsoft-standard-WSL2 (oe-user@oe-host) (x86_64-msft-linux-gcc (GCC) 9.3.0) #1 SMP Fri Jan 27 02:56:13 UTC 2023').recognised).toBe(0);
    expect(u('Linux is 5 times better than #1 SMP anything x86_64').recognised).toBe(0);
    expect(u('[    0.000000] Linux version 4.18.0-80.el8.x86_64 (mockbuild@x86-vm-08.build.eng.bos.redhat.com)').recognised).toBe(0);
  });
});

describe('hints and merge', () => {
  it('WSL2 is a Hyper-V guest on Windows; a Darwin line is a macOS host; the machine gives the arch', () => {
    const wsl = unameKind.hints!(u('$ uname -r\n5.15.90.1-microsoft-standard-WSL2\n').facts!);
    expect(wsl).toEqual(expect.arrayContaining([
      expect.objectContaining({ about: 'hypervisor', name: 'hyperv', strength: 'strong' }),
      expect.objectContaining({ about: 'role', role: 'guest' }),
      expect.objectContaining({ about: 'host-os', os: 'windows' }),
    ]));
    const mac = unameKind.hints!(fixture<UnameFacts>('uname', 'uname/kcli-mac-host-fedora-aarch64-guest.txt'));
    expect(mac).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'host-os', os: 'macos' }), expect.objectContaining({ about: 'arch', arch: 'arm64' })]));
    // A Mac's own arch is not the guest's: no arch hint from a Darwin-only section.
    expect(unameKind.hints!(fixture<UnameFacts>('uname', 'versions/lima-colima-m1.txt')).some((h) => h.about === 'arch')).toBe(false);
  });
  it('two different machines stay apart; a Mac host line joins its guest', () => {
    const a = u('$ uname -a\nLinux db1 5.15.0-86-generic #96-Ubuntu SMP Wed Sep 20 08:23:49 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux\n').facts!;
    const b = u('$ uname -a\nLinux db2 5.15.0-86-generic #96-Ubuntu SMP Wed Sep 20 08:23:49 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux\n').facts!;
    expect(unameKind.merge(a, b)).toBeNull();
    const mac = fixture<UnameFacts>('uname', 'versions/lima-colima-m1.txt');
    expect(unameKind.merge(mac, a)).toMatchObject({ nodename: 'db1', macHost: { machine: 'arm64' } });
  });
});

describe('never claims other kinds, never throws', () => {
  it('recognises nothing in kernel logs, VBox.logs, cpuinfo, timer_list and other command outputs', () => {
    expectNoClaims('uname', foreignFiles(['uname', 'versions', 'lscpu']));
  });
  it('arbitrary text (property, seed 21)', () => {
    expectNeverThrows('uname', ['uname -a', 'uname -r', 'uname -srm', 'Linux h 5.1 #1 SMP x86_64', 'Darwin m 21.4.0 Darwin Kernel Version 21 arm64', '5.15.90.1-microsoft-standard-WSL2'], 21);
  });
});
