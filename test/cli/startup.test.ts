/**
 * Start-up is part of the interface (issue 13 §2): which modules each command line loads, traced with
 * a loader hook (trace-loads.mjs) in the CLI users run — the bundle, dist/bundle/cli.js, with
 * scripts/bundle.mjs's modules.json mapping each loaded bundle file back to the sources it holds —
 * deterministic, where a timing would be flaky on a loaded machine. The speed itself is measured by
 * `npm run bench -- startup` (bench/startup.ts).
 *
 * - `--version` loads cli.ts and version.ts, nothing else (no yargs);
 * - `--help` lists every command without loading any command module or heavy package;
 * - each command's `--help` loads its own module and no other command's;
 * - a plain `analyze FILE` loads no package at all (the fast path skips yargs), and its analysis
 *   runs in the code-cached script, which requires nothing but Node's builtins;
 * - the build's code cache is one this Node accepts (else the fast path is only half as fast).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';
import { COMMANDS } from '../../agent/commands/cli-parser.js';

const HOOK = path.join(ROOT, 'test', 'cli', 'trace-loads.mjs');
const BUNDLE = path.dirname(CLI);
const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
/** The packages whose load time is worth avoiding (issue 13): each must load only where it is used. */
const HEAVY = ['execa', 'yaml', 'bcryptjs', 'prom-client', 'node-cron', 'systeminformation', 'yargs'];
/** The source of the module each command's table entry loads. */
const COMMAND_MODULES = Object.keys(COMMANDS).map((c) => `agent/commands/${c}.ts`);

/**
 * Heavy packages that a command's module graph still imports at the top of a file outside the CLI
 * (so they load even for `--help`), with the file; the test fails both when a package appears here
 * and when one disappears. Empty since the agent loads its daemon (prom-client, node-cron, yaml) when
 * it starts and execa is imported where a command runs (agent/measure/run-tool.ts, agent/fix/log.ts).
 */
const KNOWN_EAGER: Record<string, string[]> = {};

/** scripts/bundle.mjs's record of the bundle: our sources in each output file, and its imports. */
interface BundleMap {
  analyzeScript: string;
  outputs: Record<string, { sources: string[]; imports: { path: string; kind: string; external: boolean }[] }>;
}
let bundle: BundleMap = { analyzeScript: '', outputs: {} };

let tmp = '';
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(ROOT, CLI)} is missing: run npm run build first`);
  bundle = JSON.parse(fs.readFileSync(path.join(BUNDLE, 'modules.json'), 'utf8')) as BundleMap;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-startup-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The bundle files loaded as ES modules, relative to dist/bundle. */
  files: string[];
  /** Our sources in them (agent/...ts). */
  ours: string[];
  /** The npm packages loaded (top-level names). */
  packages: string[];
}

let n = 0;
function traced(args: string[], nodeFlags: string[] = []): Traced {
  const out = path.join(tmp, `loads-${n++}.txt`);
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', HOOK, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CLOCKDOCTOR_TRACE_LOADS: out, NO_COLOR: '1' },
    timeout: 60_000,
  });
  const urls = fs.existsSync(out) ? [...new Set(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean))] : [];
  const paths = urls.map((u) => new URL(u).pathname);
  const packages = [...new Set(paths.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined))].sort();
  const files = paths.filter((f) => !f.includes('node_modules')).map((f) => path.relative(BUNDLE, f)).sort();
  const ours = files.flatMap((f) => {
    const o = bundle.outputs[f];
    if (o === undefined) throw new Error(`loaded ${f}, which is not in dist/bundle/modules.json (not the bundle?)`);
    return o.sources;
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, files, ours: [...new Set(ours)].sort(), packages };
}

const heavy = (t: Traced): string[] => t.packages.filter((p) => HEAVY.includes(p));

describe('start-up: which modules load', () => {
  it('the tracer sees a real load (guards every assertion below against an empty trace)', () => {
    const t = traced(['check', '--help']);
    expect(t.code).toBe(0);
    expect(t.ours).toContain('agent/commands/check.ts');
    expect(t.packages).toContain('yargs');
  });

  it('--version: cli.ts and version.ts only — no command, no yargs', () => {
    const t = traced(['--version']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`${pkg.version}\n`);
    expect(t.ours).toEqual(['agent/cli.ts', 'agent/version.ts']);
    expect(t.packages).toEqual([]);
  });

  it('--help lists every command without loading one, nor any heavy package but yargs', () => {
    const t = traced(['--help']);
    expect(t.code).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(t.stdout).toContain(`clockdoctor ${entry.command}`);
      expect(t.ours, name).not.toContain(`agent/commands/${name}.ts`);
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
    expect(t.ours.filter((f) => COMMAND_MODULES.includes(f))).toEqual([`agent/commands/${name}.ts`]);
    expect(heavy(t).filter((p) => p !== 'yargs')).toEqual(KNOWN_EAGER[name] ?? []);
  });

  it('a plain analyze FILE (the fast path) loads no package at all, and no command module but in the script', () => {
    for (const args of [[EXAMPLE], [EXAMPLE, '--json'], ['--host-tsc-hz', '3.4GHz', EXAMPLE], ['--', EXAMPLE]]) {
      const t = traced(['analyze', ...args]);
      expect(t.code, args.join(' ')).not.toBe(64);
      expect(t.stdout, args.join(' ')).toContain('VBox.log');
      expect(t.packages, args.join(' ')).toEqual([]);
      // The analysis runs in the script (which the ES module hooks do not see), not in commands/analyze.js.
      expect(t.ours, args.join(' ')).toEqual(['agent/cli.ts', 'agent/commands/analyze-fast.ts', 'agent/script-cache.ts', 'agent/version.ts']);
    }
  });

  it('the analyze script holds the analysis and requires only builtins; a package it needs it imports when used', () => {
    const script = bundle.outputs[bundle.analyzeScript]!;
    expect(script.sources).toContain('agent/commands/analyze.ts');
    expect(script.sources).toContain('agent/commands/fatal.ts');
    // require() in a CommonJS script is not seen by the loader hooks: a package there would load eagerly, unseen.
    const required = script.imports.filter((i) => i.kind !== 'dynamic-import').map((i) => i.path);
    expect(required.filter((p) => !p.startsWith('node:')), 'packages required by the analyze script').toEqual([]);
    const lazy = [...new Set(script.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path))];
    expect(lazy.filter((p) => !p.startsWith('node:'))).toEqual(['execa']);
  });

  it('the code cache the build made is one this Node accepts; under --jitless V8 refuses it and analyze still works', () => {
    const probe = (flags: string[]): string => {
      const code = `const { loadScript } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'agent', 'script-cache.js'))});
        process.stdout.write(String(loadScript(${JSON.stringify(path.join(BUNDLE, bundle.analyzeScript))}).cacheRejected));`;
      const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(probe([])).toBe('false');
    expect(probe(['--jitless'])).toBe('true');
    const t = traced(['analyze', EXAMPLE], ['--jitless']);
    expect(t.code).toBe(traced(['analyze', EXAMPLE]).code);
    expect(t.stdout).toBe(traced(['analyze', EXAMPLE]).stdout);
  });

  it('each command\'s table entry describes it exactly as its module does', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const m = await entry.load();
      expect({ command: m.command, describe: m.describe }, name).toEqual({ command: entry.command, describe: entry.describe });
    }
  });
});
