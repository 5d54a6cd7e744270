/**
 * Issue 11's input promises, through the built CLI as a user runs it, where test/cli/cli-promises.test.ts,
 * test/e2e/analyze-cli.test.ts and test/gather/* do not already cover them:
 * - one set of loose files given as a directory, a .tar, a .tar.gz, a .tgz, a .zip, and a tar on stdin
 *   gives one diagnosis (same inputs, same prediction, same findings);
 * - `tar -C dir .` archives (a `./` root entry) report no spurious skipped member;
 * - a file named `-x` after `--` is a file;
 * - a no-evidence file among good ones is status `no-evidence` with a message, the run goes on, exit
 *   is not 65; exit 65 only when nothing at all was understood;
 * - two boots of one machine in two files are two subjects, each diagnosed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures');
const env = { ...process.env, NO_COLOR: '1' };
let tmp = '';

interface Json {
  exitCode: number;
  inputs: { path: string; status: string; kind: string | null; message: string; subject?: string | null }[];
  subjects: { id: string; inputs: string[] }[];
  prediction: unknown;
  findings: { id: string; severity: string }[];
  facts: Record<string, unknown>;
}

function cli(args: string[], opts: { input?: Buffer | string; cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'analyze', ...args], { encoding: 'utf8', env, input: opts.input ?? '', cwd: opts.cwd ?? tmp, timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args: string[], opts: { input?: Buffer | string; cwd?: string } = {}): Json => JSON.parse(cli(['--json', ...args], opts).stdout) as Json;
/** Member path without its container (`loose/`, `x.tgz:`, `stdin:`, and the tgz's own `loose/`). */
const member = (p: string): string => p.replace(/^[^:]*:/, '').replace(/^loose\//, '');

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/agent/cli.js is missing: run npm run build first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-promises-'));
  const d = path.join(tmp, 'loose');
  fs.mkdirSync(path.join(d, 'guest'), { recursive: true });
  // A VirtualBox host log and its guest's kernel log and cpuinfo, under names that say nothing.
  fs.copyFileSync(path.join(FIX, 'vbox', 'v5.1.38-linux-intel-kvm-mohitpandey.log.1'), path.join(d, 'host-output'));
  fs.copyFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'), path.join(d, 'guest', 'out-2'));
  fs.writeFileSync(path.join(d, 'notes.txt'), 'the clock is wrong again, see attached\n');
  execFileSync('tar', ['cf', path.join(tmp, 'l.tar'), '-C', d, '.']);
  execFileSync('tar', ['czf', path.join(tmp, 'l.tar.gz'), '-C', d, '.']);
  execFileSync('tar', ['czf', path.join(tmp, 'l.tgz'), '-C', tmp, 'loose']);
  execFileSync('python3', ['-c', "import zipfile,os\nz=zipfile.ZipFile('l.zip','w',zipfile.ZIP_DEFLATED)\nfor r,_,fs in os.walk('loose'):\n  for f in fs: z.write(os.path.join(r,f))\nz.close()"], { cwd: tmp });
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('one set of files, however it is packed, is one diagnosis', () => {
  it('directory, .tar, .tar.gz, .tgz, .zip and a tar on stdin agree on inputs, subjects, prediction and findings', () => {
    const base = json(['loose']);
    const shape = (j: Json): unknown => ({
      inputs: j.inputs.map((i) => [member(i.path), i.status, i.kind]).sort(),
      subjects: j.subjects.length,
      prediction: j.prediction,
      findings: j.findings.map((f) => `${f.id}/${f.severity}`).sort(),
      exitCode: j.exitCode,
    });
    expect(shape(base)).toMatchObject({
      inputs: [['guest/out-2', 'ok', 'kernel-log'], ['host-output', 'ok', 'vbox'], ['notes.txt', 'no-evidence', null]],
      subjects: 1,
    });
    for (const a of ['l.tar', 'l.tar.gz', 'l.tgz', 'l.zip']) expect(shape(json([a])), a).toEqual(shape(base));
    expect(shape(json(['-'], { input: fs.readFileSync(path.join(tmp, 'l.tar')) })), 'stdin').toEqual(shape(base));
    expect(shape(json([], { input: fs.readFileSync(path.join(tmp, 'l.zip')) })), 'piped, no operand').toEqual(shape(base));
  });

  it('`tar -C dir .` stores the root as ./: no skipped member is reported for it', () => {
    const j = json(['l.tar']);
    expect(j.inputs.filter((i) => i.status === 'skipped')).toEqual([]);
  });
});

describe('operands', () => {
  it('a file named -x after -- is a file (text and JSON)', () => {
    fs.copyFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'), path.join(tmp, '-x'));
    const j = json(['--', '-x']);
    expect(j.inputs.map((i) => [i.path, i.status, i.kind])).toEqual([['-x', 'ok', 'kernel-log']]);
    const r = cli(['--', '-x']);
    expect(r.stdout).toMatch(/-x\s+kernel-log\s+ok/);
    expect(r.code).not.toBe(64);
    // Without --, -x is an unknown option: a usage error.
    expect(cli(['-x']).code).toBe(64);
  });
});

describe('no evidence', () => {
  it('a file with no clock evidence among good ones: status no-evidence with a message, the run goes on, exit is not 65', () => {
    const r = cli(['--json', 'loose/notes.txt', 'loose/guest/out-2']);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.inputs[0]).toMatchObject({ path: 'loose/notes.txt', status: 'no-evidence', message: expect.stringMatching(/no clock evidence/) });
    expect(j.inputs[1]).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(r.code).not.toBe(65);
    expect(j.exitCode).toBe(r.code);
    const text = cli(['loose/notes.txt', 'loose/guest/out-2']);
    expect(text.stdout).toMatch(/notes\.txt.*no-evidence/);
    expect(text.stdout).toMatch(/Verdict: /);
  });

  it('exit 65 only when nothing at all was understood: one clear line naming the file', () => {
    const r = cli(['loose/notes.txt']);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('loose/notes.txt: no clock evidence');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    fs.writeFileSync(path.join(tmp, 'empty'), '');
    expect(cli(['loose/notes.txt', 'empty']).code).toBe(65);
  });
});

describe('several kernel logs', () => {
  it('two boots of one machine, in two files, are two subjects, each with its own facts', () => {
    const lines = fs.readFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kernlog-multiboot.txt'), 'utf8').split('\n');
    const starts = lines.flatMap((l, i) => (/Initializing cgroup subsys cpuset/.test(l) ? [i] : []));
    expect(starts.length).toBeGreaterThanOrEqual(3);
    fs.writeFileSync(path.join(tmp, 'boot-a.log'), `${lines.slice(starts[1], starts[2]).join('\n')}\n`);
    fs.writeFileSync(path.join(tmp, 'boot-b.log'), `${lines.slice(starts[2], starts[3]).join('\n')}\n`);
    const j = json(['boot-a.log', 'boot-b.log']);
    expect(j.subjects.map((s) => s.inputs)).toEqual([['boot-a.log'], ['boot-b.log']]);
    expect(j.inputs.map((i) => i.subject)).toEqual(['s1', 's2']);
    const text = cli(['boot-a.log', 'boot-b.log']).stdout;
    expect(text).toContain('boot-a.log');
    expect(text).toContain('boot-b.log');
  });
});
