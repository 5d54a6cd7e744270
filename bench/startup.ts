/**
 * Start-up targets of issue 13 §2: `clockdoctor --version` within 2× the wall time of `node -e 0`,
 * and `clockdoctor analyze` on a small file within 2× too. Each case runs paired with its peer —
 * node -e 0, the case, node -e 0, the case, … — and the ratio is taken pair by pair, so a machine
 * that speeds up or slows down during the run moves both sides of each ratio alike; the median of
 * the ratios is the figure. `--help` and `check --help` are printed for reference, without a target.
 *
 * The CLI timed is the one users run, the bundle (dist/bundle/cli.js, scripts/bundle.mjs); tsc's
 * unbundled build (dist/agent/cli.js) is timed once more on the small VBox.log for reference, so the
 * run shows what the bundle and its code cache buy.
 *
 * Which modules each command line loads is a test (test/cli/startup.test.ts); only the time is here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, repoRoot } from './util.js';

const ROOT = repoRoot();
const CLI = path.join(ROOT, 'dist', 'bundle', 'cli.js');
const UNBUNDLED = path.join(ROOT, 'dist', 'agent', 'cli.js');
const VBOX = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
/** The first 20 KB of the example VBox.log (whole lines): a small pasted log, written at run time. */
const SMALL_VBOX = path.join(os.tmpdir(), `clockdoctor-bench-small-${process.pid}.log`);
const PAIRS = 21;
const WARMUP = 2;
const MAX_RATIO = 2;

interface Case { name: string; args: string[]; target: number | null; cli?: string }

const CASES: Case[] = [
  { name: '--version', args: ['--version'], target: MAX_RATIO },
  { name: 'analyze VBox.log (20 KB)', args: ['analyze', SMALL_VBOX], target: MAX_RATIO },
  { name: '  same, unbundled', args: ['analyze', SMALL_VBOX], target: null, cli: UNBUNDLED },
  { name: 'analyze VBox.log (95 KB)', args: ['analyze', VBOX], target: MAX_RATIO },
  { name: 'analyze dmesg (32 KB)', args: ['analyze', path.join(ROOT, 'test', 'fixtures', 'dmesg', 'kvm-bochs-3.13-kvmclock.txt')], target: MAX_RATIO },
  { name: '--help', args: ['--help'], target: null },
  { name: 'check --help', args: ['check', '--help'], target: null },
];

const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p)) ?? null;

interface Run { ms: number; cpuMs: number | null; status: number | null }

/** Wall time from here; CPU time (user + sys) from GNU time when it is installed. */
function timed(args: string[]): Run {
  const argv = GNU_TIME === null ? [process.execPath, ...args] : [GNU_TIME, '-f', '__CPU=%U+%S', process.execPath, ...args];
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const m = /__CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return { ms, cpuMs: m === null ? null : (Number(m[1]) + Number(m[2])) * 1000, status: r.status };
}

const fmt = (x: number | null, digits = 1): string => (x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

/** Returns false when a target is missed (the bench runner counts it as a failure). */
export async function run(): Promise<boolean> {
  if (!fs.existsSync(CLI)) throw new Error('dist/bundle/cli.js is missing: npm run build');
  const text = fs.readFileSync(VBOX, 'latin1').slice(0, 20_000);
  fs.writeFileSync(SMALL_VBOX, text.slice(0, text.lastIndexOf('\n') + 1), 'latin1');
  try {
    return measure();
  } finally {
    fs.rmSync(SMALL_VBOX, { force: true });
  }
}

function measure(): boolean {
  const peer = ['-e', '0'];
  let ok = true;
  process.stdout.write(`${PAIRS} pairs per case (after ${WARMUP} warm-up pairs), peer: node -e 0; medians\n`);
  for (const c of CASES) {
    const args = [c.cli ?? CLI, ...c.args];
    for (let i = 0; i < WARMUP; i++) {
      timed(peer);
      timed(args);
    }
    const ours: Run[] = [];
    const base: Run[] = [];
    for (let i = 0; i < PAIRS; i++) {
      base.push(timed(peer));
      ours.push(timed(args));
    }
    const ratio = median(ours.map((r, i) => r.ms / base[i]!.ms));
    const cpu = ours.every((r) => r.cpuMs !== null) ? median(ours.map((r, i) => r.cpuMs! / Math.max(base[i]!.cpuMs!, 1))) : null;
    const failed = ours.filter((r) => r.status === null || r.status > 2).length;
    let verdict = '';
    if (c.target !== null) {
      const good = failed === 0 && ratio <= c.target;
      verdict = good ? '  ok' : `  MISSED (target ratio ≤ ${c.target}${failed > 0 ? `; ${failed} runs failed` : ''})`;
      if (!good) ok = false;
    }
    process.stdout.write(
      `${c.name.padEnd(26)} ${fmt(median(ours.map((r) => r.ms)))} ms vs node ${fmt(median(base.map((r) => r.ms)))} ms` +
        `  wall ratio ${fmt(ratio, 2)}  cpu ratio ${fmt(cpu, 2)}${verdict}\n`,
    );
  }
  return ok;
}
