/**
 * `kernel-log`: the kernel's messages about time (dmesg in every prefix style, /dev/kmsg, journal,
 * syslog, kern.log with several boots, pasted excerpts) of a guest, a host or bare metal. Facts are
 * from the last boot of a file.
 */
import { defineKind, fillMerge, conflicts } from '../kind.js';
import { parseText } from '../text/lines.js';
import { createKernelLogParser } from './parser.js';
import { kernelLogSource } from './source.js';
import type { HypervFacts, KernelLogFacts, XenFacts } from './facts.js';
import { kernelLogHints } from './hints.js';

const khzAsMhz = (k: number): string => `${(k / 1000).toFixed(3)} MHz`;

function keyFacts(k: KernelLogFacts): string[] {
  const warps = k.tscSync.filter((e) => e.kind === 'warp' || e.kind === 'random-warp').length;
  const hosts = [...new Set(k.hostLines.map((h) => h.hypervisor))];
  const bits = [
    k.kernelVersion ? `Linux ${k.kernelVersion}` : 'no Linux version line',
    k.hypervisor ? `hypervisor ${k.hypervisor}` : k.hyperv !== null ? (k.hyperv.wsl2 ? 'WSL2 (Hyper-V)' : 'Hyper-V guest drivers') : k.xen !== null ? `Xen${k.xen.mode ? ` ${k.xen.mode.toUpperCase()}` : ''}${k.xen.domain ? ` ${k.xen.domain}` : ''}` : 'no hypervisor line',
    hosts.length > 0 ? `hosts ${hosts.join(', ')}` : '',
    k.finalClocksource ? `clocksource ${k.finalClocksource}` : '',
    k.tscDetectedKhz !== null ? `tsc ${khzAsMhz(k.tscDetectedKhz)}${k.tscCalibration ? ` (${k.tscCalibration})` : ''}` : '',
    k.tscRefinedKhz !== null ? `refined ${khzAsMhz(k.tscRefinedKhz)}` : '',
    k.tscFromHypervisorKhz !== null ? `from hypervisor ${khzAsMhz(k.tscFromHypervisorKhz)}` : '',
    k.archTimer?.hz != null ? `arch_timer ${(k.archTimer.hz / 1e6).toFixed(2)} MHz` : '',
    warps > 0 ? 'TSC warp between CPUs' : '',
    k.tscUnstable ? 'TSC marked unstable' : '',
    k.timeWarnings.length > 0 ? `${k.timeWarnings.length} time warning line(s)` : '',
    k.filteredBy !== null ? `filtered (${k.filteredBy})` : '',
    k.boots > 1 ? `${k.boots} boots (last one shown)` : '',
  ].filter((x) => x);
  return [`Kernel log: ${bits.join('; ')}`];
}

const orPlain = <T extends object>(a: T | null, b: T | null): T | null => {
  if (a === null || b === null) return a ?? b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [key, bv] of Object.entries(b)) {
    const av = out[key];
    if (av === null || av === undefined) out[key] = bv;
    else if (av === false && bv === true) out[key] = true;
    else if (Array.isArray(av) && Array.isArray(bv)) out[key] = [...new Set([...av, ...bv])];
  }
  return out as T;
};

/**
 * Two excerpts of one boot's log become one (a `grep clock` beside a `grep watchdog`); two logs that
 * each hold a boot's start, or that name different kernels or machines, are two boots or machines.
 */
function merge(a: KernelLogFacts, b: KernelLogFacts): KernelLogFacts | null {
  if (a.refs.kernelVersion !== undefined && b.refs.kernelVersion !== undefined) return null;
  if (conflicts(a.kernelVersion, b.kernelVersion) || conflicts(a.dmi, b.dmi) || conflicts(a.commandLine, b.commandLine) || conflicts(a.arch, b.arch)) return null;
  const m = fillMerge(a, b);
  // The clocksource in use is the one switched to last; excerpts are not in time order.
  const last = [...m.clocksourceSwitches].sort((x, y) => (x.atSeconds ?? -1) - (y.atSeconds ?? -1)).pop();
  const wholeBoot = a.wholeBoot || b.wholeBoot;
  return {
    ...m,
    boots: Math.max(a.boots, b.boots),
    finalClocksource: last?.to ?? null,
    refs: last !== undefined ? { ...m.refs, finalClocksource: { line: last.line, excerpt: last.excerpt, ...(last.path !== undefined ? { path: last.path } : {}) } } : m.refs,
    tscUnstable: a.tscUnstable || b.tscUnstable,
    kvmClock: a.kvmClock || b.kvmClock,
    failoverDisabled: a.failoverDisabled || b.failoverDisabled,
    ptpSupport: a.ptpSupport || b.ptpSupport,
    haxm: a.haxm || b.haxm,
    wholeBoot,
    filteredBy: wholeBoot ? null : a.filteredBy ?? b.filteredBy,
    hyperv: orPlain<HypervFacts>(a.hyperv, b.hyperv),
    xen: orPlain<XenFacts>(a.xen, b.xen),
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
