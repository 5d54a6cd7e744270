/**
 * Speed target of issue 13 §1: `clockdoctor analyze` on a 500 MB kernel log (the corpus kernel logs
 * of test/fixtures/dmesg concatenated many times: hundreds of boots) takes at most 2× the wall time of
 * `grep -ciE 'tsc|clocksource'` on the same file (what users type instead), peak RSS under 150 MB.
 * Interleaved runs (grep, analyze, parser, …), medians compared, as bench/analyze.ts does for VBox.log.
 * The parser row (`parseFile` + the kernel-log parser alone, in a child) shows the streaming pass
 * apart from the router, the other kinds and the analysis.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './util.js';
import { median, timed, type Run } from './analyze.js';

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

function bigLog(logs: string[]): string {
  const file = path.join(os.tmpdir(), 'clockdoctor-bench-kernel-500MB.log');
  if (fs.existsSync(file) && fs.statSync(file).size >= TARGET_BYTES) return file;
  const one = Buffer.concat(logs.map((f) => fs.readFileSync(f)));
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (let size = 0; size < TARGET_BYTES; size += one.length) fs.writeSync(fd, one);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
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
  const file = bigLog(logs);
  process.stdout.write(`input: ${file} (${(fs.statSync(file).size / 1024 / 1024).toFixed(0)} MB, ${logs.length} kernel logs concatenated)\n`);
  const cli = path.join(ROOT, 'dist', 'agent', 'cli.js');
  const grep = ['-ciE', 'tsc|clocksource', file];
  const rows: Record<'grep' | 'analyze' | 'parser', Run[]> = { grep: [], analyze: [], parser: [] };
  timed('grep', grep); // page cache
  for (let i = 0; i < RUNS; i++) {
    rows.grep.push(timed('grep', grep));
    rows.analyze.push(timed(process.execPath, [cli, 'analyze', '--json', file]));
    rows.parser.push(timed(process.execPath, ['--input-type=module', '-e', PARSER_ONLY, file]));
  }
  const g = median(rows.grep.map((r) => r.seconds));
  let ok = true;
  for (const name of ['grep', 'analyze', 'parser'] as const) {
    const rs = rows[name];
    const t = median(rs.map((r) => r.seconds));
    const rss = rs.map((r) => r.rssKb).filter((x): x is number => x !== null);
    const peak = rss.length === 0 ? null : Math.max(...rss);
    const cpu = rs.every((r) => r.cpuSeconds !== null) ? median(rs.map((r) => r.cpuSeconds!)) : null;
    const failed = rs.filter((r) => r.status === null || r.status > 2).length;
    let verdict = '';
    if (name !== 'grep') {
      const good = failed === 0 && t / g <= MAX_RATIO && (peak === null || peak < MAX_RSS_KB);
      verdict = good ? '  ok' : `  MISSED (target ratio ≤ ${MAX_RATIO}, RSS < ${MAX_RSS_KB / 1024} MB${failed > 0 ? `; ${failed} runs failed` : ''})`;
      if (name === 'analyze' && !good) ok = false;
    }
    process.stdout.write(`${name.padEnd(8)} median ${t.toFixed(3)} s  ratio ${(t / g).toFixed(2)}${cpu === null ? '' : `  cpu ${cpu.toFixed(2)} s`}`
      + `  peak RSS ${peak === null ? 'n/a' : `${(peak / 1024).toFixed(1)} MB`}  runs ${rs.map((r) => r.seconds.toFixed(3)).join(' ')}${verdict}\n`);
  }
  return ok;
}
