/**
 * Speed target of issue 13 §1: `clockdoctor analyze` on a 500 MB kernel log (the corpus kernel logs
 * of test/fixtures/dmesg concatenated many times: hundreds of boots) takes at most 2× the wall time of
 * `grep -ciE 'tsc|clocksource'` on the same file (what users type instead), peak RSS under 150 MB.
 * Interleaved runs (grep, analyze, parser, …), medians compared, as bench/analyze.ts does for VBox.log.
 * The parser row (`parseFile` + the kernel-log parser alone, in a child) shows the streaming pass
 * apart from the router, the other kinds and the analysis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './util.js';
import { bigFile, compareWithGrep } from './analyze.js';

const ROOT = repoRoot();
const TARGET_BYTES = 500 * 1024 * 1024;
const RUNS = 3;
const MAX_RATIO = 2;
const MAX_RSS_KB = 150 * 1024;

/** The corpus kernel logs (fixtures copied from the shared corpus; the pasted excerpts are left out). */
function sourceLogs(): string[] {
  const dir = path.join(ROOT, 'test', 'fixtures', 'dmesg');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.txt') && !f.startsWith('pasted-')).sort().map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error('no kernel log fixtures found (test/fixtures/dmesg)');
  return files;
}

const PARSER_ONLY = `
import { parseFile } from ${JSON.stringify(path.join(ROOT, 'dist', 'agent', 'sources', 'file.js'))};
import { createKernelLogParser } from ${JSON.stringify(path.join(ROOT, 'dist', 'agent', 'evidence', 'kernel-log', 'parser.js'))};
const { facts, stats } = parseFile(process.argv[1], createKernelLogParser('bench'));
process.stdout.write(JSON.stringify({ lines: stats.lines, boots: facts.boots }) + '\\n');
`;

/** Returns false when a target is missed. */
export async function run(): Promise<boolean> {
  const logs = sourceLogs();
  return compareWithGrep({
    file: bigFile('clockdoctor-bench-kernel-500MB.log', logs, TARGET_BYTES), what: `${logs.length} kernel logs concatenated`,
    grepArgs: ['-ciE', 'tsc|clocksource'], parserOnly: PARSER_ONLY, runs: RUNS, maxRatio: MAX_RATIO, maxRssKb: MAX_RSS_KB,
  });
}
