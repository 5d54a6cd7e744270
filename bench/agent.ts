/**
 * `npm run bench -- agent`: the agent's footprint against issue 3's and issue 13's bars, on this machine.
 *
 * 1. Scrape latency p50/p99 under 50 concurrent keep-alive clients, the built agent side by side with
 *    Debian's prometheus-node-exporter (its default collectors; `--web.max-requests=0`, since its
 *    default of 40 concurrent scrapes answers the 41st with 503), interleaved rounds, medians.
 *    Bar: ours not slower at p99.
 *    Then one client at a time, as Prometheus scrapes (issue 13 §3: "scrape latency no worse than
 *    today", p50 0.2 ms and 35× node_exporter's): p50 of each, interleaved rounds, medians. Bar: ours
 *    at most 0.2 ms or at least 35× faster than node_exporter's (whose own speed moves the ratio).
 * 2. Agent RSS after 100 scrapes and after 10 000. Bar: within 10 MB.
 * 3. Idle: with `--refresh 1h`, context switches of all threads (voluntary + nonvoluntary, from
 *    procfs task status) in the first minute after the first snapshot and in the quiet minute after
 *    it, next to node_exporter, a bare Node process with a 60 s timer, and node-cron scheduling an
 *    hourly job — all measured over the same minutes. Bar: ≤ 10 in the quiet minute.
 *
 * 4. Standing cost (issue 13 §3), as root with `--refresh 10s`: CPU (nanoseconds run by every thread,
 *    /proc/PID/task/TID/schedstat) and context switches per refresh over REFRESH_WINDOW_MS of refreshes,
 *    next to node_exporter's CPU and context switches per scrape measured the same way, and the cost
 *    per minute of each: ours = 6 refreshes + 4 scrapes (Prometheus every 15 s), theirs = 4 scrapes.
 *    Bars: ≤ 15 ms CPU and ≤ 100 context switches per refresh.
 *
 * Machines are shared and noisy: quote ratios and medians from one run, not absolute numbers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { DEFAULT_ROOTS, procPath } from '../agent/roots.js';
import { freePort, repoRoot, sleep } from './util.js';
import { procStats } from './load.js';


const CONCURRENCY = 50;
const SCRAPES_PER_ROUND = 2000;
const ROUNDS = 3;
/** Single-client rounds: scrapes per round, and issue 13's "today": p50 0.2 ms, 35× node_exporter's. */
const SINGLE_SCRAPES = 500;
const SINGLE_TODAY_P50_MS = 0.2;
const SINGLE_MIN_RATIO = 35;
const QUIET_MS = 60_000;
/** Refreshes measured for the standing cost: 12 at 10 s. */
const REFRESH_WINDOW_MS = 120_000;
/** Let V8 optimise and its memory reducer settle before the window opens. */
const REFRESH_WARMUP_MS = 45_000;
const NE_SCRAPES = 40;


interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

function launch(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;

/**
 * Wait until an agent started with `--web.listen-address=127.0.0.1:0` listens and has taken its first
 * snapshot; returns its port. `init` goes to the readiness fetch.
 */
async function agentPort(p: Proc, listening: string, ready: string, init?: RequestInit): Promise<number> {
  await waitUntil(listening, () => LISTENING.test(p.output()));
  const port = Number(LISTENING.exec(p.output())?.[1]);
  await waitUntil(ready, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`, init)).status === 200);
  return port;
}

async function waitUntil(what: string, fn: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function getOnce(agent: http.Agent, port: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

/** `total` scrapes by `concurrency` keep-alive clients; returns the latencies in ms. */
async function hammer(port: number, total: number, concurrency: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat: number[] = [];
  let left = total;
  const worker = async (): Promise<void> => {
    while (left > 0) {
      left--;
      lat.push(await getOnce(agent, port, '/metrics'));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return lat;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const median = (xs: number[]): number => pct(xs, 50);

/** Voluntary + nonvoluntary context switches of every thread of `pid`. */
function contextSwitches(pid: number): number {
  let sum = 0;
  const dir = procPath(DEFAULT_ROOTS, String(pid), 'task');
  for (const tid of fs.readdirSync(dir)) {
    try {
      const s = fs.readFileSync(path.join(dir, tid, 'status'), 'utf8');
      for (const m of s.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) sum += Number(m[1]);
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return sum;
}

/**
 * CPU seconds of every thread of `pid`: the nanoseconds each has run (/proc/PID/task/TID/schedstat,
 * first field), or, where the kernel has no schedstat, utime + stime in USER_HZ ticks (stat). The
 * ticks are 10 ms: over a dozen refreshes that is ±0.8 ms a refresh, as much as the margin the 15 ms
 * bar leaves, so the nanosecond count is what the standing cost is read from.
 */
function cpuSeconds(pid: number): number {
  const dir = procPath(DEFAULT_ROOTS, String(pid), 'task');
  let ns = 0;
  let ticks = 0;
  for (const tid of fs.readdirSync(dir)) {
    try {
      const sched = fs.readFileSync(path.join(dir, tid, 'schedstat'), 'utf8');
      ns += Number(sched.split(' ')[0]);
      continue;
    } catch {
      // no schedstat on this kernel (or the thread ended): the tick count below
    }
    try {
      const stat = fs.readFileSync(path.join(dir, tid, 'stat'), 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // a thread that ended between readdir and read
    }
  }
  const USER_HZ = 100; // the unit of /proc stat times on every Linux architecture
  return ns / 1e9 + ticks / USER_HZ;
}

async function metricValue(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Per-refresh cost of an agent with --refresh 10s, and node_exporter's per-scrape cost, in one run. */
export async function standingCost(cli: string): Promise<boolean> {
  if (process.geteuid?.() !== 0) process.stdout.write('standing cost: not root, so the kernel log falls back to dmesg; the bar is for root\n');
  const agent = launch(process.execPath, [cli, 'agent', '--web.listen-address=127.0.0.1:0', '--refresh', '10s']);
  const nePort = await freePort();
  const ne = launch('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`]);
  try {
    const port = await agentPort(agent, 'the 10 s agent to listen', 'its first snapshot', { headers: { connection: 'close' } });
    await waitUntil('node_exporter', async () => (await fetch(`http://127.0.0.1:${nePort}/metrics`)).ok);
    const pid = agent.child.pid ?? -1;
    await sleep(REFRESH_WARMUP_MS);
    const r0 = await metricValue(port, 'clockdoctor_refreshes_total');
    const m0 = await metricValue(port, 'clockdoctor_refresh_cpu_seconds_total');
    const c0 = cpuSeconds(pid);
    const s0 = contextSwitches(pid);
    await sleep(REFRESH_WINDOW_MS);
    const c1 = cpuSeconds(pid);
    const s1 = contextSwitches(pid);
    const r1 = await metricValue(port, 'clockdoctor_refreshes_total');
    const m1 = await metricValue(port, 'clockdoctor_refresh_cpu_seconds_total');
    // The two scrapes reading the counters are part of the window: a scrape costs well under 1 ms.
    const n = r1 - r0;
    const cpuMs = ((c1 - c0) * 1000) / n;
    const switches = (s1 - s0) / n;
    const metricMs = ((m1 - m0) * 1000) / n;
    // Our scrape cost, for the per-minute figure: 200 scrapes.
    const sc0 = cpuSeconds(pid);
    const ss0 = contextSwitches(pid);
    const keep = new http.Agent({ keepAlive: false });
    for (let i = 0; i < 200; i++) await getOnce(keep, port, '/metrics');
    const scrapeMs = ((cpuSeconds(pid) - sc0) * 1000) / 200;
    const scrapeSwitches = (contextSwitches(pid) - ss0) / 200;
    // node_exporter, one scrape at a time like Prometheus.
    const nepid = ne.child.pid ?? -1;
    for (let i = 0; i < 5; i++) await getOnce(keep, nePort, '/metrics');
    const n0 = cpuSeconds(nepid);
    const ns0 = contextSwitches(nepid);
    for (let i = 0; i < NE_SCRAPES; i++) await getOnce(keep, nePort, '/metrics');
    const neMs = ((cpuSeconds(nepid) - n0) * 1000) / NE_SCRAPES;
    const neSwitches = (contextSwitches(nepid) - ns0) / NE_SCRAPES;
    keep.destroy();
    const oursPerMin = 6 * cpuMs + 4 * scrapeMs;
    const theirsPerMin = 4 * neMs;
    const ok = cpuMs <= 15 && switches <= 100;
    process.stdout.write(
      `standing cost (--refresh 10s, ${n} refreshes over ${REFRESH_WINDOW_MS / 1000} s): ${fmt(cpuMs, 1)} ms CPU and ${fmt(switches, 0)} context switches per refresh (all threads; ` +
        `clockdoctor_refresh_cpu_seconds_total says ${fmt(metricMs, 1)} ms) → ${ok ? 'PASS' : 'FAIL'} (bars: ≤ 15 ms, ≤ 100)\n` +
        `  one scrape: clockdoctor ${fmt(scrapeMs, 2)} ms CPU, ${fmt(scrapeSwitches, 1)} context switches; node_exporter ${fmt(neMs, 2)} ms CPU, ${fmt(neSwitches, 1)} context switches (ratio ${fmt(neMs / scrapeMs, 1)}×)\n` +
        `  per minute, scraped every 15 s: clockdoctor ${fmt(oursPerMin, 1)} ms CPU (6 refreshes + 4 scrapes), node_exporter ${fmt(theirsPerMin, 1)} ms (4 scrapes); ratio ours/theirs ${fmt(oursPerMin / theirsPerMin, 2)}\n`,
    );
    return ok;
  } finally {
    await Promise.all([agent.stop(), ne.stop()]);
  }
}

const fmt = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export async function run(): Promise<boolean> {
  const root = repoRoot();
  const cli = path.join(root, 'dist', 'agent', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
  // First, on a machine not yet warmed by the scrape rounds: the standing cost of --refresh 10s.
  const standing = await standingCost(cli);
  let ok = standing;
  const agentArgs = [cli, 'agent', '--web.listen-address=127.0.0.1:0', '--refresh', '1h'];
  const ours = launch(process.execPath, agentArgs);
  let nePort = 0;
  let ne: Proc | null = null;
  const extra: Proc[] = [];
  try {
    const port = await agentPort(ours, 'the agent to listen', 'the first snapshot');
    // The systemd unit runs Node with --jitless (MemoryDenyWriteExecute=yes); measure that too.
    const jitless = launch(process.execPath, ['--jitless', ...agentArgs]);
    extra.push(jitless);
    const jport = await agentPort(jitless, 'the --jitless agent to listen', 'its first snapshot');
    nePort = await freePort();
    // node_exporter answers 503 beyond --web.max-requests (default 40) concurrent scrapes; lift it so
    // both serve all 50 clients.
    ne = launch('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`, '--web.max-requests=0']);
    await waitUntil('node_exporter', async () => (await fetch(`http://127.0.0.1:${nePort}/metrics`)).ok);
    // For scale: node_exporter with only the time collector (the one that overlaps ours) is much cheaper
    // than its default set; shown beside, the bar is against the default set Debian runs.
    const neTimePort = await freePort();
    const neTime = launch('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${neTimePort}`, '--web.max-requests=0', '--collector.disable-defaults', '--collector.time']);
    extra.push(neTime);
    await waitUntil('node_exporter (time only)', async () => (await fetch(`http://127.0.0.1:${neTimePort}/metrics`)).ok);
    await hammer(neTimePort, 200, CONCURRENCY);
    const bytes = async (p: number): Promise<number> => (await (await fetch(`http://127.0.0.1:${p}/metrics`)).text()).length;
    process.stdout.write(`scrape size: clockdoctor ${await bytes(port)} bytes, node_exporter ${await bytes(nePort)} bytes\n`);

    // 1. latency, interleaved rounds
    await hammer(port, 200, CONCURRENCY);
    await hammer(nePort, 200, CONCURRENCY);
    await hammer(jport, 200, CONCURRENCY);
    const p50 = { ours: [] as number[], ne: [] as number[], jit: [] as number[], net: [] as number[] };
    const p99 = { ours: [] as number[], ne: [] as number[], jit: [] as number[], net: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = await hammer(port, SCRAPES_PER_ROUND, CONCURRENCY);
      const b = await hammer(nePort, SCRAPES_PER_ROUND, CONCURRENCY);
      const c = await hammer(jport, SCRAPES_PER_ROUND, CONCURRENCY);
      const d = await hammer(neTimePort, SCRAPES_PER_ROUND, CONCURRENCY);
      p50.net.push(pct(d, 50));
      p99.net.push(pct(d, 99));
      p50.jit.push(pct(c, 50));
      p99.jit.push(pct(c, 99));
      p50.ours.push(pct(a, 50));
      p99.ours.push(pct(a, 99));
      p50.ne.push(pct(b, 50));
      p99.ne.push(pct(b, 99));
      process.stdout.write(`round ${r + 1}: clockdoctor p50 ${fmt(pct(a, 50))} ms p99 ${fmt(pct(a, 99))} ms | node_exporter p50 ${fmt(pct(b, 50))} ms p99 ${fmt(pct(b, 99))} ms | --jitless p50 ${fmt(pct(c, 50))} ms p99 ${fmt(pct(c, 99))} ms | node_exporter time-only p50 ${fmt(pct(d, 50))} ms p99 ${fmt(pct(d, 99))} ms\n`);
    }
    const ratio99 = median(p99.ours) / median(p99.ne);
    process.stdout.write(
      `latency (${CONCURRENCY} clients, ${SCRAPES_PER_ROUND} scrapes × ${ROUNDS} rounds, medians): clockdoctor p50 ${fmt(median(p50.ours))} ms p99 ${fmt(median(p99.ours))} ms; ` +
        `node_exporter p50 ${fmt(median(p50.ne))} ms p99 ${fmt(median(p99.ne))} ms; p99 ratio ours/theirs ${fmt(ratio99)} → ${ratio99 <= 1 ? 'PASS' : 'FAIL'} (bar: ≤ 1); ` +
        `as the unit runs it (--jitless): p50 ${fmt(median(p50.jit))} ms p99 ${fmt(median(p99.jit))} ms, p99 ratio ${fmt(median(p99.jit) / median(p99.ne))}; ` +
        `node_exporter time collector only: p50 ${fmt(median(p50.net))} ms p99 ${fmt(median(p99.net))} ms\n`,
    );
    const single = { ours: [] as number[], ne: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      single.ours.push(median(await hammer(port, SINGLE_SCRAPES, 1)));
      single.ne.push(median(await hammer(nePort, SINGLE_SCRAPES, 1)));
    }
    const ratio50 = median(single.ne) / median(single.ours);
    // "No worse than today": today's p50 or today's ratio, each in its own unit (node_exporter's own
    // speed moves the ratio: 5.9–9.1 ms for one scrape across the runs of 4 Dec 2026).
    const singleOk = median(single.ours) <= SINGLE_TODAY_P50_MS || ratio50 >= SINGLE_MIN_RATIO;
    process.stdout.write(
      `latency, one client at a time (${SINGLE_SCRAPES} scrapes × ${ROUNDS} rounds, medians): clockdoctor p50 ${fmt(median(single.ours), 3)} ms, ` +
        `node_exporter p50 ${fmt(median(single.ne), 3)} ms; ours ${fmt(ratio50, 1)}× faster → ${singleOk ? 'PASS' : 'FAIL'} ` +
        `(bar: p50 ≤ ${SINGLE_TODAY_P50_MS} ms or ≥ ${SINGLE_MIN_RATIO}× node_exporter, issue 13's "today")\n`,
    );
    ok = ok && ratio99 <= 1 && singleOk;
    await jitless.stop();
    await neTime.stop();
    await ne.stop();
    ne = null;

    // 2. RSS after 100 and after 10 000 scrapes (a fresh agent so earlier rounds do not count)
    await ours.stop();
    const fresh = launch(process.execPath, agentArgs);
    extra.push(fresh);
    const fport = await agentPort(fresh, 'the agent to listen', 'the first snapshot');
    const fpid = fresh.child.pid ?? -1;
    await hammer(fport, 100, 10);
    await sleep(500);
    const rss100 = procStats(fpid).rssKb;
    await hammer(fport, 9900, CONCURRENCY);
    await sleep(500);
    const rss10k = procStats(fpid).rssKb;
    const growthMb = (rss10k - rss100) / 1024;
    process.stdout.write(`RSS: after 100 scrapes ${fmt(rss100 / 1024, 1)} MB, after 10 000 ${fmt(rss10k / 1024, 1)} MB, growth ${fmt(growthMb, 1)} MB → ${growthMb <= 10 ? 'PASS' : 'FAIL'} (bar: ≤ 10 MB)\n`);
    ok = ok && growthMb <= 10;
    await fresh.stop();

    // 3. idle context switches over the same quiet minute
    const idle = launch(process.execPath, agentArgs);
    const bare = launch(process.execPath, ['-e', 'setInterval(() => {}, 60_000)']);
    const cronUrl = new URL('node_modules/node-cron/dist/node-cron.js', `file://${root}/`).href;
    const cron = launch(process.execPath, ['--input-type=module', '-e', `import cron from ${JSON.stringify(cronUrl)}; cron.schedule('0 * * * *', () => {});`]);
    const neIdlePort = await freePort();
    const neIdle = launch('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${neIdlePort}`]);
    extra.push(idle, bare, cron, neIdle);
    await agentPort(idle, 'the idle agent to listen', 'its first snapshot', { headers: { connection: 'close' } });
    // Two consecutive minutes from the first snapshot on. The first holds start-up housekeeping: V8's
    // memory reducer runs one or two compacting GCs some 25–35 s after the last burst of allocation
    // (measured with --trace-gc: "Mark-Compact (reduce)", ~100 context switches across V8's worker
    // threads), then gives the memory back and stops. The same happens once after each refresh. The
    // second minute is the quiet one the bar is about.
    const who: [string, Proc][] = [['clockdoctor agent --refresh 1h', idle], ['node_exporter', neIdle], ['bare node, 60 s timer', bare], ['node-cron 4, hourly job', cron]];
    const t0 = who.map(([, p]) => contextSwitches(p.child.pid ?? -1));
    await sleep(QUIET_MS);
    const t1 = who.map(([, p]) => contextSwitches(p.child.pid ?? -1));
    await sleep(QUIET_MS);
    const t2 = who.map(([, p]) => contextSwitches(p.child.pid ?? -1));
    who.forEach(([name], i) => {
      const first = (t1[i] ?? 0) - (t0[i] ?? 0);
      const quiet = (t2[i] ?? 0) - (t1[i] ?? 0);
      const bar = i === 0 ? ` → ${quiet <= 10 ? 'PASS' : 'FAIL'} (bar: ≤ 10 in the quiet minute)` : '';
      if (i === 0) ok = ok && quiet <= 10;
      process.stdout.write(`idle: ${name}: ${first} context switches in the first minute after start-up, ${quiet} in the next (quiet) minute${bar}\n`);
    });
  } finally {
    await Promise.all([ours.stop(), ne?.stop(), ...extra.map((p) => p.stop())]);
  }
  return ok;
}
