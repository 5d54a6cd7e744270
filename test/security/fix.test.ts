/**
 * `clockdoctor fix`: lists fixes, applies only validated structured actions, only as root, only after
 * a yes, writes only through Roots, and logs what it did. Runs against a temp copy of a real capture's
 * sys tree — never the real /sys.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyFacts, type Facts } from '../../agent/facts.js';
import type { Finding, FixAction } from '../../agent/findings.js';
import { rootsFromCapture, type Roots } from '../../agent/roots.js';
import { parseClocksource } from '../../agent/evidence/clocksource/parser.js';
import { FIX_EXIT, runFix, type FixDeps } from '../../agent/fix/run.js';
import { planFixes } from '../../agent/fix/plan.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/capture/firecracker-kvm-6.18');
const CS_DIR = 'sys/devices/system/clocksource/clocksource0';

let dir: string;
let roots: Roots;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-fix-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  roots = rootsFromCapture(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const current = (): string => fs.readFileSync(path.join(dir, CS_DIR, 'current_clocksource'), 'utf8');

/** Facts as the clocksource collector would read them from the (possibly changed) tree. */
function readFacts(r: Roots): Facts {
  const read = (f: string): string | null => {
    try {
      return fs.readFileSync(path.join(r.sysfs, 'devices/system/clocksource/clocksource0', f), 'utf8');
    } catch {
      return null;
    }
  };
  return { ...emptyFacts(), clocksource: parseClocksource([{ device: '0', current: read('current_clocksource'), available: read('available_clocksource') }]) };
}

function finding(action: FixAction | undefined, where: 'guest' | 'host' = 'guest', id = 'TEST_CLOCKSOURCE'): Finding {
  return {
    id,
    severity: 'warning',
    title: 'test finding',
    evidence: [{ source: 'clocksource', excerpt: 'tsc' }],
    fixes: [
      { summary: 'Switch to kvm-clock now', command: 'echo kvm-clock | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource', where, ...(action ? { action } : {}) },
      { summary: 'Tell VirtualBox the true rate', command: `VBoxManage setextradata 'My \x1b[31mVM' "VBoxInternal/TM/TSCTicksPerSecond" 3400109000`, where: 'host' },
    ],
  };
}

interface Harness { deps: FixDeps; out: () => string; err: () => string; audit: string[]; asked: string[] }

function harness(findings: Finding[], o: { root?: boolean; tty?: boolean; answer?: boolean } = {}): Harness {
  let out = '';
  let err = '';
  const audit: string[] = [];
  const asked: string[] = [];
  const sink = (add: (s: string) => void) => ({ write: (s: string) => { add(s); return true; } }) as unknown as NodeJS.WritableStream;
  return {
    deps: {
      diagnose: async (r) => ({ facts: readFacts(r), findings }),
      isRoot: () => o.root ?? true,
      interactive: o.tty ?? false,
      confirm: async (q) => { asked.push(q); return o.answer ?? false; },
      audit: async (line) => { audit.push(line); },
      out: sink((s) => (out += s)),
      err: sink((s) => (err += s)),
    },
    out: () => out,
    err: () => err,
    audit,
    asked,
  };
}

const SET_KVM: FixAction = { kind: 'set-clocksource', clocksource: 'kvm-clock' };

describe('clockdoctor fix', () => {
  it('without --apply lists every fix, marks the applicable one, changes nothing', async () => {
    const h = harness([finding(SET_KVM)]);
    expect(await runFix({ apply: false, yes: false, roots }, h.deps)).toBe(FIX_EXIT.ok);
    expect(h.out()).toContain('Switch to kvm-clock now  (clockdoctor fix --apply can do this)');
    expect(h.out()).toContain('on the host: Tell VirtualBox the true rate');
    expect(h.out()).toContain('Nothing was changed');
    // Control characters in a printed command are escaped, not sent to the terminal.
    expect(h.out()).not.toContain('\x1b');
    expect(current()).toBe('tsc\n');
    expect(h.audit).toEqual([]);
  });

  it('--apply as a normal user: exit 77, nothing written', async () => {
    const h = harness([finding(SET_KVM)], { root: false });
    expect(await runFix({ apply: true, yes: true, roots }, h.deps)).toBe(FIX_EXIT.noPerm);
    expect(h.err()).toMatch(/needs root/);
    expect(current()).toBe('tsc\n');
  });

  it('--apply with no terminal and no --yes refuses; on a terminal "no" refuses', async () => {
    const h = harness([finding(SET_KVM)], { tty: false });
    expect(await runFix({ apply: true, yes: false, roots }, h.deps)).toBe(FIX_EXIT.declined);
    expect(h.err()).toContain('--yes');
    const h2 = harness([finding(SET_KVM)], { tty: true, answer: false });
    expect(await runFix({ apply: true, yes: false, roots }, h2.deps)).toBe(FIX_EXIT.declined);
    expect(h2.asked[0]).toContain("switch the running kernel's clocksource to kvm-clock");
    expect(current()).toBe('tsc\n');
    expect(h.audit.concat(h2.audit)).toEqual([]);
  });

  it('--apply after "yes" writes through Roots, reads back, and logs what it did', async () => {
    const h = harness([finding(SET_KVM)], { tty: true, answer: true });
    expect(await runFix({ apply: true, yes: false, roots }, h.deps)).toBe(FIX_EXIT.ok);
    expect(current()).toBe('kvm-clock\n');
    expect(h.audit).toHaveLength(1);
    expect(h.audit[0]).toContain('fix applied for TEST_CLOCKSOURCE');
    expect(h.audit[0]).toContain('from tsc to kvm-clock');
  });

  it('--apply --yes skips the question', async () => {
    const h = harness([finding(SET_KVM)], { tty: true, answer: false });
    expect(await runFix({ apply: true, yes: true, roots }, h.deps)).toBe(FIX_EXIT.ok);
    expect(h.asked).toEqual([]);
    expect(current()).toBe('kvm-clock\n');
  });

  it('never writes a clocksource the kernel does not list, whatever a finding (or a log) says', async () => {
    for (const bad of ['hpet', '../../../../etc/passwd', 'tsc; reboot', 'kvm-clock\ntsc', '', `$(id)`]) {
      const h = harness([finding({ kind: 'set-clocksource', clocksource: bad })]);
      expect(await runFix({ apply: true, yes: true, roots }, h.deps)).toBe(FIX_EXIT.ok);
      expect(h.out()).toContain('cannot be applied here');
      expect(h.out()).toContain('Nothing to apply');
      expect(current()).toBe('tsc\n');
    }
  });

  it('host-side fixes and the current clocksource are never applied; duplicates once', () => {
    const facts = readFacts(roots);
    const plan = planFixes([
      finding(SET_KVM, 'host', 'A'),
      finding({ kind: 'set-clocksource', clocksource: 'tsc' }, 'guest', 'B'),
      finding(SET_KVM, 'guest', 'C'),
      finding(SET_KVM, 'guest', 'D'),
    ], facts);
    const actions = plan.filter((p) => p.action !== null).map((p) => p.findingId);
    expect(actions).toEqual(['C']);
    expect(plan.find((p) => p.findingId === 'A' && p.fix.action)?.blocked).toContain('host');
    expect(plan.find((p) => p.findingId === 'B' && p.fix.action)?.alreadyDone).toBe(true);
    expect(plan.find((p) => p.findingId === 'D' && p.fix.action)?.blocked).toContain('same action');
  });

  it('when the sysfs file vanishes between diagnosis and write: exit 74, no file created, failure logged', async () => {
    const h = harness([finding(SET_KVM)]);
    const facts = readFacts(roots);
    h.deps.diagnose = async () => ({ facts, findings: [finding(SET_KVM)] });
    fs.rmSync(path.join(dir, CS_DIR, 'current_clocksource'));
    expect(await runFix({ apply: true, yes: true, roots }, h.deps)).toBe(FIX_EXIT.failed);
    expect(fs.existsSync(path.join(dir, CS_DIR, 'current_clocksource'))).toBe(false);
    expect(h.audit[0]).toMatch(/FAILED.*ENOENT/);
  });

  it('no findings: says so and exits 0', async () => {
    const h = harness([]);
    expect(await runFix({ apply: true, yes: true, roots }, h.deps)).toBe(FIX_EXIT.ok);
    expect(h.out()).toContain('No fixes');
  });
});

describe('the audit log', () => {
  const fakeLogger = (script: string): string => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'logger'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return bin;
  };

  async function withPath<T>(bin: string, f: () => Promise<T>): Promise<T> {
    const old = process.env.PATH;
    process.env.PATH = `${bin}:${old ?? ''}`;
    try {
      return await f();
    } finally {
      process.env.PATH = old;
    }
  }

  it('hands the line to logger(1) as one argv word (no shell), tagged clockdoctor, authpriv', async () => {
    const { systemAuditLog } = await import('../../agent/fix/log.js');
    const out = path.join(dir, 'logger-argv');
    const bin = fakeLogger(`for a in "$@"; do printf '%s\\0' "$a"; done > '${out}'`);
    let err = '';
    const sink = { write: (s: string) => { err += s; return true; } } as unknown as NodeJS.WritableStream;
    const line = `fix applied: it's $(id) \`id\`; done`;
    await withPath(bin, () => systemAuditLog(roots, sink)(line));
    expect(fs.readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual(['--socket-errors=on', '-t', 'clockdoctor', '-p', 'authpriv.notice', '--', line]);
    expect(err).toBe(`clockdoctor: ${line}\n`);
  });

  it('without a system log, appends to <rootfs>/var/log/clockdoctor.log, and says so', async () => {
    const { systemAuditLog, fallbackLogPath } = await import('../../agent/fix/log.js');
    const bin = fakeLogger('echo "logger: socket /dev/log: No such file or directory" >&2; exit 1');
    fs.mkdirSync(path.join(dir, 'var/log'), { recursive: true });
    let err = '';
    const sink = { write: (s: string) => { err += s; return true; } } as unknown as NodeJS.WritableStream;
    await withPath(bin, () => systemAuditLog(roots, sink)('fix applied for X'));
    expect(fs.readFileSync(fallbackLogPath(roots), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z fix applied for X\n$/);
    expect(err).toContain('logged to');
  });
});

describe('clockdoctor fix through the real CLI (dist/agent/cli.js)', () => {
  const CLI = path.resolve(import.meta.dirname, '../../dist/agent/cli.js');
  const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    // An empty PATH (no logger), so the audit line lands in the capture's var/log, never the machine's journal.
    const emptyBin = path.join(dir, 'empty-bin');
    fs.mkdirSync(emptyBin, { recursive: true });
    const r = spawnSync(process.execPath, [CLI, 'fix', '--from', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: emptyBin } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('lists, refuses without a terminal, applies with --yes as root (77 otherwise), and logs', () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
    // A guest on the acpi_pm fallback although tsc and kvm-clock are available: CLOCKSOURCE_FALLBACK.
    fs.writeFileSync(path.join(dir, CS_DIR, 'available_clocksource'), 'tsc kvm-clock acpi_pm \n');
    fs.writeFileSync(path.join(dir, CS_DIR, 'current_clocksource'), 'acpi_pm\n');
    fs.mkdirSync(path.join(dir, 'var/log'), { recursive: true });

    const list = run([]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('(clockdoctor fix --apply can do this)');
    expect(current()).toBe('acpi_pm\n');

    const noTty = run(['--apply']);
    if (process.geteuid?.() !== 0) {
      expect(noTty.status).toBe(FIX_EXIT.noPerm);
      expect(current()).toBe('acpi_pm\n');
      return;
    }
    expect(noTty.status).toBe(FIX_EXIT.declined);
    expect(current()).toBe('acpi_pm\n');

    const yes = run(['--apply', '--yes']);
    expect(yes.status, yes.stderr).toBe(FIX_EXIT.ok);
    expect(current()).toBe('tsc\n');
    expect(yes.stderr).toContain('clocksource switched from acpi_pm to tsc');
    expect(fs.readFileSync(path.join(dir, 'var/log/clockdoctor.log'), 'utf8')).toContain('fix applied for CLOCKSOURCE_FALLBACK');
  });
});
