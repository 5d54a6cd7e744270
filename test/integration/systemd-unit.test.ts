/**
 * systemd/clockdoctor.service: `systemd-analyze verify` passes (also with each example drop-in), the
 * offline security score is at most 2.0, and the privilege reasoning holds on this machine: as an
 * unprivileged user with exactly the unit's two ambient capabilities every collector that works as
 * root still works, and without them the kernel log and timer_list fail naming the capability.
 * This machine does not run systemd as PID 1, so the sandbox itself (ProtectSystem=, DeviceAllow=,
 * the seccomp filter) cannot be started here; docs/deploy.md says what was and was not tested.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

const UNIT = path.join(ROOT, 'systemd/clockdoctor.service');
const DROPINS = path.join(ROOT, 'systemd/clockdoctor.service.d');
/** The unit names the binary bare: systemd (>= 239) finds it in /usr/local/bin or /usr/bin, whatever npm's prefix. */
const INSTALLED = 'ExecStart=clockdoctor ';

let tmp: string;

/** The unit (plus drop-in lines) with ExecStart pointing at an executable that exists here. */
function unitCopy(extra = ''): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'u-'));
  const shim = path.join(dir, 'clockdoctor');
  fs.writeFileSync(shim, `#!/bin/sh\nexec node ${CLI} "$@"\n`, { mode: 0o755 });
  const text = `${fs.readFileSync(UNIT, 'utf8')}\n${extra}`.replaceAll(INSTALLED, `ExecStart=${shim} `);
  const file = path.join(dir, 'clockdoctor.service');
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-systemd-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('systemd unit', () => {
  it('ExecStart names the binary bare (any npm prefix on the fixed search path) and every drop-in variable, the user\'s last', () => {
    expect(fs.readFileSync(UNIT, 'utf8')).toMatch(/^ExecStart=clockdoctor agent (\$CLOCKDOCTOR_EXTRA_ARGS_[A-Z_]+ )+\$CLOCKDOCTOR_ARGS$/m);
  });

  it('systemd-analyze verify passes', async () => {
    const r = await execa('systemd-analyze', ['verify', '--man=no', unitCopy()], { reject: false, all: true });
    expect(r.all, r.all).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('every example drop-in keeps it valid', async () => {
    const examples = fs.readdirSync(DROPINS).filter((f) => f.endsWith('.conf.example'));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const f of examples) {
      // A drop-in is parsed like the rest of the unit, so appending it is what systemd would see.
      const r = await execa('systemd-analyze', ['verify', '--man=no', unitCopy(fs.readFileSync(path.join(DROPINS, f), 'utf8'))], { reject: false, all: true });
      expect(r.exitCode, `${f}: ${r.all}`).toBe(0);
    }
  });

  it('systemd-analyze security --offline=yes scores it at most 2.0', async () => {
    const r = await execa('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitCopy()], { reject: false, all: true });
    const m = /Overall exposure level for clockdoctor\.service: (\d+\.\d)/.exec(r.all ?? '');
    expect(m, r.all).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThanOrEqual(2.0);
  });
});

/**
 * The CLI as `nobody` can run it: the checkout itself when nobody can read it, else a copy of the
 * runtime (dist, node_modules, package.json) in a world-readable temporary directory — a clone under
 * /root would otherwise fail for a reason that has nothing to do with capabilities.
 */
async function cliForNobody(): Promise<string> {
  const probe = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', 'test', '-r', CLI], { reject: false });
  if (probe.exitCode === 0) return CLI;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-nobody-'));
  fs.chmodSync(dir, 0o755);
  for (const part of ['dist', 'node_modules', 'package.json']) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  return path.join(dir, 'dist/agent/cli.js');
}

describe('the two capabilities are what the collectors need (setpriv as nobody)', () => {
  const caps = fs.readFileSync(UNIT, 'utf8').match(/^AmbientCapabilities=(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
  let cli = CLI;
  beforeAll(async () => {
    cli = await cliForNobody();
  });
  afterAll(() => {
    if (cli !== CLI) fs.rmSync(path.dirname(path.dirname(path.dirname(cli))), { recursive: true, force: true });
  });
  const asNobody = async (capList: string[]): Promise<Record<string, { state: string; error?: string }>> => {
    const names = capList.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
    const capArgs = capList.length > 0 ? [`--inh-caps=${names}`, `--ambient-caps=${names}`] : ['--inh-caps=-all'];
    const r = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...capArgs, 'node', cli, 'check', '--json'], { reject: false });
    return (JSON.parse(r.stdout) as { sources: Record<string, { state: string; error?: string }> }).sources;
  };

  it('with CAP_SYSLOG and CAP_DAC_READ_SEARCH every collector fares as it does for root', async () => {
    expect(caps).toEqual(['CAP_SYSLOG', 'CAP_DAC_READ_SEARCH']);
    const root = (JSON.parse((await execa('node', [CLI, 'check', '--json'], { reject: false })).stdout) as { sources: Record<string, { state: string }> }).sources;
    const nobody = await asNobody(caps);
    for (const [name, s] of Object.entries(root)) expect(`${name}: ${nobody[name]?.state}`).toBe(`${name}: ${s.state}`);
    expect(nobody['kernel-log']?.state).toBe('ok');
    expect(nobody['timer-list']?.state).toBe('ok');
  });

  it('without them the kernel log and timer_list fail, naming the capability', async () => {
    const dmesgRestrict = fs.readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim();
    const nobody = await asNobody([]);
    expect(nobody['timer-list']?.state).toBe('failed');
    expect(nobody['timer-list']?.error).toContain('CAP_DAC_READ_SEARCH');
    if (dmesgRestrict === '1') {
      expect(nobody['kernel-log']?.state).toBe('failed');
      expect(nobody['kernel-log']?.error).toContain('CAP_SYSLOG');
    }
  });
});

describe('MemoryDenyWriteExecute=yes with the unit\'s NODE_OPTIONS', () => {
  // The kernel's own W^X switch (prctl PR_SET_MDWE, Linux ≥ 6.3, inherited across execve) enforces
  // the rule systemd's MemoryDenyWriteExecute= does: no memory that is, or becomes, writable and
  // executable. python3 sets it and execs node, so this runs without systemd.
  const nodeOptions = fs.readFileSync(UNIT, 'utf8').match(/^Environment=NODE_OPTIONS=(.*)$/m)?.[1]?.trim() ?? '';
  const underMdwe = (env: NodeJS.ProcessEnv) =>
    execa('python3', ['-c', [
      'import ctypes, os, sys',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'if libc.prctl(65, 1, 0, 0, 0) != 0: sys.exit(99)',
      "os.execvp('node', ['node', sys.argv[1], 'check', '--json'])",
    ].join('\n'), CLI], { reject: false, env: { ...process.env, ...env }, timeout: 60_000 });

  it('the unit runs Node with --jitless', () => {
    expect(nodeOptions).toBe('--jitless');
    expect(fs.readFileSync(UNIT, 'utf8')).toMatch(/^MemoryDenyWriteExecute=yes$/m);
  });

  it('under W^X, node with the JIT dies and with --jitless every collector works', async () => {
    const jit = await underMdwe({ NODE_OPTIONS: '' });
    if (jit.exitCode === 99) {
      // Kernel without PR_SET_MDWE (< 6.3): nothing more can be shown here; the unit's settings were checked above.
      expect(fs.readFileSync('/proc/version', 'utf8')).not.toMatch(/Linux version (6\.([3-9]|\d\d)|[7-9])\./);
      return;
    }
    expect(jit.exitCode).not.toBe(0);
    const ok = await underMdwe({ NODE_OPTIONS: nodeOptions });
    const sources = (JSON.parse(ok.stdout.slice(ok.stdout.indexOf('{'))) as { sources: Record<string, { state: string }> }).sources;
    const root = (JSON.parse((await execa('node', [CLI, 'check', '--json'], { reject: false })).stdout) as { sources: Record<string, { state: string }> }).sources;
    for (const [name, s] of Object.entries(root)) expect(`${name}: ${sources[name]?.state}`).toBe(`${name}: ${s.state}`);
  });
});
