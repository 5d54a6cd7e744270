/**
 * `clockdoctor check`: collect this machine (or a capture with --from), diagnose with the same
 * analyzers and model as `analyze`, print the same report / the same `--json` document. Collectors
 * that could not read something say what and why; an unprivileged run still works.
 */
import type { CommandModule } from 'yargs';
import { collectSnapshot } from '../collect.js';
import { diagnose, exitCodeFor } from '../diagnose.js';
import { renderReport } from '../outputs/report.js';
import { renderJson } from '../outputs/json.js';
import { printable } from '../util/sanitize.js';
import { groupDigits } from '../util/format.js';
import type { Facts } from '../facts.js';
import type { SourceStatus } from '../snapshot.js';
import { parseHostTscHz, stdoutReportOptions } from './report-flags.js';
import { withCollectorOptions, collectorSetup, type CollectorArgs } from './collector-options.js';

interface CheckArgs extends CollectorArgs {
  json: boolean;
  color: boolean;
  'host-tsc-hz'?: string;
}

const mhz = (khz: number): string => `${(khz / 1000).toFixed(3)} MHz`;

/** The facts only a live guest (or its capture) has, which the shared report does not list. */
export function machineFacts(f: Facts): string[] {
  const out: string[] = [];
  const h = f.hypervisor;
  if (h !== null) {
    const why = [h.dmiSysVendor && `DMI ${h.dmiSysVendor}${h.dmiProductName ? ` / ${h.dmiProductName}` : ''}`, h.acpiOemId && `ACPI OEM ${h.acpiOemId}`, h.sysHypervisorType && `hypervisor/type ${h.sysHypervisorType}`]
      .filter((x): x is string => typeof x === 'string' && x !== '');
    out.push(`platform: ${h.platform ?? 'not identified'}${why.length > 0 ? ` (${why.join('; ')})` : ''}`);
  }
  if (f.kernelLog?.hypervisor) out.push(`hypervisor (kernel): ${f.kernelLog.hypervisor}`);
  else if (f.cpuinfo?.hypervisorFlag) out.push('hypervisor: yes (cpuinfo hypervisor flag; the kernel log would name it)');
  if (f.kernelLog === null && f.cpuinfo?.cpuKhz != null) out.push(`TSC rate: ${mhz(f.cpuinfo.cpuKhz)} (cpuinfo "cpu MHz", the kernel's cpu_khz on a VM; the kernel log would say more)`);
  if (f.timerList?.lapicDeadlineTscHz != null) out.push(`TSC rate read back from the lapic-deadline timer: ${groupDigits(f.timerList.lapicDeadlineTscHz)} Hz`);
  if (f.timerList === null) {
    const nohz = f.cmdline?.nohz;
    out.push(`tick mode: unknown without /proc/timer_list${nohz ? ` (cmdline nohz=${nohz})` : ''}`);
  }
  const ce = f.clockevents;
  if (ce !== null) {
    const names = [...new Set(ce.devices.map((d) => d.current).filter((x): x is string => x !== null))];
    out.push(`clockevents: ${names.join(', ') || 'none'} on ${ce.devices.length} device${ce.devices.length === 1 ? '' : 's'}; broadcast ${ce.broadcast ?? 'none'}`);
  }
  const c = f.cmdline;
  if (c !== null) {
    const opts = [
      c.clocksource && `clocksource=${c.clocksource}`, ...c.tsc.map((t) => `tsc=${t}`), c.notsc && 'notsc', c.noKvmclock && 'no-kvmclock',
      c.nohz && `nohz=${c.nohz}`, c.nohzFull && `nohz_full=${c.nohzFull}`, c.divider !== null && `divider=${c.divider}`, c.hpet && `hpet=${c.hpet}`,
      c.lpj !== null && `lpj=${c.lpj}`, c.tscEarlyKhz !== null && `tsc_early_khz=${c.tscEarlyKhz}`,
    ].filter((x): x is string => typeof x === 'string' && x !== '');
    out.push(`kernel command line: ${opts.length > 0 ? opts.join(' ') : 'no clock options'}`);
  }
  const ts = f.timesync;
  if (ts !== null) {
    const ds = ts.daemons.map((d) => {
      const vb = d.vboxTimesync ? (d.vboxTimesync.enabled ? ' (timesync on)' : ' (timesync disabled)') : '';
      return `${d.name}${d.pid !== null ? ` pid ${d.pid}` : ''}${vb}`;
    });
    out.push(`time sync: ${ds.length > 0 ? ds.join(', ') : 'no daemon running'}`);
    const t = ts.chronyTracking;
    if (t !== null) {
      out.push(`  chrony: reference ${t.referenceId}${t.referenceName ? ` (${t.referenceName})` : ''}, stratum ${t.stratum}, frequency ${t.frequencyPpm.toFixed(3)} ppm, offset ${t.systemTimeOffsetSeconds.toExponential(2)} s, leap ${t.leapStatus}`);
    }
  }
  const r = f.rtc;
  if (r !== null) {
    const dev = r.present ? `${r.name ?? 'rtc0'}${r.hctosys === true ? ', sets the clock at boot' : ''}` : 'no RTC device';
    out.push(`RTC: ${dev}${r.adjtime ? `; /etc/adjtime ${r.adjtime.mode}` : ''}`);
  }
  const k = f.clockReadCost;
  if (k !== null) {
    const how = k.vdso === null ? 'vDSO or system call: unknown' : k.vdso ? 'read in the vDSO (no system call)' : 'every read is a system call';
    out.push(`clock read: ${k.clocksource ?? '?'} — ${how}${k.nsPerRead !== null ? `; ${k.nsPerRead} ns per read from Node` : ''}`);
  }
  return out;
}

/** Collector statuses: a count, then every one that is not ok with its reason. */
export function collectorLines(sources: Record<string, SourceStatus>): string[] {
  const all = Object.entries(sources);
  const count = (s: SourceStatus['state']): number => all.filter(([, v]) => v.state === s).length;
  const out = [`Collectors: ${count('ok')} ok, ${count('absent')} absent, ${count('failed')} failed`];
  for (const [name, s] of all) {
    if (s.state !== 'ok') out.push(`  ${name}: ${s.state}${s.error ? ` — ${s.error}` : ''}`);
    else if (s.error) out.push(`  ${name}: ok; ${s.error}`);
  }
  return out;
}

/** Put our blocks before the report's verdict line (its last block), or at the end if there is none. */
function insertBeforeVerdict(report: string, blocks: string[]): string {
  const i = report.lastIndexOf('\n\nVerdict: ');
  const extra = blocks.join('\n\n');
  if (i < 0) return `${report}\n${extra}\n`;
  return `${report.slice(0, i)}\n\n${extra}${report.slice(i)}`;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Diagnose the clock of this machine (or of a capture with --from): same report and --json as analyze',
  builder: (y) =>
    withCollectorOptions(y)
      .option('json', { type: 'boolean', default: false, describe: 'print the JSON document (docs/json-schema.md) instead of the report' })
      .option('color', { type: 'boolean', default: true, describe: 'colour the report (only on a terminal; --no-color or NO_COLOR turn it off)' })
      .option('host-tsc-hz', { type: 'string', requiresArg: true, describe: 'the true host TSC rate, when you know it: 3400109000, 3400.109MHz, 3.4GHz' })
      .example('$0 check', 'diagnose this guest (as root for the kernel log and /proc/timer_list)')
      .example('$0 check --json | jq .sources', 'what each collector could read, and why not')
      .example('$0 check --from ./capture', 'diagnose a capture written by `clockdoctor collect`')
      .example('$0 check --no-collector.kernel-log', 'skip one collector')
      .epilogue('Exit codes: 0 healthy, 1 warnings, 2 critical, 64 usage error, 66 --from directory missing or nothing readable. A collector that cannot read its source does not change the exit code (it is listed with the reason); when none can read anything, the exit code is 66.') as never,
  handler: async (argv) => {
    const setup = collectorSetup(argv);
    const hostTscHz = parseHostTscHz(argv['host-tsc-hz']);
    const snap = await collectSnapshot(setup.roots, { ...setup.collect, ...(hostTscHz !== undefined ? { user: { hostTscHz } } : {}) });
    const result = diagnose(snap.facts, { sources: snap.sources });
    if (argv.json) {
      process.stdout.write(renderJson(result));
      for (const [name, s] of Object.entries(snap.sources)) {
        if (s.state === 'failed') process.stderr.write(`clockdoctor: ${name}: ${printable(s.error ?? 'failed')}\n`);
      }
    } else {
      const report = renderReport(result, stdoutReportOptions(argv.color));
      const where = setup.live ? 'This machine' : `Capture ${argv.from ?? ''}`;
      const machine = machineFacts(result.facts).map((l) => `  ${printable(l)}`);
      const blocks = [[where, ...machine].join('\n'), collectorLines(snap.sources).map(printable).join('\n')];
      process.stdout.write(insertBeforeVerdict(report, blocks));
    }
    process.exitCode = exitCodeFor(result);
  },
};
