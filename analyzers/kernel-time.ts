/**
 * Messages of old and paravirtual timekeeping that say time itself went wrong: a xenified kernel's
 * Xen time going backwards (2.6.18-xen `Timer ISR/N`, 2.6.2x `clocksource/N`), and 2.6-era kernels
 * losing timer ticks. These are never harmless: the first can throw the wall clock centuries away.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, Finding, Fix } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import type { KernelLogFacts, TimeWarning } from '../agent/evidence/kernel-log/facts.js';
import { setClocksourceFix } from './util.js';
import { bootParamFix, lines, roleWord } from './tsc-evidence.js';

const TWO_62 = 1n << 62n;

/** A delta whose magnitude is ≥ 2^62 ns (146 years): a 64-bit wrap of the shadow time, not a real step. */
function isWrap(w: TimeWarning): boolean {
  if (w.deltaText === null) return false;
  const v = BigInt(w.deltaText);
  return (v < 0n ? -v : v) >= TWO_62;
}

/** Messages in the flood: the lines shown plus what printk's rate limit swallowed after the first. */
function floodOf(k: KernelLogFacts, shown: TimeWarning[]): { total: number; perSecond: number | null } {
  const first = shown[0];
  const after = k.suppressions.filter((s) => s.by === 'printk' && (first === undefined || first.atSeconds === null || s.atSeconds === null || s.atSeconds >= first.atSeconds));
  const total = shown.length + after.reduce((n, s) => n + s.count, 0);
  const stamps = [...shown, ...after].map((x) => x.atSeconds).filter((x): x is number => x !== null);
  const span = stamps.length >= 2 ? Math.max(...stamps) - Math.min(...stamps) : 0;
  return { total, perSecond: span > 0 ? total / span : null };
}

const fmtDelta = (w: TimeWarning): string => {
  if (isWrap(w)) return '≈ 2^63 ns (a 64-bit wrap)';
  if (w.deltaNs === null) return 'an unprinted amount';
  const ms = Math.abs(w.deltaNs) / 1e6;
  return ms >= 1 ? `${ms.toFixed(1)} ms` : `${Math.abs(w.deltaNs)} ns`;
};

/** XEN_TIME_WENT_BACKWARDS: a xenified kernel's Xen system time ran backwards. */
export function xenTimeWentBackwards(facts: Facts, d: Derived): Finding[] {
  const k = facts.kernelLog;
  if (k === null) return [];
  const shown = k.timeWarnings.filter((w) => w.kind === 'xen-backwards' || w.kind === 'timer-isr-backwards' || (w.kind === 'backwards' && k.xen !== null));
  if (shown.length === 0) return [];
  const wrap = shown.some(isWrap);
  const flood = floodOf(k, shown);
  const cpus = [...new Set(shown.map((w) => w.cpu).filter((c): c is number => c !== null))];
  const critical = wrap || flood.total >= 100 || (flood.perSecond ?? 0) >= 10;
  const role = roleWord(d);
  const where: Fix['where'] = role === 'host' ? 'host' : 'guest';
  const rate = flood.perSecond !== null && flood.total > shown.length ? `, about ${Math.round(flood.perSecond)} times a second (${flood.total} messages, most suppressed by printk)` : flood.total > 1 ? ` (${flood.total} times)` : '';
  const domain = role === 'host' ? 'On this dom0 the kernel\'s time is the whole host\'s and every guest\'s wall-clock base.' : role === 'guest' ? '' : 'Nothing shows whether this kernel is the dom0 or a domU: on a dom0 it is the whole host\'s clock, on a domU this VM\'s; the fixes below run in this kernel either way.';
  const fixes: Fix[] = [
    setClocksourceFix('jiffies', 'Move off the broken xen clocksource now: jiffies takes over at once, no reboot needed.'),
    { where, summary: 'Then run a fixed kernel: a pvops Xen kernel (2.6.32 or later) or your distribution\'s updated Xen kernel, and check the clocksource again after the reboot.' },
    bootParamFix('clocksource=jiffies xen.independent_wallclock=1', where, 'Until then keep it across reboots, the classic workaround on xenified kernels (2.6.18-xen spells the second `independent_wallclock=1`), with NTP running in the domain.'),
  ];
  return [{
    id: 'XEN_TIME_WENT_BACKWARDS',
    severity: critical ? 'critical' : 'warning',
    title: `${wrap ? 'The xen clocksource of this xenified kernel is broken: ' : ''}Xen time went backwards by ${fmtDelta(shown.find(isWrap) ?? shown[0]!)}${cpus.length > 0 ? ` on CPU${cpus.length > 1 ? 's' : ''} ${cpus.length > 1 ? `${cpus.slice(0, -1).join(', ')} and ${cpus[cpus.length - 1]}` : cpus[0]}` : ''}${rate}${wrap ? '' : ': the vCPUs\' Xen system times disagree'}`,
    detail: (wrap
      ? 'A delta of about −2^63 ns is the per-CPU Xen shadow system time wrapping around 64 bits, not a real step: the kernel\'s Xen time arithmetic (classic xenified 2.6.18–2.6.2x kernels) is broken on this machine. From there the wall clock can jump centuries (to the year 2301), uptime goes negative, CPU accounting shows NaN and password ages expire. '
      : `The vCPU's Xen system time was behind what the kernel had already counted: the vCPUs' times disagree and timestamps can step backwards. `)
      + `It needs fixing, not watching. ${domain}`.trim(),
    evidence: lines(k, [...shown, ...k.suppressions.filter((s) => s.by === 'printk')], 4),
    fixes: critical ? fixes : [
      { where, summary: 'Run a current kernel and Xen: the 2.6.18-era xenified time code prints this when an SMP domain\'s vCPUs disagree on Xen time; pvops kernels (2.6.32 and later) keep one monotonic time across vCPUs.' },
      { where, summary: 'Keep NTP (or chrony) running in the domain so the wall clock stays right meanwhile, and watch for these lines becoming frequent or the delta growing.' },
    ],
    data: { wrap, messages: flood.total, perSecond: flood.perSecond === null ? null : Math.round(flood.perSecond), cpus: cpus.join(',') },
  }];
}

/** LEGACY_LOST_TICKS: a tick-based 2.6-era kernel says it is losing timer interrupts. */
export function legacyLostTicks(facts: Facts, d: Derived): Finding[] {
  const k = facts.kernelLog;
  if (k === null) return [];
  const shown = k.timeWarnings.filter((w) => w.kind === 'lost-ticks' || w.kind === 'many-lost-ticks' || w.kind === 'tsc-not-timesource');
  if (shown.length === 0) return [];
  const role = roleWord(d);
  const vm = 'In a VM the usual cause is the host not running the vCPU when its timer interrupts are due.';
  const hw = 'On hardware: a TSC whose rate follows CPU frequency scaling (the kernel\'s "checking if CPU frequency changed"), SMIs, or a driver keeping interrupts off.';
  const cause = role === 'guest' ? vm : role === 'unknown' ? `${hw} ${vm}` : hw;
  const fixes: Fix[] = role === 'guest' || role === 'unknown'
    ? [{ where: 'guest', summary: `${role === 'unknown' ? 'If this is a VM: ' : ''}follow the vendor's guidance for this kernel — RHEL/CentOS 5 64-bit guests \`notsc divider=10\`, RHEL 4 \`clock=pmtmr\` (VMware KB 1006427, Red Hat's virtualization guide) — with NTP; better, a tickless kernel (2.6.21 or later).` }]
    : [];
  if (role !== 'guest') fixes.push({ where: 'host', summary: `${role === 'unknown' ? 'If this is a physical machine: ' : ''}boot with \`clock=pmtmr\` (or \`notsc\`) so time does not follow the TSC's changing rate, or move to a kernel with the clocksource framework (2.6.21 or later).` });
  return [{
    id: 'LEGACY_LOST_TICKS',
    severity: 'warning',
    title: 'The kernel is losing timer ticks: its tick-counted time lags or, with the lost-tick compensation of these kernels, jumps ahead',
    detail: `2.6-era kernels before the clocksource framework count time in timer interrupts and use the TSC to fill the gaps. ${cause}`,
    evidence: lines(k, shown, 3),
    fixes,
    data: { lines: shown.length, role },
  }];
}

export const kernelTimeAnalyzer: Analyzer = {
  id: 'kernel-time',
  needs: ['kernelLog'],
  run: (facts, d) => [...xenTimeWentBackwards(facts, d), ...legacyLostTicks(facts, d)],
};
