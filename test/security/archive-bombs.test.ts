/**
 * Archives that try to exhaust memory or reach outside the extraction root (issue 11, "bad input stays
 * safe"), beyond the tar cases of test/gather/archives.test.ts: decompression bombs are refused at a
 * ratio ceiling (everything is inflated in memory, so a size limit alone lets a 2 MB .gz take 2 GB of
 * RAM before it fails), nested archives share one budget, and a zip's hostile names and symlink
 * members are refused like a tar's. Run through the built CLI where the user would see it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { ArchiveError, INFLATE_FLOOR_BYTES, MAX_INFLATE_RATIO, gunzipLimited, inflateCeiling, zipEntries } from '../../agent/gather/archive/entries.js';
import { ROOT, runCli } from '../helpers/cli.js';

const DMESG = path.join(ROOT, 'test', 'fixtures', 'dmesg', 'kvm-bochs-3.13-kvmclock.txt');
const env = { ...process.env, NO_COLOR: '1' };
let tmp = '';

/** Python's zipfile writes the names and modes `zip` refuses to. */
function py(code: string): void {
  execFileSync('python3', ['-c', code], { cwd: tmp });
}

/** A gzip of `mib` MiB of zeros, compressed chunk by chunk (never the whole plain text in memory). */
async function zerosGz(file: string, mib: number): Promise<void> {
  const gz = zlib.createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => gz.on('end', resolve));
  const zero = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) gz.write(zero);
  gz.end();
  await done;
  fs.writeFileSync(file, Buffer.concat(chunks));
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-bombs-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('decompression bombs', () => {
  it('the ceiling is 100× the compressed size above a 64 MiB floor, and never above the limit', () => {
    expect(inflateCeiling(1000, 2 ** 31)).toBe(INFLATE_FLOOR_BYTES);
    expect(inflateCeiling(10 * 1024 * 1024, 2 ** 31)).toBe(10 * 1024 * 1024 * MAX_INFLATE_RATIO);
    expect(inflateCeiling(100 * 1024 * 1024, 2 ** 31)).toBe(2 ** 31);
    expect(inflateCeiling(1000, 4096)).toBe(4096);
  });

  it('a .gz of 80 MiB of zeros (80 KB on disk) is refused through the CLI naming the file, as a bomb, not inflated to the 2 GiB limit', async () => {
    const bomb = path.join(tmp, 'kern.log.gz');
    await zerosGz(bomb, 80);
    expect(fs.statSync(bomb).size).toBeLessThan(1024 * 1024);
    const r = runCli('analyze', [bomb], { env });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`${bomb}: decompresses to more than ${INFLATE_FLOOR_BYTES} bytes, over 100×`);
    expect(r.stderr).toMatch(/gunzip it and name the file/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('the bomb beside a good log is one failed input; the run goes on (exit not 65)', async () => {
    const r = runCli('analyze', ['--json', path.join(tmp, 'kern.log.gz'), DMESG], { env });
    const j = JSON.parse(r.stdout) as { inputs: { path: string; status: string; kind: string | null; message: string }[] };
    expect(j.inputs[0]).toMatchObject({ status: 'failed', kind: 'archive' });
    expect(j.inputs[1]).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(r.code).not.toBe(65);
  });

  it('a repetitive but real-sized .gz still reads (the floor keeps ordinary logs whole)', () => {
    const big = Buffer.from('[    1.000000] clocksource: Switched to clocksource kvm-clock\n'.repeat(200_000));
    expect(big.length / zlib.gzipSync(big).length).toBeGreaterThan(MAX_INFLATE_RATIO);
    expect(gunzipLimited(zlib.gzipSync(big), 2 ** 31).equals(big)).toBe(true);
  });

  it('a zip member whose honest header claims more than 100× its compressed size is refused from the header, before inflating', () => {
    py("import zipfile\nz=zipfile.ZipFile('zeros.zip','w',zipfile.ZIP_DEFLATED)\nz.writestr('dmesg.txt', b'\\0'*(80*1024*1024))\nz.close()");
    const buf = fs.readFileSync(path.join(tmp, 'zeros.zip'));
    const limits = { maxEntries: 10, maxMemberBytes: 2 ** 30, maxTotalBytes: 2 ** 31 };
    expect(() => zipEntries(buf, limits)).toThrow(ArchiveError);
    expect(() => zipEntries(buf, limits)).toThrow(/"dmesg.txt" inflates 83886080 bytes from \d+ \(over 100×\)/);
  });

  it('archives of one run share one budget: nested and sibling archives cannot multiply it', async () => {
    const log = fs.readFileSync(DMESG);
    for (const n of ['a', 'b']) fs.writeFileSync(path.join(tmp, `${n}.log.gz`), zlib.gzipSync(log));
    execFileSync('tar', ['cf', path.join(tmp, 'nested.tar'), '-C', tmp, 'a.log.gz', 'b.log.gz']);
    const tarred = fs.statSync(path.join(tmp, 'a.log.gz')).size + fs.statSync(path.join(tmp, 'b.log.gz')).size;
    // Room for the tar's two members and one and a half logs: the second .gz no longer fits.
    const limits = { maxEntries: 100, maxMemberBytes: 10 * log.length, maxTotalBytes: tarred + Math.floor(1.5 * log.length) };
    // Unlimited: the tar and both .gz inside it are read.
    const all = await readInputs([path.join(tmp, 'nested.tar')]);
    expect(all.inputs.filter((i) => i.status === 'ok').map((i) => i.path.split(':').pop())).toEqual(['a.log', 'b.log']);
    const r = await readInputs([path.join(tmp, 'nested.tar')], { archiveLimits: limits });
    const failed = r.inputs.filter((i) => i.status === 'failed');
    expect(failed.map((i) => i.path.split(':').pop())).toEqual(['b.log.gz']);
    expect(failed[0]!.message).toMatch(/decompresses to more than|already unpacked/);
    expect(r.inputs.find((i) => i.path.endsWith(':a.log'))).toMatchObject({ status: 'ok', kind: 'kernel-log' });
  });
});

describe('hostile zip members', () => {
  it('../ and absolute names and symlink members are skipped with the reason; nothing is written outside; the good member is read', () => {
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'untouched');
    const abs = path.join(tmp, 'abs-target');
    py([
      'import zipfile',
      "z=zipfile.ZipFile('evil.zip','w',zipfile.ZIP_DEFLATED)",
      "z.writestr('../victim', b'overwritten')",
      `z.writestr(${JSON.stringify(abs)}, b'absolute')`,
      "z.writestr('..\\\\..\\\\win', b'backslashes')",
      "i=zipfile.ZipInfo('link'); i.external_attr=(0o120777<<16); z.writestr(i, '/etc/shadow')",
      `z.writestr('ok/dmesg', open(${JSON.stringify(DMESG)},'rb').read())`,
      'z.close()',
    ].join('\n'));
    const zip = path.join(tmp, 'evil.zip');
    const r = runCli('analyze', ['--json', zip], { env });
    const j = JSON.parse(r.stdout) as { inputs: { path: string; status: string; kind: string | null; message: string }[] };
    const reason = (name: string): string | undefined => j.inputs.find((i) => i.path === `${zip}:${name}`)?.message;
    expect(reason('../victim')).toMatch(/leaves the archive/);
    expect(reason(abs)).toMatch(/absolute/);
    expect(reason('..\\..\\win')).toMatch(/leaves the archive/);
    expect(reason('link')).toMatch(/link/);
    expect(j.inputs.find((i) => i.path === `${zip}:ok/dmesg`)).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(r.code).not.toBe(65);
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.existsSync(abs)).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(tmp), 'win'))).toBe(false);
    expect(r.stdout).not.toContain('root:');
  });
});
