#!/usr/bin/env node
// Build the CLI users run (package.json `bin`) into dist/bundle/, after tsc has built dist/.
//
// Why: on Node 20 the ES module loader pays per module (open, read, compile, link) and compiles every
// module from source on every run; `clockdoctor analyze` on a small file spent more time loading
// ~180 of our modules than analyzing (docs/startup.md has the profile). So:
//
// 1. the plain analyze path (agent/commands/analyze-fast.ts `analyzeAndReport`, with everything it
//    imports, dynamic imports included) as ONE CommonJS script, analyze-<hash>.cjs, which cli.js loads
//    through vm.Script (agent/script-cache.ts) with
// 2. a V8 code cache, analyze-<hash>.cjs.cache, made here by running that script on the bundled
//    example (scripts/warm-code-cache.mjs) — read-only and optional at run time;
// 3. the whole CLI as ES modules with code splitting: cli.js, one module per command
//    (commands/<name>.js, loaded when it runs, as in tsc's output), shared code in chunks/. npm
//    packages stay external: they load from node_modules when (and only if) the code reaches them.
//
// Nothing is minified, so a stack trace (CLOCKDOCTOR_DEBUG=1) names our functions; source maps
// (*.map, `node --enable-source-maps`) point at the TypeScript sources. modules.json records which of
// our sources each output holds and what it imports, for test/cli/startup.test.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'bundle');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};

/** The command modules cli-parser.ts loads by name: each becomes an entry, so it keeps its own file. */
function commandEntries() {
  const text = fs.readFileSync(path.join(root, 'agent', 'commands', 'cli-parser.ts'), 'utf8');
  const names = [...text.matchAll(/import\('\.\/([a-z-]+)\.js'\)/g)].map((m) => m[1]);
  if (names.length === 0) throw new Error('bundle: no command modules found in agent/commands/cli-parser.ts');
  return names.map((n) => `agent/commands/${n}.ts`);
}

/** Fail the build on any esbuild warning: each one is a place where the bundle could differ. */
function strict(result, what) {
  if (result.warnings.length > 0) throw new Error(`bundle: esbuild warned while building ${what} (see above)`);
  return result;
}

/** Our sources in one output and its imports, from esbuild's metafile. */
function describe(metafile) {
  const outputs = {};
  for (const [file, o] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    outputs[path.relative(path.relative(root, out), file)] = {
      sources: Object.keys(o.inputs).sort(),
      imports: o.imports.map((i) => ({ path: i.path, kind: i.kind, external: i.external === true })),
    };
  }
  return outputs;
}

fs.rmSync(out, { recursive: true, force: true });

const script = strict(
  await esbuild.build({
    ...common,
    entryPoints: ['agent/commands/analyze-fast.ts'],
    outdir: out,
    entryNames: 'analyze-[hash]',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // The script is not an ES module: import.meta.url comes in through the wrapper (script-cache.ts).
    define: { 'import.meta.url': '__import_meta_url' },
  }),
  'the analyze script',
);
const scriptFile = Object.keys(script.metafile.outputs).find((f) => f.endsWith('.cjs'));
const scriptName = path.basename(scriptFile);

const modules = strict(
  await esbuild.build({
    ...common,
    entryPoints: ['agent/cli.ts', ...commandEntries()],
    outdir: out,
    outbase: 'agent',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    define: { CLOCKDOCTOR_ANALYZE_SCRIPT: JSON.stringify(`./${scriptName}`) },
  }),
  'the CLI modules',
);

fs.writeFileSync(
  path.join(out, 'modules.json'),
  `${JSON.stringify({ analyzeScript: scriptName, outputs: { ...describe(script.metafile), ...describe(modules.metafile) } }, null, 1)}\n`,
);

// The code cache: made by a separate process, since warming runs the analysis and prints its report.
const warm = spawnSync(process.execPath, [path.join(root, 'scripts', 'warm-code-cache.mjs'), path.join(out, scriptName)], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (warm.status !== 0) throw new Error(`bundle: warming the code cache failed (exit ${warm.status})`);
