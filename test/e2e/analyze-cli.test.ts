/**
 * `clockdoctor analyze` as a user runs it: `node dist/agent/cli.js` (build first: npx tsc -p
 * tsconfig.build.json, as `npm test` does). Exit codes, the documented case, the JSON shape and bad
 * inputs (generated in the temp dir).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, type CliRun } from '../helpers/cli.js';

const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
const HEALTHY = path.join(ROOT, 'test', 'fixtures', 'vbox', 'v6.1.38-linux-intel-kvm-virttsc-mdmostafizur.log');
let tmp = '';

function run(args: string[], env: NodeJS.ProcessEnv = {}, input?: string | Buffer): CliRun {
  return runCli('analyze', args, { env: { ...process.env, NO_COLOR: undefined, ...env }, ...(input !== undefined ? { input } : {}) });
}

/** Run with a terminal on stdin (script(1) gives the command a pseudo-terminal), output captured. */
function runOnTerminal(args: string[]): { code: number | null; out: string } {
  const cmd = [process.execPath, CLI, 'analyze', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' }, input: '' });
  return { code: r.status, out: r.stdout };
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/agent/cli.js is missing: run npx tsc -p tsconfig.build.json first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-analyze-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the documented case', () => {
  it('without a file and a terminal on stdin: analyses the bundled example and the report says so; 2.3 % above nominal is a warning (exit 1)', () => {
    const r = runOnTerminal([]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Note\s+No file named and stdin is a terminal: this is the bundled example/);
    expect(r.out).toContain('2.3 % above the CPU\'s nominal 3.40 GHz');
  });

  it('without a file and stdin a pipe: reads stdin, not the example (cat VBox.log | clockdoctor analyze)', () => {
    const r = run(['--json'], {}, fs.readFileSync(EXAMPLE));
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.inputs).toEqual([expect.objectContaining({ path: 'stdin', kind: 'vbox', status: 'ok' })]);
    expect(j.notes).toEqual([]);
    expect(j.facts.vbox.tscTicksPerSecond).toBe(3478274491);
  });

  it('- reads stdin beside named files', () => {
    const dmesg = path.join(ROOT, 'test', 'fixtures', 'dmesg', 'vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt');
    const r = run(['--json', '-', dmesg], {}, fs.readFileSync(EXAMPLE));
    const j = JSON.parse(r.stdout);
    expect(j.inputs.map((i: { path: string; status: string }) => [i.path, i.status])).toEqual([['stdin', 'ok'], [dmesg, 'ok']]);
    expect(j.facts.vbox).not.toBeNull();
    expect(j.facts.kernelLog).not.toBeNull();
  });

  it('with --host-tsc-hz 3400109000: −22 472 ppm, 5:00 reads as 4:53 (293.26 s), the fix alone on its line (exit 2)', () => {
    const r = run([EXAMPLE, '--host-tsc-hz', '3400109000']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('22 472 ppm');
    expect(r.stdout).toContain('4:53 (293.26 s)');
    const lines = r.stdout.split('\n');
    expect(lines).toContain('VBoxManage setextradata Minix "VBoxInternal/TM/TSCTicksPerSecond" 3400109000');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--json has the stable shape with the numbers in it', () => {
    const r = run([EXAMPLE, '--host-tsc-hz', '3400109000', '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.inputs).toEqual([{ path: EXAMPLE, kind: 'vbox', kinds: ['vbox'], status: 'ok', message: null, lines: expect.any(Number), subject: 's1' }]);
    for (const k of ['version', 'vmName', 'tscTicksPerSecond', 'hostTscTicksPerSecond', 'cpuidTscTicksPerSecond', 'tscMode', 'switchedToRealTscOffset', 'paravirtProvider']) expect(j.facts.vbox).toHaveProperty(k);
    expect(j.facts.vbox).toMatchObject({ version: '5.0.6', tscTicksPerSecond: 3478274491, tscMode: 'Dynamic', switchedToRealTscOffset: true, paravirtProvider: 'KVM', cpuidTscTicksPerSecond: null });
    expect(j.facts.kernelLog).toBeNull();
    expect(j.facts.cpuinfo).toBeNull();
    expect(j.facts.timerList).toBeNull();
    expect(j.prediction.driftPpm).toBeGreaterThan(-22_477);
    expect(j.prediction.driftPpm).toBeLessThan(-22_467);
    expect(j.prediction).toHaveProperty('secondsPerDay');
    const f = j.findings.find((x: { id: string }) => x.id === 'VBOX_TSC_FREQUENCY_MISMATCH');
    expect(f.severity).toBe('critical');
    expect(f.evidence[0]).toMatchObject({ source: 'vbox', path: EXAMPLE, line: expect.any(Number) });
  });
});

describe('exit codes', () => {
  it('0 for a real, healthy 6.1 log (GIP = CPUID leaf 0x15)', () => {
    const r = run([HEALTHY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Verdict: healthy');
  });

  it.each([['abc'], ['12.5'], ['999'], ['1e12'], ['200000000000']])('64 for --host-tsc-hz %s', (v) => {
    const r = run([EXAMPLE, '--host-tsc-hz', v]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--host-tsc-hz');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('64 for an unknown option', () => {
    expect(run([EXAMPLE, '--frobnicate']).code).toBe(64);
  });

  it('66 beats findings: a missing file next to a critical log', () => {
    const r = run([EXAMPLE, path.join(tmp, 'missing.log'), '--host-tsc-hz', '3400109000']);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain(`${path.join(tmp, 'missing.log')}: no such file`);
    expect(r.stdout).toContain('VBOX_TSC_FREQUENCY_MISMATCH');
  });
});

describe('bad inputs: one clear line naming the file, the right exit code, no stack trace', () => {
  const cases: [string, (p: string) => void, number, string][] = [
    ['empty', (p) => fs.writeFileSync(p, ''), 65, 'empty'],
    ['binary', (p) => fs.writeFileSync(p, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + 13) % 256))), 65, 'binary'],
    ['empty directory', (p) => fs.mkdirSync(p), 65, 'empty directory'],
    ['missing', () => undefined, 66, 'no such file'],
    ['10 MB line without newline', (p) => fs.writeFileSync(p, 'x'.repeat(10 * 1024 * 1024)), 65, 'no clock evidence'],
  ];
  it.each(cases)('%s', (name, make, code, message) => {
    const p = path.join(tmp, name.replace(/\W+/g, '-'));
    make(p);
    const r = run([p]);
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(p);
    expect(r.stdout).toBe('');
    expect(lines[0]).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a VBox.log truncated mid-line is read up to the cut', () => {
    const text = fs.readFileSync(EXAMPLE, 'utf8');
    const cut = text.indexOf('TM: cTSCTicksPerSecond=') + 40;
    const p = path.join(tmp, 'truncated.log');
    fs.writeFileSync(p, text.slice(0, cut));
    const r = run([p, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputs[0]).toMatchObject({ kind: 'vbox', status: 'ok' });
    expect(j.facts.vbox.version).toBe('5.0.6');
  });

  it('a kernel log with a 10 MB line keeps the rest and says one line was skipped', () => {
    const dmesg = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'), 'utf8');
    const p = path.join(tmp, 'dmesg-with-huge-line.txt');
    const nl = dmesg.indexOf('\n', 2000);
    fs.writeFileSync(p, `${dmesg.slice(0, nl + 1)}${'y'.repeat(10 * 1024 * 1024)}\n${dmesg.slice(nl + 1)}`);
    const r = run([p, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputs[0]).toMatchObject({ kind: 'kernel-log', status: 'ok', message: '1 overlong line (> 64 KB) skipped' });
    expect(j.facts.kernelLog.finalClocksource).toBe('kvm-clock');
  });

  it('two VBox.logs of two VMs are two subjects, each diagnosed, none skipped', () => {
    const r = run([EXAMPLE, HEALTHY, '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.inputs.map((i: { status: string; subject: string }) => [i.status, i.subject])).toEqual([['ok', 's1'], ['ok', 's2']]);
    expect(j.subjects).toHaveLength(2);
    expect(j.facts.vbox.version).toBe('5.0.6');
    expect(j.subjects[1].facts.vbox.version).toBe('6.1.38');
    expect(j.findings.every((f: { subject?: string }) => f.subject === 's1' || f.subject === 's2')).toBe(true);
    expect(r.code).toBe(1);
    const text = run([EXAMPLE, HEALTHY]).stdout;
    expect(text).toContain('Machine 1 of 2 (s1)');
    expect(text).toContain('Machine 2 of 2 (s2)');
  });

  it('a pipe (process substitution) is read like a file', () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} analyze --json <(cat ${JSON.stringify(EXAMPLE)})`;
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
    const j = JSON.parse(r.stdout);
    expect(j.inputs[0]).toMatchObject({ kind: 'vbox', status: 'ok' });
    expect(r.status).toBe(1);
  });

  it('a large random file is refused from its head, without reading the rest', () => {
    // 4 MB of binary, then a sparse hole to 1 TB: reading all of it would take far longer than this
    // test may run on any machine, so finishing at all shows the verdict came from the head (no stopwatch).
    const p = path.join(tmp, 'random.bin');
    const fd = fs.openSync(p, 'w');
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
    fs.writeSync(fd, chunk);
    fs.ftruncateSync(fd, 2 ** 40);
    fs.closeSync(fd);
    const r = run([p]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('binary');
  });
});

describe('on a terminal (util-linux script gives the CLI a pty)', () => {
  const onTty = (cmd: string, env: NodeJS.ProcessEnv = {}) => spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, ...env }, timeout: 60_000 });
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} analyze ${JSON.stringify(EXAMPLE)}`;

  it('colours the report on a TTY', () => {
    expect(onTty(cmd).stdout).toMatch(/\x1b\[/);
  });

  it('never with NO_COLOR or --no-color', () => {
    expect(onTty(cmd, { NO_COLOR: '1' }).stdout).not.toMatch(/\x1b\[/);
    expect(onTty(`${cmd} --no-color`).stdout).not.toMatch(/\x1b\[/);
  });
});

describe('text safety', () => {
  it('escape sequences in a log never reach the terminal raw', () => {
    const text = fs.readFileSync(EXAMPLE, 'utf8').replace(/VM name: .*|Name <string> *= "Minix"/, (m) => m.replace('Minix', 'Mi\x1b]0;pwned\x07nix'));
    const p = path.join(tmp, 'evil.log');
    fs.writeFileSync(p, text);
    const r = run([p, '--host-tsc-hz', '3400109000']);
    expect(r.stdout).not.toContain('\x1b]');
    expect(r.stdout).not.toContain('\x07');
  });
});

describe('a big log, with and without WebAssembly', () => {
  it('node --jitless (no WebAssembly, as the systemd unit runs) gives the same JSON as the line scanner', () => {
    // Over 1 MiB, so the default run reads through the WebAssembly scanner (agent/parsers/line-scan.ts).
    const dir = path.join(ROOT, 'test', 'fixtures', 'vbox');
    const parts = fs.readdirSync(dir).filter((f) => /^v\d.*\.log(\.\d)?$/.test(f)).sort().map((f) => fs.readFileSync(path.join(dir, f)));
    const big = path.join(tmp, 'big-VBox.log');
    fs.writeFileSync(big, Buffer.concat([...parts, ...parts]));
    expect(fs.statSync(big).size).toBeGreaterThan(1024 * 1024);
    const wasm = run(['--json', big]);
    const r = spawnSync(process.execPath, ['--jitless', CLI, 'analyze', '--json', big], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    expect(r.status).toBe(wasm.code);
    expect(r.stdout).toBe(wasm.stdout);
    expect(JSON.parse(wasm.stdout).inputs[0].lines).toBeGreaterThan(10_000);
  });
});

describe('the bin', () => {
  it('is executable after the build, and runs as a program (npx runs it directly, not via node)', () => {
    expect(fs.statSync(CLI).mode & 0o111).toBe(0o111);
    const r = spawnSync(CLI, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the entry bin named before the bundle runs as a program too (npx keeps a link to it per path)', () => {
    const previous = path.join(ROOT, 'dist', 'agent', 'cli.js');
    expect(fs.statSync(previous).mode & 0o111).toBe(0o111);
    const r = spawnSync(previous, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
  });
});
