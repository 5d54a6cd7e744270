/**
 * The explicit list of collectors: one name end to end (source ↔ parser ↔ fact key ↔
 * `--[no-]collector.NAME` ↔ `clockdoctor_collector_success{collector="NAME"}`). Adding a collector
 * means one source file, one parser file and one entry here.
 */
import type { Facts, FactKey } from './facts.js';
import type { Source } from './sources/source.js';
import { clocksourceSource } from './sources/clocksource.js';
import { clockeventsSource } from './sources/clockevents.js';
import { kernelLogSource } from './sources/kernel-log.js';
import { timerListSource } from './sources/timer-list.js';
import { cpuinfoSource } from './sources/cpuinfo.js';
import { cmdlineSource } from './sources/cmdline.js';
import { timesyncSource } from './sources/timesync.js';
import { rtcSource } from './sources/rtc.js';
import { hypervisorSource } from './sources/hypervisor.js';
import { clockReadCostSource } from './sources/clock-read-cost.js';
import { parseClocksource } from './parsers/clocksource.js';
import { parseClockevents } from './parsers/clockevents.js';
import { createKernelLogParser } from './parsers/kernel-log.js';
import { parseTimerList } from './parsers/timer-list.js';
import { parseCpuinfo } from './parsers/cpuinfo.js';
import { parseCmdline } from './parsers/cmdline.js';
import { parseTimesync } from './parsers/timesync.js';
import { parseRtc } from './parsers/rtc.js';
import { parseHypervisor } from './parsers/hypervisor.js';
import { parseClockReadCost } from './parsers/clock-read-cost.js';
import { parseText } from './parsers/lines.js';

/** Collectors have a section in Facts; `vbox` is a host file, never collected on a guest. */
export type CollectorFactKey = Exclude<FactKey, 'vbox'>;

/** One collector: a source (I/O) and the pure parser that turns its raw output into one fact section. */
export interface Collector<K extends CollectorFactKey = CollectorFactKey, R = unknown> {
  name: string;
  factKey: K;
  /** One line for `--help`. */
  help: string;
  defaultOn: boolean;
  /** Measures the running system; skipped (absent) for a capture. */
  liveOnly: boolean;
  source: Source<R>;
  parse(raw: R, path: string | null): NonNullable<Facts[K]>;
}

function define<K extends CollectorFactKey, R>(c: Collector<K, R>): Collector {
  return c as unknown as Collector;
}

export const COLLECTORS: readonly Collector[] = [
  define({
    name: 'clocksource', factKey: 'clocksource', defaultOn: true, liveOnly: false,
    help: 'current and available clocksource of every clocksourceN (sysfs)',
    source: clocksourceSource, parse: parseClocksource,
  }),
  define({
    name: 'clockevents', factKey: 'clockevents', defaultOn: true, liveOnly: false,
    help: 'clock event device of every clockeventN and the broadcast device (sysfs)',
    source: clockeventsSource, parse: (raw, path) => parseClockevents(raw.devices, raw.broadcast, path),
  }),
  define({
    name: 'kernel-log', factKey: 'kernelLog', defaultOn: true, liveOnly: false,
    help: 'kernel log: /dev/kmsg, else dmesg, else journalctl -k -b (needs CAP_SYSLOG when kernel.dmesg_restrict=1)',
    source: kernelLogSource,
    parse: (raw, path) => ({ ...parseText(createKernelLogParser(path), raw.text), path }),
  }),
  define({
    name: 'timer-list', factKey: 'timerList', defaultOn: true, liveOnly: false,
    help: 'timer_list (procfs): tick mode, NO_HZ, clock event devices (root only on modern kernels)',
    source: timerListSource, parse: (raw, path) => parseTimerList(raw.text, path),
  }),
  define({
    name: 'cpuinfo', factKey: 'cpuinfo', defaultOn: true, liveOnly: false,
    help: 'cpuinfo (procfs): TSC flags, hypervisor flag, cpu MHz',
    source: cpuinfoSource, parse: (raw, path) => parseCpuinfo(raw.text, path),
  }),
  define({
    name: 'cmdline', factKey: 'cmdline', defaultOn: true, liveOnly: false,
    help: 'kernel command line (procfs cmdline): clocksource=, tsc=, notsc, no-kvmclock, nohz=, divider=',
    source: cmdlineSource, parse: (raw, path) => parseCmdline(raw.text, path),
  }),
  define({
    name: 'timesync', factKey: 'timesync', defaultOn: true, liveOnly: false,
    help: 'time-sync daemons (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, openntpd, hv_utils, ptp_kvm) and chronyc tracking',
    source: timesyncSource, parse: parseTimesync,
  }),
  define({
    name: 'rtc', factKey: 'rtc', defaultOn: true, liveOnly: false,
    help: 'RTC (/sys/class/rtc/rtc0) and /etc/adjtime (UTC or LOCAL)',
    source: rtcSource, parse: parseRtc,
  }),
  define({
    name: 'hypervisor', factKey: 'hypervisor', defaultOn: true, liveOnly: false,
    help: 'hypervisor and platform: /sys/hypervisor/type, DMI vendor, ACPI OEM ID',
    source: hypervisorSource, parse: parseHypervisor,
  }),
  define({
    name: 'clock-read-cost', factKey: 'clockReadCost', defaultOn: true, liveOnly: true,
    help: 'whether reading the clock is a vDSO call or a system call, and ns per read (live only)',
    source: clockReadCostSource, parse: parseClockReadCost,
  }),
];

/** Every collector name, in list order. */
export const COLLECTOR_NAMES: readonly string[] = COLLECTORS.map((c) => c.name);

/** Names of the collectors that are on unless switched off. */
export function defaultCollectors(): Set<string> {
  return new Set(COLLECTORS.filter((c) => c.defaultOn).map((c) => c.name));
}
