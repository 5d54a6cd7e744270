/**
 * Input promises of `analyze` (issue 11) not already in test/cli/evidence-promises.test.ts (archives,
 * `-- -x`, no-evidence, exit 65) or test/cli/cli-promises.test.ts (`-`, flag values), through the built
 * CLI as users run it: piped stdin with no operand is read, an unknown dash word without `--` is a usage
 * error rather than a file, and kernel logs of two different machines are two subjects.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

const DMESG = path.join(ROOT, 'test/fixtures/dmesg');
const KVM = path.join(DMESG, 'kvm-bochs-3.13-kvmclock.txt');
const XEN = path.join(DMESG, 'xen-hvm-aws-centos7-3.10-xen-clocksource.txt');

interface Doc {
  inputs: { path: string; kind: string | null; status: string; subject?: string }[];
  subjects: { id: string; inputs: string[] }[];
}

function run(args: string[], opts: { cwd?: string; input?: string } = {}): { code: number | null; doc: Doc | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'analyze', ...args], {
    encoding: 'utf8', cwd: opts.cwd ?? ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
    // Always a pipe, never the terminal: `cat x | clockdoctor analyze`.
    input: opts.input ?? '',
  });
  let doc: Doc | null = null;
  try { doc = JSON.parse(r.stdout) as Doc; } catch { doc = null; }
  return { code: r.status, doc, stderr: r.stderr };
}

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-inputs-'));
  fs.copyFileSync(KVM, path.join(tmp, '-x'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('analyze inputs through the CLI', () => {
  it('piped stdin with no file operand is read (not the bundled example), named stdin', () => {
    const r = run(['--json'], { input: fs.readFileSync(KVM, 'utf8') });
    expect(r.doc?.inputs.map((i) => [i.path, i.status, i.kind])).toEqual([['stdin', 'ok', 'kernel-log']]);
    expect([0, 1, 2]).toContain(r.code);
  });

  it('without `--`, -x is an unknown option: exit 64 naming it, the file of that name is not read', () => {
    const r = run(['--json', '-x'], { cwd: tmp });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/Unknown argument: -x$/m);
    expect(r.doc).toBeNull();
  });

  it('kernel logs of two machines are two subjects, each input in its own', () => {
    const r = run(['--json', KVM, XEN]);
    expect(r.doc?.subjects.length).toBe(2);
    expect(new Set(r.doc?.inputs.map((i) => i.subject)).size).toBe(2);
    expect(r.doc?.subjects.map((s) => s.inputs.length)).toEqual([1, 1]);
  });
});
