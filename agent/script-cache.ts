/**
 * Load a CommonJS bundle as a classic script with V8's code cache — how the bundle users run
 * (scripts/bundle.mjs) starts a plain `clockdoctor analyze FILE` fast.
 *
 * Why: on Node 20 every ES module is compiled from source on every run (no compile cache before
 * Node 22), and a one-shot analyze spends more time compiling our code than running it. A classic
 * script compiled through `vm.Script` can take `cachedData`: bytecode that the build produced after
 * running the analysis on the bundled example, so the functions a run needs arrive compiled.
 *
 * Safety: the cache is read-only here and optional. V8 checks it against its own version, its flags
 * (`--jitless` under systemd rejects it) and the source's length, and compiles from source when it
 * does not fit; a missing or unreadable cache file is no cache. Nothing is written at run time (the
 * install directory may be read-only, and two runs must not race on it). The cache file is named by
 * the content hash of the script it belongs to, so a cache can only ever meet its own script.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/**
 * The CommonJS wrapper, as Node's own loader writes it, plus `import.meta.url` (esbuild replaces it
 * by `__import_meta_url` in the bundle). One line, so the bundle's line numbers stay its own.
 */
const HEAD = '(function (exports, require, module, __filename, __dirname, __import_meta_url) {';
const TAIL = '\n})';

/** A loaded script: what it exports, and the compiled script (the build asks it for its cache). */
export interface LoadedScript {
  exports: Record<string, unknown>;
  script: vm.Script;
  /** null: there was no cache file; false: V8 used it; true: V8 refused it and compiled from source. */
  cacheRejected: boolean | null;
}

/**
 * The script's `require`: Node's builtins only. The bundle keeps npm packages external and the
 * script needs none at load time (test/cli/startup.test.ts checks it from the bundle's map); a
 * package it uses it imports when used, through `import()`. It costs next to nothing, where createRequire
 * sets up a CommonJS module for the file (~1.3 ms here).
 */
function requireBuiltin(id: string): unknown {
  const m = process.getBuiltinModule(id);
  if (m === undefined) throw new Error(`the analyze script required ${id}, which is not a Node builtin (scripts/bundle.mjs)`);
  return m;
}

/** The code-cache file that belongs to the script `file`. */
export function cacheFileFor(file: string): string {
  return `${file}.cache`;
}

function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(cacheFileFor(file));
  } catch {
    return undefined;
  }
}

/**
 * Compile and run the CommonJS bundle `file` (an absolute path) in this context, with its code
 * cache when there is one; `import()` in it resolves as in an ES module at `file`.
 */
export function loadScript(file: string): LoadedScript {
  const cachedData = readCache(file);
  const script = new vm.Script(HEAD + fs.readFileSync(file, 'utf8') + TAIL, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, requireBuiltin, module, file, path.dirname(file), pathToFileURL(file).href);
  return { exports: module.exports, script, cacheRejected: cachedData === undefined ? null : script.cachedDataRejected === true };
}
