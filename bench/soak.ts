/**
 * Soak: the real agent on a temp capture dir that is mutated between refreshes — collectors failing
 * and recovering (files vanish, turn into directories, come back), the kernel log rotating, being
 * truncated, growing, turning into megabytes of junk — while it is scraped. RSS and open fds
 * (/proc/PID/status, /proc/PID/fd) must not grow. `npm run soak` runs the long version (default
 * 10 minutes, SOAK_SECONDS to change); test/load/soak.test.ts runs a short one with these helpers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { get, procStats, sleep, startAgent, tempCapture, unitMallocEnv, type AgentProcess } from './load.js';
import { median } from './util.js';

const CS = 'sys/devices/system/clocksource/clocksource0/current_clocksource';
const CPUINFO = 'proc/cpuinfo';
const TIMER_LIST = 'proc/timer_list';
const DMESG = 'commands/dmesg';

/** One change to the capture dir, and what the scrape should then say about a collector. */
export interface Mutation {
  name: string;
  apply(dir: string): void;
}

function stash(dir: string, rel: string): string {
  return path.join(dir, '.orig', rel);
}

/** Keep an untouched copy of every file a mutation may break, so it can be restored. */
export function prepareSoakDir(dir: string): void {
  for (const rel of [CS, CPUINFO, TIMER_LIST, DMESG]) {
    fs.mkdirSync(path.dirname(stash(dir, rel)), { recursive: true });
    fs.copyFileSync(path.join(dir, rel), stash(dir, rel));
  }
}

function restore(dir: string, rel: string): void {
  const p = path.join(dir, rel);
  fs.rmSync(p, { recursive: true, force: true });
  fs.copyFileSync(stash(dir, rel), p);
}

export const MUTATIONS: Mutation[] = [
  { name: 'current_clocksource vanishes', apply: (d) => fs.rmSync(path.join(d, CS), { force: true }) },
  { name: 'current_clocksource comes back', apply: (d) => restore(d, CS) },
  { name: 'cpuinfo becomes a directory (read fails)', apply: (d) => { fs.rmSync(path.join(d, CPUINFO), { force: true }); fs.mkdirSync(path.join(d, CPUINFO)); } },
  { name: 'cpuinfo recovers', apply: (d) => restore(d, CPUINFO) },
  {
    name: 'kernel log rotates (old → dmesg.1, a short new one)',
    apply: (d) => {
      fs.renameSync(path.join(d, DMESG), path.join(d, `${DMESG}.1`));
      fs.writeFileSync(path.join(d, DMESG), fs.readFileSync(stash(d, DMESG), 'utf8').split('\n').slice(0, 50).join('\n'));
    },
  },
  { name: 'kernel log truncated to 0 bytes', apply: (d) => fs.truncateSync(path.join(d, DMESG), 0) },
  { name: 'kernel log grows back', apply: (d) => fs.appendFileSync(path.join(d, DMESG), fs.readFileSync(stash(d, DMESG))) },
  {
    name: 'kernel log becomes 8 MB of junk with a 3 MB line',
    apply: (d) => {
      const junk = Buffer.alloc(8 << 20);
      for (let i = 0; i < junk.length; i++) junk[i] = i % 4_000_000 === 3_999_999 ? 10 : 32 + (i % 90);
      fs.writeFileSync(path.join(d, DMESG), junk);
    },
  },
  { name: 'kernel log vanishes', apply: (d) => fs.rmSync(path.join(d, DMESG), { force: true }) },
  { name: 'kernel log back, old rotation removed', apply: (d) => { restore(d, DMESG); fs.rmSync(path.join(d, `${DMESG}.1`), { force: true }); } },
  { name: 'timer_list vanishes', apply: (d) => fs.rmSync(path.join(d, TIMER_LIST), { force: true }) },
  { name: 'timer_list truncated mid-line', apply: (d) => fs.writeFileSync(path.join(d, TIMER_LIST), fs.readFileSync(stash(d, TIMER_LIST)).subarray(0, 777)) },
  { name: 'timer_list recovers', apply: (d) => restore(d, TIMER_LIST) },
];

/** collector → success value (1/0) from a scrape, for the collectors the mutations touch. */
export function collectorSuccess(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^clockdoctor_collector_success\{collector="([^"]+)"\} (\S+)$/gm)) out[m[1] as string] = Number(m[2]);
  return out;
}

export interface SoakReport {
  seconds: number;
  cycles: number;
  scrapes: number;
  failedScrapes: number;
  /** Distinct collector_success patterns seen (shows failures and recoveries were observed). */
  successPatterns: number;
  rssKb: { start: number; end: number; max: number };
  fds: { start: number; end: number; max: number };
  snapshotsAdvanced: boolean;
  /** Per pass after warm-up: median RSS and V8 heap used (from the agent's own nodejs_heap_size_used_bytes), kB. */
  passes: { pass: number; rssKb: number; heapUsedKb: number | null }[];
}

function snapshotTime(metrics: string): number | null {
  const m = /^clockdoctor_snapshot_timestamp_seconds (\S+)$/m.exec(metrics);
  return m?.[1] ? Number(m[1]) : null;
}

/**
 * Mutate, refresh, scrape a few times; repeat in whole passes over MUTATIONS for `seconds`. The
 * first pass is the warm-up; start figures are those of the second pass, end figures those of the
 * last, so both are steady state and the same mutations.
 */
/** Ask the agent to refresh now (SIGHUP) and wait until a newer snapshot is served; false on timeout. */
export async function refreshNow(agent: AgentProcess, after: number | null, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastHup = 0;
  while (Date.now() < deadline) {
    // One refresh in flight at most: a SIGHUP during one may be folded into it, so repeat now and then.
    if (Date.now() - lastHup > 1000) {
      agent.child.kill('SIGHUP');
      lastHup = Date.now();
    }
    await sleep(50);
    const r = await get(`${agent.base}/metrics`, 5000).catch(() => null);
    const ts = r?.status === 200 ? snapshotTime(r.body) : null;
    if (ts !== null && (after === null || ts > after)) return true;
  }
  return false;
}

export async function soakScenario(
  agent: AgentProcess,
  dir: string,
  opts: {
    seconds: number;
    refreshMs: number;
    scrapesPerCycle: number;
    /** Refresh with SIGHUP after each mutation instead of waiting for the schedule. */
    hup?: boolean;
    minCycles?: number;
    /**
     * How long a refresh and a scrape may take before they count as failed, ms (default 5 000 and
     * 10 000). A test on a loaded machine passes long limits: it waits for the event, it does not time it.
     */
    refreshTimeoutMs?: number;
    scrapeTimeoutMs?: number;
  },
): Promise<SoakReport> {
  const t0 = Date.now();
  const n = MUTATIONS.length;
  let cycles = 0;
  let scrapeCount = 0;
  let failed = 0;
  const patterns = new Set<string>();
  /** Per cycle after the warm-up pass: which pass, RSS and open fds (sampled when the agent is idle). */
  const samples: { pass: number; rssKb: number; fds: number; heapUsedKb: number | null }[] = [];
  let heapUsedKb: number | null = null;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  const deadline = t0 + opts.seconds * 1000;
  // Whole passes only, so the run ends in the fully restored state it started from.
  while (Date.now() < deadline || cycles < (opts.minCycles ?? n * 2) || cycles % n !== 0) {
    const m = MUTATIONS[cycles % n] as Mutation;
    m.apply(dir);
    cycles++;
    if (opts.hup) {
      if (!(await refreshNow(agent, lastTs, opts.refreshTimeoutMs))) failed++;
    } else {
      await sleep(opts.refreshMs + 200);
    }
    for (let i = 0; i < opts.scrapesPerCycle; i++) {
      scrapeCount++;
      const r = await get(`${agent.base}/metrics`, opts.scrapeTimeoutMs ?? 10_000).catch(() => null);
      if (r === null || r.status !== 200 || !r.body.includes('clockdoctor_build_info')) {
        failed++;
        continue;
      }
      patterns.add(JSON.stringify(collectorSuccess(r.body)));
      const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(r.body)?.[1];
      heapUsedKb = heap === undefined ? null : Math.round(Number(heap) / 1024);
      const ts = snapshotTime(r.body);
      if (ts !== null) {
        firstTs ??= ts;
        lastTs = ts;
      }
    }
    const pass = Math.floor((cycles - 1) / n);
    if (pass >= 1) {
      // Pass 0 is the warm-up (JIT, first allocation of every buffer size). Let closed connections go.
      await sleep(100);
      const st = procStats(agent.pid);
      samples.push({ pass, rssKb: st.rssKb, fds: st.fds, heapUsedKb });
    }
  }
  const lastPass = Math.floor((cycles - 1) / n);
  const of = (p: number): typeof samples => samples.filter((x) => x.pass === p);
  // Medians per pass: one sample can land before a GC, a pass cannot (RSS swings with the 8 MB log).
  const first = of(1);
  const last = of(lastPass);
  return {
    seconds: Math.round((Date.now() - t0) / 1000),
    cycles,
    scrapes: scrapeCount,
    failedScrapes: failed,
    successPatterns: patterns.size,
    rssKb: { start: median(first.map((x) => x.rssKb)), end: median(last.map((x) => x.rssKb)), max: Math.max(0, ...samples.map((x) => x.rssKb)) },
    fds: { start: Math.min(...first.map((x) => x.fds)), end: Math.min(...last.map((x) => x.fds)), max: Math.max(0, ...samples.map((x) => x.fds)) },
    snapshotsAdvanced: firstTs !== null && lastTs !== null && lastTs > firstTs,
    passes: [...new Set(samples.map((x) => x.pass))].map((p) => {
      const heaps = of(p).map((x) => x.heapUsedKb).filter((h): h is number => h !== null);
      return { pass: p, rssKb: median(of(p).map((x) => x.rssKb)), heapUsedKb: heaps.length > 0 ? median(heaps) : null };
    }),
  };
}

export function formatSoak(r: SoakReport): string {
  return [
    `soak: ${r.seconds} s, ${r.cycles} refresh cycles with mutations, ${r.scrapes} scrapes (${r.failedScrapes} failed)`,
    `collector_success patterns seen: ${r.successPatterns} (failures and recoveries observed: ${r.successPatterns > 1})`,
    `snapshots advanced: ${r.snapshotsAdvanced}`,
    `RSS kB (median of the first and of the last pass after warm-up): start ${r.rssKb.start}, end ${r.rssKb.end}, max ${r.rssKb.max} (end − start ${r.rssKb.end - r.rssKb.start} kB)`,
    `open fds (idle, per pass): start ${r.fds.start}, end ${r.fds.end}, max ${r.fds.max}`,
    `per pass (median RSS MB / V8 heap used MB): ${r.passes.map((p) => `${(p.rssKb / 1024).toFixed(1)}/${p.heapUsedKb === null ? '?' : (p.heapUsedKb / 1024).toFixed(1)}`).join(' ')}`,
  ].join('\n');
}

/** `npm run soak`: SOAK_SECONDS (default 600) of mutations with a 1 s refresh. */
export async function run(): Promise<boolean> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  const dir = tempCapture('cd-soak-');
  prepareSoakDir(dir);
  // Memory as deployed: with the unit's malloc settings (without them glibc arenas grow in steps).
  const agent = await startAgent({ from: dir, args: ['--refresh', '1s'], env: unitMallocEnv() });
  try {
    const r = await soakScenario(agent, dir, { seconds, refreshMs: 1000, scrapesPerCycle: 5 });
    process.stdout.write(`${formatSoak(r)}\n`);
    // Growth bounds: fds exactly back; RSS within 10 MB. Without MALLOC_MMAP_THRESHOLD_/MALLOC_ARENA_MAX
    // glibc keeps freed Buffer memory and RSS creeps while the heap stays flat (docs/robustness.md §3).
    const heaps = r.passes.map((p) => p.heapUsedKb).filter((h): h is number => h !== null);
    const rssOk = r.rssKb.end - r.rssKb.start < 10 * 1024;
    process.stdout.write(
      `verdict: scrapes ${r.failedScrapes === 0 ? 'ok' : 'FAILED'}, fds ${r.fds.end <= r.fds.start ? 'ok' : 'GREW'}, RSS ${rssOk ? 'ok' : 'GREW'} (+${((r.rssKb.end - r.rssKb.start) / 1024).toFixed(1)} MB, bound 10 MB), `
      + `heap used first/last pass ${heaps.length ? `${((heaps[0] ?? 0) / 1024).toFixed(1)}/${((heaps[heaps.length - 1] ?? 0) / 1024).toFixed(1)} MB` : 'unknown'}\n`,
    );
    return r.failedScrapes === 0 && r.fds.end <= r.fds.start && rssOk && r.snapshotsAdvanced;
  } finally {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.filename === path.resolve(process.argv[1])) {
  void run().then((ok) => { process.exitCode = ok ? 0 : 1; });
}
