/**
 * Archives a user hands to `analyze` (issue 11): a capture tarball and a zip of loose files are read file
 * by file; hostile members — `../` and absolute names, links out, devices, duplicates, huge or bombed
 * members — get a clear reason and touch nothing outside the private extraction root. Archives are built
 * with the real `tar` and with Python's tarfile/zipfile (which, unlike tar, write the hostile names).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { archiveEntries, safeMemberPath } from '../../agent/gather/archive/extract.js';
import { ArchiveError, gunzipLimited, zipEntries } from '../../agent/gather/archive/entries.js';
import { ROOT } from '../helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures');
const DMESG = path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt');
let tmp = '';

/** Run a small Python program (tarfile/zipfile write the names tar refuses to). */
function py(code: string): void {
  execFileSync('python3', ['-c', code], { cwd: tmp });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-archives-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('archives of evidence', () => {
  it('a tar.gz of a clockdoctor capture is read as the capture', async () => {
    execFileSync('tar', ['czf', path.join(tmp, 'capture.tgz'), '-C', path.join(FIX, 'capture'), 'firecracker-kvm-6.18']);
    const r = await readInputs([path.join(tmp, 'capture.tgz')]);
    const cap = r.inputs.find((i) => i.kind === 'capture-dir');
    expect(cap).toMatchObject({ status: 'ok', path: `${path.join(tmp, 'capture.tgz')}:firecracker-kvm-6.18` });
    expect(r.subjects[0]!.facts.clocksource?.current).toBe('tsc');
    expect(r.subjects[0]!.facts.kernelLog?.path).toContain('capture.tgz:firecracker-kvm-6.18');
  });

  it('a zip of loose files (any names) is read file by file', async () => {
    fs.copyFileSync(DMESG, path.join(tmp, 'd.txt'));
    fs.copyFileSync(path.join(FIX, 'cpuinfo', 'hyperv-guest-xeon-w2155-rhel8.txt'), path.join(tmp, 'c'));
    py("import zipfile\nz=zipfile.ZipFile('logs.zip','w',zipfile.ZIP_DEFLATED)\nz.write('d.txt','ticket/dmesg-output')\nz.write('c','ticket/notes.bin')\nz.writestr('ticket/readme.txt','hello\\n')\nz.close()");
    const r = await readInputs([path.join(tmp, 'logs.zip')]);
    const by = Object.fromEntries(r.inputs.map((i) => [i.path.split(':').pop(), i]));
    expect(by['ticket/dmesg-output']).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(by['ticket/notes.bin']).toMatchObject({ status: 'ok', kind: 'cpuinfo' });
    expect(by['ticket/readme.txt']).toMatchObject({ status: 'no-evidence' });
  });

  it('a plain .gz log is read as the log', async () => {
    fs.writeFileSync(path.join(tmp, 'kern.log.2.gz'), zlib.gzipSync(fs.readFileSync(DMESG)));
    const r = await readInputs([path.join(tmp, 'kern.log.2.gz')]);
    expect(r.inputs).toEqual([expect.objectContaining({ status: 'ok', kind: 'kernel-log' })]);
  });

  it('piped in on stdin, an archive is read the same', async () => {
    const fd = fs.openSync(path.join(tmp, 'capture.tgz'), 'r');
    try {
      const r = await readInputs(['-'], { stdinFd: fd });
      expect(r.inputs.find((i) => i.kind === 'capture-dir')).toMatchObject({ status: 'ok', path: 'stdin:firecracker-kvm-6.18' });
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('hostile archives', () => {
  const victim = (): string => path.join(tmp, 'victim');

  it('../ and absolute names, links out, devices and duplicates are skipped with the reason; nothing outside is written', async () => {
    fs.writeFileSync(victim(), 'untouched');
    const abs = path.join(tmp, 'abs-target');
    py([
      'import tarfile, io',
      "t=tarfile.open('evil.tar','w')",
      "def add(name, data=b'x', **kw):",
      '  i=tarfile.TarInfo(name)',
      '  for k,v in kw.items(): setattr(i,k,v)',
      '  i.size=len(data) if i.isreg() else 0',
      '  t.addfile(i, io.BytesIO(data) if i.isreg() else None)',
      "add('../victim', b'overwritten')",
      `add(${JSON.stringify(abs)}, b'absolute')`,
      "add('link', type=tarfile.SYMTYPE, linkname='/etc/shadow')",
      "add('hard', type=tarfile.LNKTYPE, linkname='../victim')",
      "add('dev', type=tarfile.CHRTYPE, devmajor=1, devminor=3)",
      `add('ok/dmesg', open(${JSON.stringify(DMESG)},'rb').read())`,
      "add('ok/dmesg', b'second copy')",
      "add('ok/dmesg/../../escape', b'x')",
      't.close()',
    ].join('\n'));
    const r = await readInputs([path.join(tmp, 'evil.tar')]);
    const reason = (name: string): string | undefined => r.inputs.find((i) => i.path.endsWith(`:${name}`))?.message;
    expect(reason('../victim')).toMatch(/leaves the archive/);
    expect(reason(abs)).toMatch(/absolute/);
    expect(reason('link')).toMatch(/link/);
    expect(reason('hard')).toMatch(/link/);
    expect(reason('dev')).toMatch(/not a regular file/);
    expect(reason('ok/dmesg/../../escape')).toMatch(/leaves the archive/);
    expect(r.inputs.find((i) => i.path.endsWith(':ok/dmesg') && i.status === 'skipped')?.message).toMatch(/second member of the same name/);
    expect(r.inputs.find((i) => i.path.endsWith(':ok/dmesg') && i.status === 'ok')?.kind).toBe('kernel-log');
    expect(fs.readFileSync(victim(), 'utf8')).toBe('untouched');
    expect(fs.existsSync(abs)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'escape'))).toBe(false);
  });

  it('a member over the size limit is refused from its header, before anything is inflated', () => {
    py("import zipfile\nz=zipfile.ZipFile('big.zip','w',zipfile.ZIP_DEFLATED)\nz.writestr('zeros', b'\\0'*(8*1024*1024))\nz.close()");
    const buf = fs.readFileSync(path.join(tmp, 'big.zip'));
    expect(buf.length).toBeLessThan(100_000);
    expect(() => zipEntries(buf, { maxEntries: 10, maxMemberBytes: 1024 * 1024, maxTotalBytes: 1024 * 1024 })).toThrow(ArchiveError);
    expect(() => zipEntries(buf, { maxEntries: 10, maxMemberBytes: 1024 * 1024, maxTotalBytes: 1024 * 1024 })).toThrow(/over the 1048576-byte limit/);
  });

  it('a zip whose header lies about the size inflates no further than it claims', () => {
    py("import zipfile\nz=zipfile.ZipFile('liar.zip','w',zipfile.ZIP_DEFLATED)\nz.writestr('zeros', b'\\0'*(4*1024*1024))\nz.close()");
    const buf = Buffer.from(fs.readFileSync(path.join(tmp, 'liar.zip')));
    // Patch the central directory's uncompressed size down to 1 KiB.
    const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(1024, cd + 24);
    const [entry] = zipEntries(buf, { maxEntries: 10, maxMemberBytes: 2048, maxTotalBytes: 2048 });
    expect(() => entry!.data()).toThrow();
  });

  it('a gzip bomb stops at the ceiling with a clear error', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(() => gunzipLimited(bomb, 1024 * 1024)).toThrow(/decompresses to more than 1048576 bytes/);
    expect(() => archiveEntries(bomb, 'gzip', 'x.gz', { maxEntries: 10, maxMemberBytes: 1 << 20, maxTotalBytes: 1 << 20 })).toThrow(ArchiveError);
  });

  it('a damaged archive is one clear failed input, and the run goes on', async () => {
    fs.writeFileSync(path.join(tmp, 'cut.tgz'), fs.readFileSync(path.join(tmp, 'capture.tgz')).subarray(0, 200));
    const r = await readInputs([path.join(tmp, 'cut.tgz'), DMESG]);
    expect(r.inputs[0]).toMatchObject({ status: 'failed', kind: 'archive' });
    expect(r.inputs[0]!.message).toMatch(/gzip|cut short/);
    expect(r.inputs.at(-1)).toMatchObject({ status: 'ok', kind: 'kernel-log' });
  });

  it.each([
    ['../x', 'path leaves the archive (..)'], ['/etc/passwd', 'absolute path'], ['C:/Windows/x', 'absolute path'],
    ['a\\..\\..\\b', 'path leaves the archive (..)'], ['a\0b', 'name holds a NUL byte'], ['./', 'empty name'],
  ])('member name %j is refused: %s', (name, reason) => {
    expect(safeMemberPath(name)).toEqual({ reason });
  });
  it('ordinary member names become their segments', () => {
    expect(safeMemberPath('capture/./proc/cpuinfo')).toEqual({ segments: ['capture', 'proc', 'cpuinfo'] });
  });

  it('the extraction directory is private and gone afterwards', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('clockdoctor-archive-'));
    await readInputs([path.join(tmp, 'logs.zip')]);
    const after = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('clockdoctor-archive-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
  });
});
