/**
 * The npm package as a user installs it (issue 14 §6), read from `npm pack --dry-run --json` (the
 * real npm; scripts off, dist/ built by `npm test` first): it ships what runs and its docs, a LICENSE
 * that matches `license`, no tests and no benchmarks; every module a shipped file imports is shipped
 * or declared; every declared dependency is imported; `engines` admits exactly the Node versions
 * every runtime dependency admits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import { ROOT } from '../helpers/cli.js';

interface Pkg {
  name: string;
  license: string;
  repository: { type: string; url: string };
  bugs: { url: string };
  homepage: string;
  bin: Record<string, string>;
  engines: { node: string };
  dependencies: Record<string, string>;
}
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Pkg;
let files: string[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'agent', 'cli.js'))) throw new Error('dist/ is missing: run npm run build first');
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
}, 120_000);

describe('npm pack', () => {
  it('ships the CLI, the example, the unit, the rules, the dashboard, the docs, README and LICENSE', () => {
    for (const f of [
      'package.json', 'README.md', 'LICENSE', pkg.bin.clockdoctor!, 'examples/virtualbox-5.0-kvm-drift/VBox.log',
      'systemd/clockdoctor.service', 'prometheus/clockdoctor.rules.yml', 'prometheus/grafana-dashboard.json', 'docs/alerts.md', 'docs/metrics.md',
    ]) expect(files, f).toContain(f);
  });

  it('ships no tests, benchmarks, sources or build scripts', () => {
    const unwanted = files.filter((f) =>
      /^(test|bench|scripts|node_modules|agent|analyzers|simulator)\//.test(f) || /^dist\/(bench|test)\//.test(f) ||
      /\.test\.|\.spec\./.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || /^(tsconfig|vitest)/.test(f) || f.startsWith('.'));
    expect(unwanted).toEqual([]);
  });

  it('every relative import of a shipped module is shipped, every package import is declared', () => {
    const shipped = new Set(files);
    const packages = new Set<string>();
    for (const f of files.filter((x) => x.endsWith('.js') || x.endsWith('.cjs'))) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      // TypeScript's own scanner finds static and dynamic imports (and not look-alikes in strings).
      for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
        if (spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) expect(shipped.has(path.posix.join(path.posix.dirname(f), spec)), `${f} imports ${spec}`).toBe(true);
        else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
      // A package loaded by path in a worker (bcryptjs) is resolved, not imported, by the parent.
      for (const m of text.matchAll(/createRequire\([^)]*\)\.resolve\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g)) packages.add(m[1]!.split('/')[0]!);
    }
    const declared = Object.keys(pkg.dependencies).sort();
    expect([...packages].filter((p) => !declared.includes(p)), 'imported but not declared').toEqual([]);
    expect(declared.filter((p) => !packages.has(p)), 'declared but never imported').toEqual([]);
  });

  it('ships the analyze script the bin loads by name (scripts/bundle.mjs), with its code cache', () => {
    const bin = fs.readFileSync(path.join(ROOT, pkg.bin.clockdoctor!), 'utf8');
    const names = [...bin.matchAll(/new URL\("\.\/([^"]+\.cjs)", import\.meta\.url\)/g)].map((m) => path.posix.join(path.posix.dirname(pkg.bin.clockdoctor!), m[1]!));
    expect(names).toHaveLength(1);
    expect(files).toContain(names[0]);
    expect(files).toContain(`${names[0]}.cache`);
  });

  it('LICENSE is the MIT license of "clockdoctor authors", as package.json says', () => {
    const text = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} clockdoctor authors\n/);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('names its repository, issue tracker and homepage', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/clockdoctor/clockdoctor.git' });
    expect(pkg.bugs.url).toBe('https://github.com/clockdoctor/clockdoctor/issues');
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/clockdoctor\/clockdoctor/);
  });
});

/** Whether Node version `v` satisfies an npm `engines` range: `||` of space-joined comparators, `^`, `>=`, x-ranges. */
function satisfies(v: [number, number, number], range: string): boolean {
  const cmp = (a: number[], b: number[]): number => (a[0]! - b[0]!) || (a[1]! - b[1]!) || (a[2]! - b[2]!);
  return range.split('||').some((alt) =>
    alt.trim().replace(/([<>]=?|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean).every((c) => {
      const m = /^(\^|~|>=|<=|>|<|=)?v?(\d+|\*|x)(?:\.(\d+|\*|x))?(?:\.(\d+|\*|x))?$/.exec(c);
      if (!m) throw new Error(`engines range not understood: ${c} in "${range}"`);
      const parts = [m[2], m[3], m[4]];
      const wild = parts.findIndex((p) => p === undefined || p === '*' || p === 'x');
      const base = parts.map((p) => (p === undefined || p === '*' || p === 'x' ? 0 : Number(p))) as [number, number, number];
      const d = cmp(v, base);
      switch (m[1]) {
        case '>=': return d >= 0;
        case '>':
          if (wild >= 0) throw new Error(`engines range not understood: ${c} (> with a wildcard)`);
          return d > 0;
        case '<': return d < 0;
        case '<=': return d <= 0;
        case '^': return d >= 0 && (base[0] !== 0 ? v[0] === base[0] : v[1] === base[1]);
        case '~': return d >= 0 && v[0] === base[0] && v[1] === base[1];
        default:
          // A bare or x-range version: every part given must match.
          return wild < 0 ? d === 0 : parts.slice(0, wild).every((p, i) => Number(p) === v[i]);
      }
    }));
}

describe('engines', () => {
  const runtimeEngines = (): Record<string, string> => {
    const out: Record<string, string> = {};
    const seen = new Set<string>();
    const visit = (name: string, from: string): void => {
      let dir = from;
      let file = '';
      for (;;) {
        file = path.join(dir, 'node_modules', name, 'package.json');
        if (fs.existsSync(file) || path.dirname(dir) === dir) break;
        dir = path.dirname(dir);
      }
      if (seen.has(file) || !fs.existsSync(file)) return;
      seen.add(file);
      const p = JSON.parse(fs.readFileSync(file, 'utf8')) as { engines?: { node?: string }; dependencies?: Record<string, string> };
      if (p.engines?.node) out[`${name}@${path.relative(ROOT, path.dirname(file))}`] = p.engines.node;
      for (const d of Object.keys(p.dependencies ?? {})) visit(d, path.dirname(file));
    };
    for (const d of Object.keys(pkg.dependencies)) visit(d, ROOT);
    return out;
  };

  it('the range reader agrees with npm on the forms dependencies use', () => {
    expect(satisfies([20, 19, 0], '^20.19.0 || ^22.12.0 || >=23')).toBe(true);
    expect(satisfies([21, 7, 3], '^20.19.0 || ^22.12.0 || >=23')).toBe(false);
    expect(satisfies([22, 11, 0], '^20.19.0 || ^22.12.0 || >=23')).toBe(false);
    expect(satisfies([20, 4, 0], '^18.19.0 || >=20.5.0')).toBe(false);
    expect(satisfies([17, 0, 0], '^16 || ^18 || >=20')).toBe(false);
    expect(satisfies([14, 6, 0], '>= 14.6')).toBe(true);
    expect(satisfies([9, 1, 0], '6.* || 8.* || >= 10.*')).toBe(false);
    expect(satisfies([8, 3, 0], '6.* || 8.* || >= 10.*')).toBe(true);
  });

  it('admits exactly the Node versions every runtime dependency (transitively) admits', () => {
    const deps = runtimeEngines();
    expect(Object.keys(deps).length).toBeGreaterThan(5);
    const versions: [number, number, number][] = [];
    for (let major = 16; major <= 26; major++) for (const minor of [0, 5, 11, 12, 18, 19, 20]) versions.push([major, minor, 0]);
    for (const v of versions) {
      const all = Object.entries(deps).filter(([, r]) => !satisfies(v, r)).map(([d]) => d);
      expect(satisfies(v, pkg.engines.node), `Node ${v.join('.')}: ours says ${satisfies(v, pkg.engines.node)}, refused by ${all.join(', ') || 'none'}`).toBe(all.length === 0);
    }
    const [maj, min, pat] = process.versions.node.split('.').map(Number) as [number, number, number];
    expect(satisfies([maj, min, pat], pkg.engines.node)).toBe(true);
  });
});
