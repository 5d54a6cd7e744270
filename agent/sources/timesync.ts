/**
 * `timesync`: time-sync daemons, found by scanning /proc/[0-9]*\/comm (+ cmdline of the matches),
 * the modules hv_utils/ptp_kvm in /sys/module, PTP clock names, and `chronyc -c tracking` when chronyd runs.
 * Only the matching processes are recorded for a capture — never the whole process table.
 */
import type { Source } from './source.js';
import { notOk } from './source.js';
import { TIMESYNC_COMMS, TIMESYNC_MODULES, type TimesyncProcess, type TimesyncRaw } from '../parsers/timesync.js';

export const timesyncSource: Source<TimesyncRaw> = {
  name: 'timesync',
  async read(_roots, ctx) {
    const { io, signal } = ctx;
    const list = await io.listDir('procfs', '.');
    if (list.state !== 'ok') return notOk(list);
    const pids = list.names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
    const processes: TimesyncProcess[] = [];
    for (const pid of pids) {
      if (signal.aborted) break;
      const comm = await io.readText('procfs', `${pid}/comm`, { record: false });
      // A process that exited or that ProtectProc hides is simply not there.
      if (comm.state !== 'ok') continue;
      const name = comm.text.trim();
      if (TIMESYNC_COMMS[name] === undefined) continue;
      io.record('procfs', `${pid}/comm`, comm.text);
      const cmd = await io.readText('procfs', `${pid}/cmdline`);
      processes.push({ pid: Number(pid), comm: name, cmdline: cmd.state === 'ok' ? cmd.text : null });
    }
    const modules: string[] = [];
    for (const m of Object.keys(TIMESYNC_MODULES)) if (await io.dirExists('sysfs', `module/${m}`)) modules.push(m);
    const ptpClockNames: string[] = [];
    const ptp = await io.listDir('sysfs', 'class/ptp');
    if (ptp.state === 'ok') {
      for (const dev of ptp.names.filter((n) => /^ptp\d+$/.test(n)).sort()) {
        const r = await io.readText('sysfs', `class/ptp/${dev}/clock_name`);
        if (r.state === 'ok') ptpClockNames.push(r.text.trim());
      }
    }
    let chronyTracking: string | null = null;
    let chronyTrackingPath: string | null = null;
    let note: string | undefined;
    if (processes.some((p) => p.comm === 'chronyd')) {
      const r = await io.run('chronyc-tracking', 'chronyc', ['-c', 'tracking'], ctx);
      if (r.state === 'ok') {
        chronyTracking = r.stdout;
        chronyTrackingPath = r.path;
      } else if (r.state === 'failed') {
        note = `chronyd runs but ${r.reason}`;
      }
    }
    const raw: TimesyncRaw = { processes, modules, ptpClockNames, chronyTracking, chronyTrackingPath };
    return note === undefined ? { state: 'ok', raw, path: list.path } : { state: 'ok', raw, path: list.path, note };
  },
};
