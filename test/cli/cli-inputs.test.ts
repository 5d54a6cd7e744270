/**
 * The input promises of `analyze` (issue 11), through the built CLI as users run it: piped stdin with
 * no operand, `--` before a file named like a flag, plain `.tar` and `.tar.gz` of loose files, a file
 * with no evidence among good ones (reported `no-evidence`, the run goes on, exit not 65), exit 65 only
 * when nothing at all was understood, and kernel logs of two machines reported as two subjects.
 * Archive safety and the flag-value errors are in test/gather/archives.test.ts and
 * test/cli/cli-promises.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

const DMESG = path.join(ROOT, 'test/fixtures/dmesg');
const KVM = path.join(DMESG, 'kvm-bochs-3.13-kvmclock.txt');
const XEN = path.join(DMESG, 'xen-hvm-aws-centos7-3.10-xen-clocksource.txt');
const README = 'Notes from the ticket: the clock seems off after a suspend.\nNothing else to add.\n';

interface Doc {
  exitCode: number;
  inputs: { path: string; kind: string | null; kinds: string[]; status: string; subject?: string }[];
  subjects: { id: string; inputs: string[] }[];
}

function run(args: string[], opts: { cwd?: string; input?: string } = {}): { code: number | null; doc: Doc | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'analyze', ...args], {
    encoding: 'utf8', cwd: opts.cwd ?? ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
    // A pipe, never the terminal: `input` (even empty) makes stdin a pipe like `cat x | clockdoctor analyze`.
    input: opts.input ?? '',
  });
  let doc: Doc | null = null;
  try { doc = JSON.parse(r.stdout) as Doc; } catch { doc = null; }
  return { code: r.status, doc, stderr: r.stderr };
}

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-inputs-'));
  const loose = path.join(tmp, 'loose');
  fs.mkdirSync(loose);
  fs.copyFileSync(KVM, path.join(loose, 'dmesg.txt'));
  fs.writeFileSync(path.join(loose, 'readme.txt'), README);
  execFileSync('tar', ['cf', path.join(tmp, 'ticket.tar'), '-C', loose, 'dmesg.txt', 'readme.txt']);
  execFileSync('tar', ['czf', path.join(tmp, 'ticket.tar.gz'), '-C', loose, 'dmesg.txt', 'readme.txt']);
  fs.copyFileSync(KVM, path.join(tmp, '-x'));
  fs.writeFileSync(path.join(tmp, 'readme.txt'), README);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('analyze inputs through the CLI', () => {
  it('piped stdin with no file operand is read (not the bundled example)', () => {
    const r = run(['--json'], { input: fs.readFileSync(KVM, 'utf8') });
    expect(r.doc?.inputs.map((i) => [i.path, i.status, i.kind])).toEqual([['stdin', 'ok', 'kernel-log']]);
    expect([0, 1, 2]).toContain(r.code);
  });

  it('`-- -x` reads the file named -x (not an unknown option)', () => {
    const r = run(['--json', '--', '-x'], { cwd: tmp });
    expect(r.doc?.inputs.map((i) => [i.path, i.status, i.kind])).toEqual([['-x', 'ok', 'kernel-log']]);
    // Without `--`, -x is an option: a usage error, not a read.
    expect(run(['--json', '-x'], { cwd: tmp }).code).toBe(64);
  });

  it.each([['ticket.tar'], ['ticket.tar.gz']])('%s of loose files is read member by member', (name) => {
    const r = run(['--json', path.join(tmp, name)]);
    const by = Object.fromEntries((r.doc?.inputs ?? []).map((i) => [i.path.slice(i.path.lastIndexOf(':') + 1), i]));
    expect(by['dmesg.txt']).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(by['readme.txt']).toMatchObject({ status: 'no-evidence' });
    // A member is named archive:member, so a finding's file says where it came from.
    expect(by['dmesg.txt']!.path).toBe(`${path.join(tmp, name)}:dmesg.txt`);
    expect(r.code).not.toBe(65);
  });

  it('a file with no evidence among good ones: no-evidence, named on stderr, the run goes on, exit not 65', () => {
    const readme = path.join(tmp, 'readme.txt');
    const r = run(['--json', readme, KVM]);
    expect(r.doc?.inputs.map((i) => i.status)).toEqual(['no-evidence', 'ok']);
    expect(r.stderr).toContain('readme.txt');
    expect(r.code).not.toBe(65);
    expect(r.doc?.exitCode).toBe(r.code);
  });

  it('exit 65 only when no input at all was understood', () => {
    const r = run(['--json', path.join(tmp, 'readme.txt')]);
    expect(r.doc?.inputs.map((i) => i.status)).toEqual(['no-evidence']);
    expect(r.code).toBe(65);
  });

  it('kernel logs of two machines are two subjects, each input in its own', () => {
    const r = run(['--json', KVM, XEN]);
    expect(r.doc?.subjects.length).toBe(2);
    const subjects = r.doc?.inputs.map((i) => i.subject);
    expect(new Set(subjects).size).toBe(2);
    expect(r.doc?.subjects.map((s) => s.inputs.length)).toEqual([1, 1]);
  });
});
