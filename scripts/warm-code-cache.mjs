#!/usr/bin/env node
// Make the V8 code cache of the bundle's analyze script (scripts/bundle.mjs): load the script as the
// CLI does (dist/agent/script-cache.js, tsc's build of agent/script-cache.ts), run the analysis on
// the inputs below so the functions a run needs get compiled, then write what V8 holds for the
// script. Run by bundle.mjs with stdout discarded (each run prints its report). A run that fails
// (exit code above 2) fails the build: the bundle does not analyze as the CLI must.
//
// The cache is only about speed: V8 refuses it (and compiles from source) on another Node version
// or other V8 flags. The kernel log comes from the test fixtures when they are there (a checkout).
import fs from 'node:fs';
import path from 'node:path';
import { cacheFileFor, loadScript } from '../dist/agent/script-cache.js';

const root = path.resolve(import.meta.dirname, '..');
const file = process.argv[2];
if (!file) throw new Error('usage: warm-code-cache.mjs dist/bundle/analyze-HASH.cjs');

const vboxLog = path.join(root, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
const kernelLog = path.join(root, 'test', 'fixtures', 'dmesg', 'kvm-bochs-3.13-kvmclock.txt');
const RUNS = [
  { json: false, color: false, file: [vboxLog] },
  { json: true, color: false, file: [vboxLog] },
  ...(fs.existsSync(kernelLog) ? [{ json: false, color: false, file: [kernelLog] }] : []),
];

const { exports, script } = loadScript(path.resolve(file));
for (const args of RUNS) {
  process.exitCode = 0;
  await exports.analyzeAndReport(args);
  if (process.exitCode > 2) throw new Error(`warm-code-cache: analyze ${JSON.stringify(args)} exited ${process.exitCode}`);
}
fs.writeFileSync(cacheFileFor(path.resolve(file)), script.createCachedData());
process.exitCode = 0;
