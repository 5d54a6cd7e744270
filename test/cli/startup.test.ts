/**
 * Start-up is part of the interface (issue 13 §2): which modules each command line loads, traced with
 * a loader hook (trace-loads.mjs) in the built CLI — deterministic, where a timing would be flaky on
 * a loaded machine. The speed itself is measured by `npm run bench -- startup` (bench/startup.ts).
 *
 * - `--version` loads cli.js and version.js, nothing else (no yargs);
 * - `--help` lists every command without loading any command module or heavy package;
 * - each command's `--help` loads its own module and no other command's;
 * - a plain `analyze FILE` loads no package at all (the fast path skips yargs).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';
import { COMMANDS } from '../../agent/commands/cli-parser.js';

const HOOK = path.join(ROOT, 'test', 'cli', 'trace-loads.mjs');
const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
/** The packages whose load time is worth avoiding (issue 13): each must load only where it is used. */
const HEAVY = ['execa', 'yaml', 'bcryptjs', 'prom-client', 'node-cron', 'systeminformation', 'yargs'];
/** The module each command's table entry loads. */
const COMMAND_MODULES = Object.keys(COMMANDS).map((c) => `dist/agent/commands/${c}.js`);

/**
 * Heavy packages that a command's module graph still imports at the top of a file outside the CLI
 * (so they load even for `--help`), with the file; the test fails both when a package appears here
 * and when one disappears. Empty since the agent loads its daemon (prom-client, node-cron, yaml) when
 * it starts and execa is imported where a command runs (agent/measure/run-tool.ts, agent/fix/log.ts).
 */
const KNOWN_EAGER: Record<string, string[]> = {};

let tmp = '';
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/agent/cli.js is missing: run npx tsc -p tsconfig.build.json first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-startup-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Our modules, relative to the repo (dist/...). */
  ours: string[];
  /** The npm packages loaded (top-level names). */
  packages: string[];
}

let n = 0;
function traced(args: string[]): Traced {
  const out = path.join(tmp, `loads-${n++}.txt`);
  const r = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CLOCKDOCTOR_TRACE_LOADS: out, NO_COLOR: '1' },
    timeout: 60_000,
  });
  const urls = fs.existsSync(out) ? [...new Set(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean))] : [];
  const files = urls.map((u) => path.relative(ROOT, new URL(u).pathname));
  const packages = [...new Set(files.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined))].sort();
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ours: files.filter((f) => !f.includes('node_modules')).sort(), packages };
}

const heavy = (t: Traced): string[] => t.packages.filter((p) => HEAVY.includes(p));

describe('start-up: which modules load', () => {
  it('the tracer sees a real load (guards every assertion below against an empty trace)', () => {
    const t = traced(['check', '--help']);
    expect(t.code).toBe(0);
    expect(t.ours).toContain('dist/agent/commands/check.js');
    expect(t.packages).toContain('yargs');
  });

  it('--version: cli.js and version.js only — no command, no yargs', () => {
    const t = traced(['--version']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`${pkg.version}\n`);
    expect(t.ours).toEqual(['dist/agent/cli.js', 'dist/agent/version.js']);
    expect(t.packages).toEqual([]);
  });

  it('--help lists every command without loading one, nor any heavy package but yargs', () => {
    const t = traced(['--help']);
    expect(t.code).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(t.stdout).toContain(`clockdoctor ${entry.command}`);
      expect(t.ours, name).not.toContain(`dist/agent/commands/${name}.js`);
    }
    expect(heavy(t)).toEqual(['yargs']);
  });

  it('no command word (a usage error) and a misspelt one load no command module either', () => {
    for (const args of [[], ['anlyze']]) {
      const t = traced(args);
      expect(t.code, args.join(' ')).toBe(64);
      expect(t.ours.filter((f) => COMMAND_MODULES.includes(f)), args.join(' ')).toEqual([]);
    }
  });

  it.each(Object.keys(COMMANDS))('%s --help loads its own module and no other command\'s', (name) => {
    const t = traced([name, '--help']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`clockdoctor ${name}`);
    expect(t.ours.filter((f) => COMMAND_MODULES.includes(f))).toEqual([`dist/agent/commands/${name}.js`]);
    expect(heavy(t).filter((p) => p !== 'yargs')).toEqual(KNOWN_EAGER[name] ?? []);
  });

  it('a plain analyze FILE (the fast path) loads no package at all', () => {
    for (const args of [[EXAMPLE], [EXAMPLE, '--json'], ['--host-tsc-hz', '3.4GHz', EXAMPLE], ['--', EXAMPLE]]) {
      const t = traced(['analyze', ...args]);
      expect(t.code, args.join(' ')).not.toBe(64);
      expect(t.packages, args.join(' ')).toEqual([]);
      expect(t.ours.filter((f) => COMMAND_MODULES.includes(f))).toEqual(['dist/agent/commands/analyze.js']);
    }
  });

  it('each command\'s table entry describes it exactly as its module does', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const m = await entry.load();
      expect({ command: m.command, describe: m.describe }, name).toEqual({ command: entry.command, describe: entry.describe });
    }
  });
});
