/** Tool versions pasted together: what they say about the hypervisor, the host OS and the VM's architecture. */
import { describe, expect, it } from 'vitest';
import type { VersionsFacts } from '../../agent/evidence/versions/facts.js';
import { versionsKind } from '../../agent/evidence/versions/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const v = (text: string): { facts: VersionsFacts | null; recognised: number } => parseWith<VersionsFacts>('versions', text);

describe('tools', () => {
  it('Lima and Colima with colima\'s runtime/arch block (after its blank line)', () => {
    const f = fixture<VersionsFacts>('versions', 'versions/lima-colima-m1.txt');
    expect(f.tools.map((t) => [t.tool, t.version])).toEqual([['lima', '0.9.2'], ['colima', '0.3.4']]);
    expect(f).toMatchObject({ vmArch: 'aarch64', runtime: 'docker' });
    expect(versionsKind.hints!(f)).toEqual(expect.arrayContaining([
      expect.objectContaining({ about: 'hypervisor', name: 'hvf', strength: 'weak', label: 'QEMU with macOS Hypervisor.framework (Lima 0.9.2)' }),
      expect.objectContaining({ about: 'arch', arch: 'arm64' }),
    ]));
  });
  it('colima\'s key lines are nobody\'s outside its block', () => {
    expect(v('arch: aarch64\nruntime: docker\n').recognised).toBe(0);
  });
  it('wsl --version (German), Windows ver', () => {
    const f = fixture<VersionsFacts>('versions', 'versions/wsl-version-german.txt');
    expect(f).toMatchObject({ hostOs: 'windows', wslKernel: '5.15.79.1' });
    expect(f.tools.map((t) => t.tool)).toEqual(['windows', 'wsl']);
    expect(versionsKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'hyperv' }), expect.objectContaining({ about: 'host-os', os: 'windows' })]));
  });
  it.each([
    ['$ VBoxManage --version\n5.0.4r102546\n', 'virtualbox', '5.0.4', 'virtualbox'],
    ['VMware ESXi 6.7.0 build-8169922\n', 'vmware', '6.7.0', 'vmware'],
    ['VMware Workstation 17.0.2 build-21581411\n', 'vmware', '17.0.2', 'vmware'],
    ['QEMU emulator version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6.15)\nCopyright (c) 2003-2021 Fabrice Bellard and the QEMU Project developers\n', 'qemu', '6.2.0', 'qemu'],
    ['docker-machine version 0.16.2, build bd45ab13\n', 'docker-machine', '0.16.2', 'virtualbox'],
    ['multipass   1.12.2+mac\nmultipassd  1.12.2+mac\n', 'multipass', '1.12.2', 'hvf'],
    ['prlctl version 18.1.1 (53328)\n', 'parallels', '18.1.1', 'parallels'],
  ])('%s', (text, tool, version, hypervisor) => {
    const f = v(text).facts!;
    expect(f.tools[0]).toMatchObject({ tool, version });
    expect(versionsKind.hints!(f).find((h) => h.about === 'hypervisor')).toMatchObject({ name: hypervisor });
  });
  it('docker version: the client\'s OS/Arch is the host, the server\'s the VM', () => {
    const f = v([
      '$ docker version', 'Client:', ' Version:           24.0.2', ' OS/Arch:           darwin/arm64', '',
      'Server: Docker Desktop 4.20.1 (110738)', ' Engine:', '  Version:          24.0.2', '  OS/Arch:          linux/arm64',
    ].join('\n')).facts!;
    expect(f).toMatchObject({ hostOs: 'macos', vmArch: 'linux/arm64' });
    expect(versionsKind.hints!(f)).toEqual(expect.arrayContaining([expect.objectContaining({ about: 'hypervisor', name: 'hvf' }), expect.objectContaining({ about: 'arch', arch: 'arm64' })]));
  });
  it('sw_vers says macOS', () => {
    expect(v('ProductName:    macOS\nProductVersion: 12.3.1\nBuildVersion:   21E258\n').facts).toMatchObject({ hostOs: 'macos', tools: [expect.objectContaining({ tool: 'macos', version: '12.3.1', build: '21E258' })] });
  });
});

describe('merge, boundaries', () => {
  it('one tool at two versions is two setups', () => {
    expect(versionsKind.merge(v('limactl version 0.9.2\n').facts!, v('limactl version 1.0.1\n').facts!)).toBeNull();
  });
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('versions', foreignFiles(['versions']));
  });
  it('never throws (property, seed 28)', () => {
    expectNeverThrows('versions', ['colima version 0.3.4', 'arch: aarch64', 'runtime: docker', 'WSL version: 1.0.3.0', 'Kernel version: 5.15', 'docker version', 'OS/Arch: darwin/arm64', '5.0.4r102546'], 28);
  });
});
