/**
 * `/proc/timer_list` (v0.3–v0.10, formats.md §2) → TimerListFacts, as a streaming LineParser. Pure.
 *
 * Also reads the same text dumped into the kernel log by SysRq-Q: a leading `[ ts]` / `<N>` prefix is
 * removed from each line.
 *
 * - `versionNumber` is the minor number after `v0.` (v0.10 → 10), so versions compare as numbers.
 * - `tickMode`, `perCpuDevice`, `eventHandler`, `lapicDeadlineTscHz` come from the first per-CPU
 *   `Tick Device` block (never the broadcast one); `nohz`/`highres` from the first CPU section.
 * - `hz`: from `.resolution` when high-res is off (TICK_NSEC), else from `jiffies` and `now at`
 *   (jiffies starts at 2^32 − 300·HZ), picking among the HZ values kernels are built with; null when
 *   no candidate fits within 1 %.
 * - `truncated`: the header is there but no CPU or tick-device section (a cut capture).
 */
import type { TimerListFacts } from './facts.js';
import type { LineRef } from '../kind.js';
import { ParseError } from '../../errors.js';
import { excerpt, parseText } from '../text/lines.js';
import type { KindParser } from '../kind.js';
import { splitPrefix } from '../kernel-log/prefix.js';
import { safeInt } from '../../util/numbers.js';
import { TIMER_LIST_WORDS, timerListWants } from './wants.js';

const HZ_CANDIDATES = [100, 128, 250, 256, 300, 1000, 1024] as const;
const FIELD = /^\s*\.?([a-z_ ]+?)\s*:\s*(-?\d+)(?: nsecs)?\s*$/;

interface TickBlock {
  mode: number;
  broadcast: boolean;
  device: string | null;
  mult: number | null;
  shift: number | null;
  handler: string | null;
  line: number;
  excerpt: string;
}

/** HZ from jiffies and the monotonic time, or null when nothing fits. */
export function inferHz(jiffies: bigint, nowNs: number): number | null {
  if (nowNs <= 0) return null;
  let best: { hz: number; err: number } | null = null;
  for (const hz of HZ_CANDIDATES) {
    const initial = 2n ** 32n - 300n * BigInt(hz);
    const expected = (nowNs / 1e9) * hz;
    for (const mod of [2n ** 32n, 2n ** 64n]) {
      const ticks = Number((((jiffies - initial) % mod) + mod) % mod);
      const err = Math.abs(ticks - expected);
      if (best === null || err < best.err) best = { hz, err };
    }
  }
  if (best === null) return null;
  const expected = (nowNs / 1e9) * best.hz;
  return best.err <= Math.max(3, expected * 0.01) ? best.hz : null;
}

/** HZ from a low-resolution `.resolution` (TICK_NSEC, with old kernels' rounding artefacts). */
export function hzFromResolution(resolutionNs: number): number | null {
  if (resolutionNs <= 1) return null;
  const raw = 1e9 / resolutionNs;
  let best: number | null = null;
  for (const hz of HZ_CANDIDATES) if (best === null || Math.abs(hz - raw) < Math.abs(best - raw)) best = hz;
  return best !== null && Math.abs(best - raw) / best < 0.01 ? best : null;
}

/** Lines only /proc/timer_list prints: its header, `now at`, the CPU, clock-base and tick-device sections. */
const TIMER_LIST_LINE = /^(?:Timer List Version: v0\.\d+|HRTIMER_MAX_CLOCK_BASES:|now at \d+ nsecs|cpu: \d+\s*$|\s*clock \d+:|Tick Device: mode:|Clock Event Device: |Broadcast device|\s+\.(?:resolution|get_time|offset|expires_next|hres_active|nohz_mode|nohz|highres|idle_tick|tick_stopped|last_tick|next_timer|idle_jiffies|idle_calls|idle_sleeps|idle_entrytime|idle_waketime|idle_exittime|idle_sleeptime|iowait_sleeptime|last_jiffies|next_jiffies|idle_expires|nr_events|nr_retries|nr_hangs|max_hang_time)\b|jiffies: \d+|\s+(?:event_handler|mult|shift|max_delta_ns|min_delta_ns|mode|next_event|set_next_event|shutdown|periodic|oneshot|resume|retries|tick_broadcast_mask|tick_broadcast_oneshot_mask):)/;

/** The streaming `/proc/timer_list` parser. Throws ParseError from `finish()` when the text is not one. */
export function createTimerListParser(path: string | null = null): KindParser<TimerListFacts> {
  const refs: Record<string, LineRef> = {};
  let recognisedLines = 0;
  let version: string | null = null;
  let versionNumber: number | null = null;
  let nowNs: number | null = null;
  let nowNsApprox: number | null = null;
  const cpus = new Set<number>();
  let cpuSection = -1;
  let firstCpu: number | null = null;
  let hresActive: number | null = null;
  let highresFlag: number | null = null;
  let nohzMode: number | null = null;
  let nohzFlag: number | null = null;
  let resolution: number | null = null;
  let jiffies: bigint | null = null;
  const blocks: TickBlock[] = [];
  let cur: TickBlock | null = null;
  let sawAnything = false;

  return {
    wants: timerListWants(),
    // Its lines in a kernel log start with one of these words, or with a `.field` (never settled).
    quietOnClaimed: () => true,
    claimedWords: TIMER_LIST_WORDS,
    // A line without a `[`/`<` is read from its start: no word of it starts with a month name.
    quietOnDaemon: () => true,
    push(raw, lineNo) {
      let line = raw;
      const c = line.charCodeAt(0);
      if (c === 91 /* [ */ || c === 60 /* < */) line = splitPrefix(line).msg;
      const ref = (): LineRef => ({ line: lineNo, excerpt: excerpt(raw) });
      if (TIMER_LIST_LINE.test(line)) recognisedLines++;
      let m: RegExpExecArray | null;
      if ((m = /^Timer List Version: (v0\.(\d+))/.exec(line)) !== null) {
        version = m[1] ?? null;
        versionNumber = safeInt(m[2]);
        refs.version = ref();
        sawAnything = true;
        return;
      }
      if ((m = /^now at (\d+) nsecs/.exec(line)) !== null) {
        // Exact in the facts (null past 2^53 ns ≈ 104 days of uptime); HZ inference only needs it roughly.
        nowNs = safeInt(m[1]);
        nowNsApprox = m[1] !== undefined && m[1].length <= 19 ? Number(m[1]) : null;
        refs.nowNs = ref();
        sawAnything = true;
        return;
      }
      if ((m = /^cpu: (\d+)\s*$/.exec(line)) !== null) {
        cpuSection = Number(m[1]);
        cpus.add(cpuSection);
        if (firstCpu === null) firstCpu = cpuSection;
        cur = null;
        sawAnything = true;
        return;
      }
      if ((m = /^jiffies: (\d+)/.exec(line)) !== null) {
        if (jiffies === null) { jiffies = BigInt(m[1] ?? '0'); refs.jiffies = ref(); }
        return;
      }
      if ((m = /^Tick Device: mode:\s*(\d+)/.exec(line)) !== null) {
        cur = { mode: Number(m[1]), broadcast: false, device: null, mult: null, shift: null, handler: null, line: lineNo, excerpt: excerpt(raw) };
        blocks.push(cur);
        cpuSection = -1;
        sawAnything = true;
        return;
      }
      if (cur !== null) {
        if (/^Broadcast device/.test(line)) { cur.broadcast = true; return; }
        if ((m = /^Clock Event Device: (\S+)/.exec(line)) !== null) { cur.device = m[1] === '<NULL>' ? null : m[1] ?? null; return; }
        if ((m = /^\s+event_handler:\s+(\S+)/.exec(line)) !== null) { cur.handler = m[1] ?? null; return; }
        if ((m = /^\s+mult:\s+(\d+)/.exec(line)) !== null) { cur.mult = safeInt(m[1]); return; }
        if ((m = /^\s+shift:\s+(\d+)/.exec(line)) !== null) { cur.shift = safeInt(m[1]); return; }
        return;
      }
      if (cpuSection >= 0 && cpuSection === firstCpu) {
        m = FIELD.exec(line);
        if (m === null) return;
        const key = m[1] ?? '';
        const v = safeInt(m[2]);
        if (v === null) return;
        if (key === 'hres_active' && hresActive === null) { hresActive = v; refs.highres = ref(); }
        else if (key === 'highres' && highresFlag === null) { highresFlag = v; refs.highres = ref(); }
        else if (key === 'nohz_mode' && nohzMode === null) { nohzMode = v; refs.nohz = ref(); }
        else if (key === 'nohz' && nohzFlag === null) { nohzFlag = v; refs.nohz = ref(); }
        else if (key === 'resolution' && resolution === null) { resolution = v; refs.resolution = ref(); }
      }
    },
    recognised: () => recognisedLines,
    finish() {
      if (!sawAnything) throw new ParseError('not /proc/timer_list: no "Timer List Version" header, CPU or tick-device section', null, path);
      const names: string[] = [];
      for (const b of blocks) if (b.device !== null && !names.includes(b.device)) names.push(b.device);
      const broadcast = blocks.find((b) => b.broadcast);
      const perCpu = blocks.find((b) => !b.broadcast);
      if (perCpu !== undefined) {
        refs.tickMode = { line: perCpu.line, excerpt: perCpu.excerpt };
        refs.perCpuDevice = { line: perCpu.line, excerpt: perCpu.excerpt };
      }
      const highres = highresFlag ?? hresActive;
      let hz: number | null = null;
      if (highres === 0 && resolution !== null) hz = hzFromResolution(resolution);
      if (hz !== null && refs.resolution !== undefined) refs.hz = refs.resolution;
      if (hz === null && jiffies !== null && nowNsApprox !== null) {
        hz = inferHz(jiffies, nowNsApprox);
        if (hz !== null && refs.jiffies !== undefined) refs.hz = refs.jiffies;
      }
      if (broadcast !== undefined) refs.broadcastDevice = { line: broadcast.line, excerpt: broadcast.excerpt };
      let lapicDeadlineTscHz: number | null = null;
      if (perCpu?.device === 'lapic-deadline' && perCpu.mult !== null && perCpu.shift !== null) {
        const hzv = Math.round((8 * perCpu.mult * 1e9) / 2 ** perCpu.shift);
        lapicDeadlineTscHz = Number.isSafeInteger(hzv) ? hzv : null;
      }
      const nohz = nohzFlag !== null ? nohzFlag >= 1 : nohzMode !== null ? nohzMode >= 1 : null;
      return {
        path,
        refs,
        version,
        versionNumber,
        nowNs,
        cpus: cpus.size,
        tickMode: perCpu === undefined ? null : perCpu.mode === 0 ? 'periodic' : perCpu.mode === 1 ? 'oneshot' : null,
        nohz,
        highres: highres === null ? null : highres >= 1,
        clockEventDevices: names,
        broadcastDevice: broadcast?.device ?? null,
        perCpuDevice: perCpu?.device ?? null,
        eventHandler: perCpu?.handler ?? null,
        hz,
        lapicDeadlineTscHz,
        truncated: cpus.size === 0 || blocks.length === 0,
      };
    },
  };
}

/** Parse a whole `/proc/timer_list` text. */
export function parseTimerList(text: string, path: string | null = null): TimerListFacts {
  return parseText(createTimerListParser(path), text);
}
