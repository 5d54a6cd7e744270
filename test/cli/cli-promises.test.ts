/**
 * The command-line conventions users script against, run through the built CLI as a user runs it:
 * `-` is a file operand (stdin), `--` ends options, a flag missing its value is a usage error (64,
 * not 70), and the units of agent/util/units.ts reach every flag that takes a rate or a duration.
 * Both parser paths are driven: the fast path (plain argv) and yargs (anything else).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from '../helpers/cli.js';

const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
const env = { ...process.env, NO_COLOR: '1' };

function cli(command: string, args: string[], input = '', cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, command, ...args], { encoding: 'utf8', env, input, cwd, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/agent/cli.js is missing: run npx tsc -p tsconfig.build.json first');
});

describe('a flag without its value is a usage error (64), one line naming the flag', () => {
  it.each([
    ['analyze', ['--host-tsc-hz']],
    ['analyze', [EXAMPLE, '--host-tsc-hz']],
    ['analyze', ['--json', EXAMPLE, '--host-tsc-hz']],
    ['check', ['--host-tsc-hz']],
    ['simulate', ['--true-tsc-hz']],
    ['simulate', ['--claimed-tsc-hz']],
    ['measure', ['--reference']],
  ])('%s %j', (command, args) => {
    const r = cli(command, args);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toMatch(/clockdoctor: .*(host-tsc-hz|true-tsc-hz|claimed-tsc-hz|reference)/);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  });
});

describe('- and -- as POSIX utilities treat them', () => {
  it('`analyze -- --json` reads a file named "--json" instead of printing JSON (fast path and yargs path)', () => {
    for (const args of [['--', '--json'], ['--json=false', '--', '--json']]) {
      const r = cli('analyze', args);
      expect(r.stdout.trimStart().startsWith('{'), args.join(' ')).toBe(false);
      expect(r.stderr, args.join(' ')).toContain('--json');
      expect(r.code, args.join(' ')).toBe(66);
    }
  });

  it('`analyze -- FILE` analyses FILE, also when its name looks like a flag', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-operands-'));
    try {
      fs.copyFileSync(EXAMPLE, path.join(dir, '--host-tsc-hz'));
      const plain = cli('analyze', ['--json', EXAMPLE]);
      const r = cli('analyze', ['--json', '--', '--host-tsc-hz'], '', dir);
      const j = JSON.parse(r.stdout) as { inputs: { path: string; status: string }[]; prediction: unknown };
      expect(j.inputs.map((i) => i.status)).toEqual(['ok']);
      expect(j.prediction).toEqual((JSON.parse(plain.stdout) as { prediction: unknown }).prediction);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`analyze -` is an operand (stdin): it never falls back to the bundled example', () => {
    for (const args of [['-'], ['--no-color', '--color=true', '-']]) {
      const r = cli('analyze', args, fs.readFileSync(EXAMPLE, 'utf8'));
      expect(r.stderr, args.join(' ')).not.toContain('bundled example');
    }
  });
});

describe('units users type reach the flags', () => {
  it('--host-tsc-hz 3400.109MHz, 3_400_109_000 and 3400109000 give the same diagnosis; 3.4GHz a different one', () => {
    const json = (v: string): unknown => JSON.parse(runCli('analyze', [EXAMPLE, '--json', '--host-tsc-hz', v], { env }).stdout);
    const base = json('3400109000');
    expect(json('3400.109MHz')).toEqual(base);
    expect(json('3_400_109_000')).toEqual(base);
    expect(json('3.400109ghz')).toEqual(base);
    expect(json('3.4GHz')).not.toEqual(base);
  });

  it.each([['3.4 THz'], ['3,4GHz'], ['-3.4GHz'], ['3.4000000005GHz']])('--host-tsc-hz %j is a usage error naming the value', (v) => {
    const r = runCli('analyze', [EXAMPLE, '--host-tsc-hz', v], { env });
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`--host-tsc-hz "${v}"`);
  });

  it('simulate takes rates with units and durations in the shared grammar', () => {
    const run = (rates: string[], duration: string): { durationSeconds: number; driftPpm: number } =>
      JSON.parse(cli('simulate', ['--hypervisor', 'virtualbox', '--paravirt', 'kvm', '--clocksource', 'kvm-clock', ...rates, '--duration', duration, '--json']).stdout);
    const a = run(['--claimed-tsc-hz', '3478274491', '--true-tsc-hz', '3400109000'], '90');
    const b = run(['--claimed-tsc-hz', '3.478274491GHz', '--true-tsc-hz', '3400.109MHz'], '1m30s');
    expect(b.durationSeconds).toBe(90);
    expect(b).toEqual(a);
  });

  it.each([
    ['agent', ['--refresh', '30s1m'], '--refresh: "30s1m" is neither a duration nor a cron expression ("*/5 * * * *"): units must go from the largest down'],
    ['check', ['--collector.timeout', '5M'], '--collector.timeout "5M"'],
    ['simulate', ['--duration', '1h30'], '--duration'],
    ['simulate', ['--stall', '1m:-5s'], '--stall'],
    ['measure', ['--reference', 'ntp://127.0.0.1', '--interval', 'fast'], '--interval "fast"'],
  ])('%s %j is a usage error', (command, args, names) => {
    const r = cli(command, args);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(names);
  });
});
