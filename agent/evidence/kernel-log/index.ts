/**
 * `kernel-log`: the kernel's messages about time (dmesg in every prefix style, /dev/kmsg, journal,
 * syslog, kern.log with several boots, pasted excerpts). Facts are from the last boot of a file.
 */
import { defineKind, fillMerge, conflicts } from '../kind.js';
import { parseText } from '../text/lines.js';
import { createKernelLogParser } from './parser.js';
import { kernelLogSource } from './source.js';
import type { KernelLogFacts } from './facts.js';
import { kernelLogHints } from './hints.js';

const khzAsMhz = (k: number): string => `${(k / 1000).toFixed(3)} MHz`;

function keyFacts(k: KernelLogFacts): string[] {
  const bits = [
    k.kernelVersion ? `Linux ${k.kernelVersion}` : 'kernel log',
    k.hypervisor ? `hypervisor ${k.hypervisor}` : 'no hypervisor line',
    k.finalClocksource ? `clocksource ${k.finalClocksource}` : '',
    k.tscDetectedKhz !== null ? `tsc ${khzAsMhz(k.tscDetectedKhz)}${k.tscCalibration ? ` (${k.tscCalibration})` : ''}` : '',
    k.tscRefinedKhz !== null ? `refined ${khzAsMhz(k.tscRefinedKhz)}` : '',
    k.tscFromHypervisorKhz !== null ? `from hypervisor ${khzAsMhz(k.tscFromHypervisorKhz)}` : '',
    k.tscUnstable ? 'TSC marked unstable' : '',
    k.boots > 1 ? `${k.boots} boots (last one shown)` : '',
  ].filter((x) => x);
  return [`Guest: ${bits.join('; ')}`];
}

/**
 * Two excerpts of one boot's log become one (a `grep clock` beside a `grep watchdog`); two logs that
 * each hold a boot's start, or that name different kernels or machines, are two boots or machines.
 */
function merge(a: KernelLogFacts, b: KernelLogFacts): KernelLogFacts | null {
  if (a.refs.kernelVersion !== undefined && b.refs.kernelVersion !== undefined) return null;
  if (conflicts(a.kernelVersion, b.kernelVersion) || conflicts(a.dmi, b.dmi) || conflicts(a.commandLine, b.commandLine)) return null;
  const m = fillMerge(a, b);
  // The clocksource in use is the one switched to last; excerpts are not in time order.
  const last = [...m.clocksourceSwitches].sort((x, y) => (x.atSeconds ?? -1) - (y.atSeconds ?? -1)).pop();
  return {
    ...m,
    boots: Math.max(a.boots, b.boots),
    finalClocksource: last?.to ?? null,
    refs: last !== undefined ? { ...m.refs, finalClocksource: { line: last.line, excerpt: last.excerpt, ...(last.path !== undefined ? { path: last.path } : {}) } } : m.refs,
    tscUnstable: a.tscUnstable || b.tscUnstable,
    kvmClock: a.kvmClock || b.kvmClock,
  };
}

export const kernelLogKind = defineKind({
  name: 'kernel-log',
  key: 'kernelLog',
  title: 'kernel log',
  createParser: createKernelLogParser,
  merge,
  keyFacts,
  hints: kernelLogHints,
  collector: {
    help: 'kernel log: /dev/kmsg, else dmesg, else journalctl -k -b (needs CAP_SYSLOG when kernel.dmesg_restrict=1)',
    defaultOn: true,
    liveOnly: false,
    source: kernelLogSource,
    parse: (raw, path) => ({ ...parseText(createKernelLogParser(path), raw.text), path }),
  },
});
