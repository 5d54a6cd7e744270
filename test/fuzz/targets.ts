/**
 * Every parser, as a fuzz target: how to feed it a buffer, and which real captures seed it.
 * Line parsers are fed bytes through the real LineSplitter; whole-text parsers get the decoded text
 * in every slot their raw input has.
 */
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { createCpuinfoParser } from '../../agent/evidence/cpuinfo/parser.js';
import { createTimerListParser } from '../../agent/evidence/timer-list/parser.js';
import type { LineParser } from '../../agent/evidence/text/lines.js';
import { parseClocksource, parseClocksourceFile } from '../../agent/evidence/clocksource/parser.js';
import { parseClockevents } from '../../agent/evidence/clockevents/parser.js';
import { parseCmdline } from '../../agent/evidence/cmdline/parser.js';
import { parseChronyTracking } from '../../agent/evidence/timesync/chrony-tracking.js';
import { parseRtc } from '../../agent/evidence/rtc/parser.js';
import { parseTimesync } from '../../agent/evidence/timesync/parser.js';
import { parseHypervisor } from '../../agent/evidence/hypervisor/parser.js';
import { parseClockReadCost } from '../../agent/evidence/clock-read-cost/parser.js';

export interface LineTarget {
  name: string;
  seedKind: string;
  /** Also require every number to be within ±2^53: exactly what the input said, or null. */
  exactNumbers: boolean;
  create(): LineParser<unknown>;
}

export const LINE_TARGETS: LineTarget[] = [
  { name: 'vbox', seedKind: 'vbox', exactNumbers: true, create: () => createVboxParser('fuzz') },
  { name: 'kernel-log', seedKind: 'dmesg', exactNumbers: true, create: () => createKernelLogParser('fuzz') },
  { name: 'cpuinfo', seedKind: 'cpuinfo', exactNumbers: true, create: () => createCpuinfoParser('fuzz') },
  { name: 'timer-list', seedKind: 'timer_list', exactNumbers: true, create: () => createTimerListParser('fuzz') },
];

export interface TextTarget {
  name: string;
  /** Integers-only sections: every number must be within ±2^53 (off where fields are floats, e.g. chronyc's 1e-3). */
  exactNumbers: boolean;
  /** Real-format examples (captured files, or the exact output shape when no capture exists). */
  examples: string[];
  parse(text: string, bytes: Buffer): unknown;
}

// The live capture's files, and one real `chronyc -c tracking` line shape (chrony 4.3 client.c CSV).
const CHRONY = 'A29FC87B,ntp.example.org,3,1763780000.123456789,0.000012345,-0.000001234,0.000023456,-12.345,0.001,0.020,0.012345678,0.000987654,64.2,Normal\n';

export const TEXT_TARGETS: TextTarget[] = [
  { name: 'clocksource (file)', exactNumbers: true, examples: ['tsc\n', 'tsc kvm-clock \n', 'kvm-clock tsc hpet acpi_pm \n'], parse: (t) => parseClocksourceFile(t, 'fuzz') },
  {
    name: 'clocksource (sysfs)', exactNumbers: true,
    examples: ['tsc\n', 'tsc kvm-clock \n'],
    parse: (t) => parseClocksource([{ device: '0', current: t, available: t }, { device: t.slice(0, 3), current: null, available: t }], 'fuzz'),
  },
  {
    name: 'clockevents', exactNumbers: true,
    examples: ['lapic-deadline\n', '\n', 'hpet\n'],
    parse: (t) => parseClockevents([{ name: 'clockevent0', current: t }, { name: `clockevent${t.slice(0, 4)}`, current: t }], t, 'fuzz'),
  },
  { name: 'cmdline', exactNumbers: true, examples: ['console=ttyS0 reboot=k panic=1 pci=off clocksource=tsc tsc=reliable nohz=on "quoted=a b" -- init\n'], parse: (t) => parseCmdline(t, 'fuzz') },
  { name: 'chrony-tracking', exactNumbers: false, examples: [CHRONY], parse: (t) => parseChronyTracking(t, 'fuzz') },
  {
    name: 'rtc', exactNumbers: false,
    examples: ['0.000000 1763780000 0.000000\n1763780000\nUTC\n', '12.5 0 0\n0\nLOCAL\n'],
    parse: (t) => parseRtc({ rtc0: { name: t, sinceEpoch: t, hctosys: t }, adjtime: t, adjtimePath: 'fuzz' }, 'fuzz'),
  },
  {
    name: 'timesync', exactNumbers: true,
    examples: ['/usr/sbin/VBoxService\0--timesync-interval\x0010000\0--timesync-set-threshold\x001000\0'],
    parse: (t) => parseTimesync({
      processes: [{ pid: 1, comm: 'VBoxService', cmdline: t }, { pid: 2, comm: t.slice(0, 15), cmdline: t }, { pid: 3, comm: 'chronyd', cmdline: null }],
      modules: ['hv_utils', t.slice(0, 10)],
      ptpClockNames: [t, 'hyperv'],
      chronyTracking: t,
      chronyTrackingPath: 'fuzz',
    }, 'fuzz'),
  },
  {
    name: 'hypervisor', exactNumbers: true,
    examples: ['innotek GmbH\n', 'xen\n'],
    parse: (t, b) => parseHypervisor({ sysHypervisorType: t, dmiSysVendor: t, dmiProductName: t, dmiBiosVendor: t, acpiFacpHeader: new Uint8Array(b.subarray(0, 64)) }, 'fuzz'),
  },
  {
    name: 'clock-read-cost', exactNumbers: true,
    examples: ['tsc\n'],
    parse: (t, b) => parseClockReadCost({ clocksource: t, samplesNs: [...b.subarray(0, 16)].map((x) => x - 100) }, 'fuzz'),
  },
];
