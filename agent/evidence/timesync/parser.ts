/**
 * Time-sync daemons found through procfs (+ kernel modules and PTP clocks) → TimesyncFacts. Pure.
 */
import type { TimeSyncDaemon, TimeSyncDaemonName, TimesyncFacts } from './facts.js';
import { parseChronyTracking } from './chrony-tracking.js';
import { safeInt } from '../../util/numbers.js';

/** One process the source matched, with its raw `comm` and NUL-separated `cmdline`. */
export interface TimesyncProcess {
  pid: number;
  comm: string;
  cmdline: string | null;
}

/** What the `timesync` source read. */
export interface TimesyncRaw {
  processes: TimesyncProcess[];
  /** Kernel modules (of TIMESYNC_MODULES) whose /sys/module directory exists. */
  modules: string[];
  /** `clock_name` of each /sys/class/ptp/ptpN. */
  ptpClockNames: string[];
  /** `chronyc -c tracking` output when chronyd runs and chronyc answered. */
  chronyTracking: string | null;
  chronyTrackingPath: string | null;
}

/**
 * `/proc/PID/comm` values that are time-sync daemons. comm is cut to 15 bytes, hence
 * `systemd-timesyn`. OpenNTPD's processes are called `ntpd` too; its cmdline tells them apart.
 */
export const TIMESYNC_COMMS: Readonly<Record<string, TimeSyncDaemonName>> = {
  chronyd: 'chronyd',
  ntpd: 'ntpd',
  'systemd-timesyn': 'systemd-timesyncd',
  VBoxService: 'VBoxService',
  vmtoolsd: 'vmtoolsd',
  openntpd: 'openntpd',
};

/** Kernel modules that keep the guest clock in step with the host. */
export const TIMESYNC_MODULES: Readonly<Record<string, TimeSyncDaemonName>> = {
  hv_utils: 'hv_utils',
  ptp_kvm: 'ptp_kvm',
};

function ptpDaemon(clockName: string): TimeSyncDaemonName | null {
  if (/hyperv/i.test(clockName)) return 'hv_utils';
  if (/kvm/i.test(clockName)) return 'ptp_kvm';
  return null;
}

/** Split a /proc cmdline (NUL-separated) into arguments. */
function argvOf(cmdline: string): string[] {
  const parts = cmdline.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

const VALUE_OPTIONS = new Set([
  '--timesync-latency-factor', '--timesync-max-latency', '--timesync-verbosity', '--pidfile', '--logfile',
  '--logfile-max-size', '--logfile-max-files', '--logfile-max-time', '--verbosity',
]);


/**
 * VBoxService's switches (RTGetOpt: `--opt value`, `--opt=value`, `--opt:value`). The timesync service
 * runs unless `--disable-timesync`, or another service was picked with `--only-X`.
 */
export function vboxTimesyncOptions(argv: readonly string[]): NonNullable<TimeSyncDaemon['vboxTimesync']> {
  const opts: NonNullable<TimeSyncDaemon['vboxTimesync']> = {
    enabled: true, intervalMs: null, minAdjustMs: null, setThresholdMs: null, setStart: null, setOnRestore: null,
  };
  let globalIntervalS: number | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^(--[A-Za-z-]+)(?:[=:](.*))?$/.exec(a);
    if (!m) continue;
    const name = m[1] ?? '';
    const value = (): string | undefined => (m[2] !== undefined ? m[2] : argv[++i]);
    switch (name) {
      case '--disable-timesync': opts.enabled = false; break;
      case '--enable-timesync': case '--only-timesync': opts.enabled = true; break;
      case '--timesync-interval': opts.intervalMs = safeInt(value()); break;
      case '--interval': globalIntervalS = safeInt(value()); break;
      case '--timesync-min-adjust': opts.minAdjustMs = safeInt(value()); break;
      case '--timesync-set-threshold': opts.setThresholdMs = safeInt(value()); break;
      case '--timesync-set-start': opts.setStart = true; break;
      case '--timesync-no-set-start': opts.setStart = false; break;
      case '--timesync-set-on-restore': opts.setOnRestore = true; break;
      case '--timesync-no-set-on-restore': opts.setOnRestore = false; break;
      default:
        // Options we do not report still consume their value, so it is not read as an option.
        if (VALUE_OPTIONS.has(name) && m[2] === undefined) i++;
        if (name.startsWith('--only-')) opts.enabled = false;
    }
  }
  // The global --interval (seconds) is the timesync default when --timesync-interval is not given.
  if (opts.intervalMs === null && globalIntervalS !== null) opts.intervalMs = globalIntervalS * 1000;
  return opts;
}

function isOpenntpd(p: TimesyncProcess): boolean {
  return p.comm === 'openntpd' || /^ntpd: (ntp|dns|constraint) engine/.test(p.cmdline ?? '') || /openntpd/.test(p.cmdline ?? '');
}

/** Build TimesyncFacts. Throws ParseError (from the chronyc parser) on unreadable chronyc output. */
export function parseTimesync(raw: TimesyncRaw, path: string | null = null): TimesyncFacts {
  const daemons: TimeSyncDaemon[] = [];
  const seen = new Set<TimeSyncDaemonName>();
  const add = (d: TimeSyncDaemon): void => {
    if (seen.has(d.name)) return;
    seen.add(d.name);
    daemons.push(d);
  };
  for (const p of [...raw.processes].sort((a, b) => a.pid - b.pid)) {
    const comm = p.comm.trim();
    let name = TIMESYNC_COMMS[comm];
    if (name === undefined) continue;
    if (name === 'ntpd' && isOpenntpd(p)) name = 'openntpd';
    const argv = p.cmdline === null ? [] : argvOf(p.cmdline);
    const d: TimeSyncDaemon = { name, pid: p.pid, cmdline: argv.length > 0 ? argv.join(' ') : null };
    if (name === 'VBoxService') d.vboxTimesync = vboxTimesyncOptions(argv);
    add(d);
  }
  for (const m of raw.modules) {
    const name = TIMESYNC_MODULES[m];
    if (name !== undefined) add({ name, pid: null, cmdline: null });
  }
  for (const c of raw.ptpClockNames) {
    const name = ptpDaemon(c);
    if (name !== null) add({ name, pid: null, cmdline: null });
  }
  const chronyTracking = raw.chronyTracking === null ? null : parseChronyTracking(raw.chronyTracking, raw.chronyTrackingPath);
  return { path, refs: {}, daemons, chronyTracking };
}
