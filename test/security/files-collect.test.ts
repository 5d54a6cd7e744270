/**
 * `collect --out DIR` writes only where no one else can read along or redirect it (issue 15 §3):
 * a directory it creates (0700), or one the caller owns that is no link and that neither group nor
 * others can write; files 0600 and directories 0700 whatever the umask; every file created
 * O_EXCL|O_NOFOLLOW, so a planted manifest.json link never makes root overwrite a file elsewhere.
 * Refusals exit 73 (EX_CANTCREAT) and name the path; nothing is written.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCommand } from '../../agent/commands/collect.js';
import { runCommand } from '../helpers/run-command.js';

const CAPTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'captures', 'firecracker-kvm-6.18');
const NOBODY = 65534;
let tmp: string;
const collect = (...args: string[]) => runCommand([collectCommand as never], ['collect', '--from', CAPTURE, ...args]);
const isRoot = process.geteuid?.() === 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-files-collect-'));
  fs.chmodSync(tmp, 0o755);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every entry under `dir` with its mode (links reported as such). */
function modes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    const st = fs.lstatSync(p);
    out.set(path.relative(dir, p), st.isSymbolicLink() ? 'link' : `${st.isDirectory() ? 'd' : 'f'}${(st.mode & 0o777).toString(8)}`);
  }
  return out;
}

describe('where collect writes', () => {
  it('a new DIR: 0700, every file 0600 and directory 0700, even with umask 000', async () => {
    const dir = path.join(tmp, 'new', 'capture');
    const old = process.umask(0);
    let r;
    try {
      r = await collect('--out', dir);
    } finally {
      process.umask(old);
    }
    expect(r.code, r.err).toBe(0);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const m = modes(dir);
    expect(m.get('manifest.json')).toBe('f600');
    expect(m.get('commands/dmesg')).toBe('f600');
    for (const [p, mode] of m) expect(`${p} ${mode}`).toMatch(/ (f600|d700)$/);
  });

  it.runIf(isRoot)('a DIR created beforehand by another user is refused (73), nothing written into it', async () => {
    const dir = path.join(tmp, 'theirs');
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    fs.chownSync(dir, NOBODY, NOBODY);
    const r = await collect('--out', dir);
    expect(r.code).toBe(73);
    expect(r.err).toContain(`${dir}: owned by uid ${NOBODY}, not by you`);
    expect(fs.readdirSync(dir)).toEqual([]);
    // That user cannot get around it by pre-creating the directories or files inside either.
    execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'mkdir', path.join(dir, 'proc')]);
    expect((await collect('--out', dir, '--force')).code).toBe(73);
    expect(fs.readdirSync(path.join(dir, 'proc'))).toEqual([]);
  });

  it('a group-writable DIR (even the caller\'s own) is refused (73)', async () => {
    const dir = path.join(tmp, 'group-writable');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o770);
    const r = await collect('--out', dir);
    expect(r.code).toBe(73);
    expect(r.err).toMatch(/writable by group \(mode 0770\)/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('DIR as a symbolic link (to an empty directory of the caller\'s) is refused (73), the target untouched', async () => {
    const target = path.join(tmp, 'link-target');
    fs.mkdirSync(target, { mode: 0o700 });
    const link = path.join(tmp, 'link');
    fs.symlinkSync(target, link);
    for (const out of [link, `${link}/`]) {
      const r = await collect('--out', out);
      expect(r.code, out).toBe(73);
      expect(r.err).toMatch(/is a symbolic link/);
    }
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it('a planted manifest.json link never makes collect overwrite the file it points to', async () => {
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'precious\n', { mode: 0o644 });
    const dir = path.join(tmp, 'planted');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.symlinkSync(victim, path.join(dir, 'manifest.json'));
    const r = await collect('--out', dir, '--force');
    expect(r.code).toBe(73);
    expect(r.err).toContain(`${path.join(dir, 'manifest.json')}: exists and is a symbolic link; collect never writes through one`);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.lstatSync(path.join(dir, 'manifest.json')).isSymbolicLink()).toBe(true);
  });

  it('a planted directory link inside DIR is never written through', async () => {
    const elsewhere = path.join(tmp, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    const dir = path.join(tmp, 'planted-dir');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.symlinkSync(elsewhere, path.join(dir, 'proc'));
    const r = await collect('--out', dir, '--force');
    expect(r.code).toBe(73);
    expect(r.err).toContain(`${path.join(dir, 'proc')}: is a symbolic link`);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('--force over an earlier capture replaces its files (new inodes, still 0600)', async () => {
    const dir = path.join(tmp, 'again');
    expect((await collect('--out', dir)).code).toBe(0);
    const before = fs.statSync(path.join(dir, 'manifest.json')).ino;
    fs.chmodSync(path.join(dir, 'manifest.json'), 0o644);
    expect((await collect('--out', dir)).code).toBe(64);
    const r = await collect('--out', dir, '--force');
    expect(r.code, r.err).toBe(0);
    const st = fs.statSync(path.join(dir, 'manifest.json'));
    expect(st.ino).not.toBe(before);
    expect(st.mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
