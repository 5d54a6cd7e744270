/**
 * `timesync`: time-sync daemons, found by scanning /proc/PID/comm (+ cmdline of the matches),
 * the modules hv_utils/ptp_kvm in /sys/module, PTP clock names, and `chronyc -c tracking` when chronyd runs.
 * Only the matching processes are recorded for a capture — never the whole process table.
 */
import type { Source } from '../../sources/source.js';
import { performance } from 'node:perf_hooks';
import type { RunResult, SourceContext } from '../../sources/io.js';
import { TIMESYNC_COMMS, TIMESYNC_MODULES, type TimesyncProcess, type TimesyncRaw } from './parser.js';

/**
 * The list of matched processes is kept as `commands/timesync-processes` (`PID COMM` lines, like a
 * filtered `ps`), so a capture says it was scanned: an empty list means "none ran", while a capture
 * without the file (e.g. hand-made) makes this collector absent instead of claiming no daemon runs.
 */
const SCAN = 'timesync-processes';

type Scan = { state: 'ok'; processes: TimesyncProcess[]; path: string } | { state: 'absent' | 'failed'; reason: string; path: string };

async function scanProcs({ io, signal }: SourceContext): Promise<Scan> {
  const list = await io.listDir('procfs', '.', { sync: true });
  if (list.state !== 'ok') return { state: list.state, reason: list.reason, path: list.path };
  const pids = list.names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  const processes: TimesyncProcess[] = [];
  for (const pid of pids) {
    if (signal.aborted) break;
    // Sync: one tiny read per process; an async read each would cost a threadpool round trip per PID.
    const comm = io.readTextSync('procfs', `${pid}/comm`, { record: false });
    // A process that exited, or that ProtectProc hides, is simply not there.
    if (comm.state !== 'ok') continue;
    const name = comm.text.trim();
    if (TIMESYNC_COMMS[name] === undefined) continue;
    io.record('procfs', `${pid}/comm`, comm.text);
    const cmd = io.readTextSync('procfs', `${pid}/cmdline`);
    processes.push({ pid: Number(pid), comm: name, cmdline: cmd.state === 'ok' ? cmd.text : null });
  }
  // PID 1 is always there unless procfs hides other users' processes (hidepid=, systemd's
  // ProtectProc=invisible): then "no daemon seen" means nothing, and must not be reported as a fact.
  if (!list.names.includes('1') && processes.length === 0) {
    return {
      state: 'failed',
      path: list.path,
      reason: `${list.path} hides other users' processes (hidepid= or systemd ProtectProc=invisible/noaccess), so time-sync daemons cannot be seen; use ProtectProc=default or run with CAP_SYS_PTRACE`,
    };
  }
  io.record('commands', SCAN, processes.map((p) => `${p.pid} ${p.comm}\n`).join(''));
  return { state: 'ok', processes, path: list.path };
}

async function fromCapture({ io, signal }: SourceContext): Promise<Scan> {
  const r = await io.readText('commands', SCAN, { signal });
  if (r.state === 'absent') return { state: 'absent', reason: `the capture has no process scan (${r.path})`, path: r.path };
  if (r.state === 'failed') return { state: 'failed', reason: r.reason, path: r.path };
  const processes: TimesyncProcess[] = [];
  for (const line of r.text.split('\n')) {
    const m = /^\s*(\d+)\s+(\S.*)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const cmd = await io.readText('procfs', `${m[1]}/cmdline`, { signal });
    processes.push({ pid: Number(m[1]), comm: m[2].trim(), cmdline: cmd.state === 'ok' ? cmd.text : null });
  }
  return { state: 'ok', processes, path: r.path };
}

/**
 * chronyd updates its tracking figures at each clock update, every poll interval (64 s by default,
 * at least 16 s for NTP sources), so the agent runs `chronyc -c tracking` at most once a minute and
 * serves the last answer in between (a fresh one as soon as chronyd's PID changes).
 */
export const CHRONYC_MIN_INTERVAL_MS = 60_000;

async function chronycTracking(ctx: SourceContext, chronydPid: number | undefined): Promise<RunResult> {
  const memory = ctx.memory;
  if (memory === undefined) return ctx.io.run('chronyc-tracking', 'chronyc', ['-c', 'tracking'], ctx);
  const last = memory.keep<{ at: number; pid: number | undefined; result: RunResult | null }>('chronyc', () => ({ at: 0, pid: undefined, result: null }));
  if (last.result !== null && last.pid === chronydPid && performance.now() - last.at < CHRONYC_MIN_INTERVAL_MS) return last.result;
  const result = await ctx.io.run('chronyc-tracking', 'chronyc', ['-c', 'tracking'], ctx);
  Object.assign(last, { at: performance.now(), pid: chronydPid, result: result.state === 'ok' ? result : null });
  return result;
}

export const timesyncSource: Source<TimesyncRaw> = {
  name: 'timesync',
  async read(roots, ctx) {
    const { io } = ctx;
    const scan = roots.commands !== null ? await fromCapture(ctx) : await scanProcs(ctx);
    if (scan.state !== 'ok') return scan;
    const { processes, path } = scan;
    const modules: string[] = [];
    for (const m of Object.keys(TIMESYNC_MODULES)) if (await io.dirExists('sysfs', `module/${m}`, { sync: true })) modules.push(m);
    const ptpClockNames: string[] = [];
    const ptp = await io.listDir('sysfs', 'class/ptp', { sync: true });
    if (ptp.state === 'ok') {
      for (const dev of ptp.names.filter((n) => /^ptp\d+$/.test(n)).sort()) {
        const r = io.readTextSync('sysfs', `class/ptp/${dev}/clock_name`);
        if (r.state === 'ok') ptpClockNames.push(r.text.trim());
      }
    }
    let chronyTracking: string | null = null;
    let chronyTrackingPath: string | null = null;
    let note: string | undefined;
    if (processes.some((p) => p.comm === 'chronyd')) {
      const r = await chronycTracking(ctx, processes.find((p) => p.comm === 'chronyd')?.pid);
      if (r.state === 'ok') {
        chronyTracking = r.stdout;
        chronyTrackingPath = r.path;
      } else if (r.state === 'failed') {
        note = `chronyd runs, but ${r.reason}`;
      }
    }
    const raw: TimesyncRaw = { processes, modules, ptpClockNames, chronyTracking, chronyTrackingPath };
    return note === undefined ? { state: 'ok', raw, path } : { state: 'ok', raw, path, note };
  },
};
