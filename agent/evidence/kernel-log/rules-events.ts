/**
 * Rules for things that happen to a running system's time: suspend and resume (kernel/power,
 * drivers/acpi/sleep.c), time going backwards in xenified kernels (2.6.18-xen time-xen.c and its
 * 2.6.2x clocksource successors), lost ticks in 2.6-era tick-based kernels (arch/x86_64/kernel/time.c,
 * arch/i386/kernel/timers/timer_tsc.c), and rate-limited floods (`printk: N messages suppressed`).
 */
import { add } from './boot.js';
import type { SleepEvent, TimeWarning } from './facts.js';
import { MINUS, here, signedInt, signedText, xen, type KernelRule, type RuleContext } from './rule.js';
import { safeInt } from '../../util/numbers.js';

function sleep(c: RuleContext, kind: SleepEvent['kind'], state: string | null = null, seconds: number | null = null): void {
  add(c.b.sleepEvents, { ...here(c), atSeconds: c.at, kind, state, seconds });
  c.b.touched = true;
}

function warning(c: RuleContext, kind: TimeWarning['kind'], over: Partial<TimeWarning> = {}): void {
  add(c.b.timeWarnings, { ...here(c), atSeconds: c.at, kind, cpu: null, deltaNs: null, deltaText: null, ticks: null, ...over });
  c.b.touched = true;
}

const DELTA = `(${MINUS}?\\d+)`;

export const SLEEP_RULES: readonly KernelRule[] = [
  {
    id: 'pm-suspend-entry',
    needs: ['PM: suspend entry', 'PM: Syncing filesystems', 'PM: hibernation entry'],
    re: /PM: (?:suspend entry(?: \((\w+)\))?|Syncing filesystems|hibernation entry)/,
    apply(m, c) { sleep(c, c.msg.includes('hibernation') ? 'hibernate' : 'suspend-entry', m[1] ?? null); },
  },
  {
    id: 'freezing',
    needs: ['Freezing user space processes'],
    re: /Freezing user space processes/,
    apply(_m, c) { sleep(c, 'freeze'); },
  },
  {
    id: 'acpi-sleep',
    needs: ['system sleep state'],
    re: /(?:ACPI: (?:PM: )?)?(Preparing to enter|Waking up from) system sleep state (S\d)/,
    apply(m, c) { sleep(c, m[1] === 'Waking up from' ? 'wake' : 'sleep', m[2] ?? null); },
  },
  {
    id: 'enabling-non-boot-cpus',
    needs: ['Enabling non-boot CPUs'],
    re: /Enabling non-boot CPUs/,
    apply(_m, c) { c.b.resumingSince = c.lineNo; c.b.touched = true; },
  },
  {
    id: 'pm-suspend-exit',
    needs: ['PM: suspend exit', 'Restarting tasks'],
    re: /PM: suspend exit|Restarting tasks/,
    apply(_m, c) {
      sleep(c, c.msg.includes('Restarting tasks') ? 'restart-tasks' : 'suspend-exit');
      c.b.resumingSince = null;
    },
  },
  {
    id: 'suspended-for',
    needs: ['uspended for '],
    re: /(?:Timekeeping s|S)uspended for (\d+)\.(\d{3}) seconds/,
    apply(m, c) {
      const s = safeInt(m[1]);
      sleep(c, 'suspended-for', null, s === null ? null : s + Number(m[2]) / 1000);
    },
  },
];

export const TIME_WARNING_RULES: readonly KernelRule[] = [
  {
    // Xenified 2.6.2x kernels (xen_clocksource_read): the per-CPU shadow time behind the last value read.
    id: 'xen-clocksource-backwards',
    needs: ['Time went backwards'],
    re: new RegExp(`clocksource/(\\d+): Time went backwards: delta=${DELTA}(?: shadow=(\\d+))?(?: offset=(\\d+))?`),
    apply(m, c) {
      warning(c, 'xen-backwards', { cpu: safeInt(m[1]), deltaNs: signedInt(m[2]), deltaText: signedText(m[2]) });
      xen(c);
    },
  },
  {
    // 2.6.18-xen timer_interrupt: Xen's system time on this vCPU behind what was already processed.
    id: 'timer-isr-backwards',
    needs: ['Time went backwards'],
    re: new RegExp(`Timer ISR/(\\d+): Time went backwards: delta=${DELTA}`),
    apply(m, c) {
      warning(c, 'timer-isr-backwards', { cpu: safeInt(m[1]), deltaNs: signedInt(m[2]), deltaText: signedText(m[2]) });
      xen(c);
    },
  },
  {
    id: 'time-went-backwards',
    needs: ['Time went backwards', 'time went backwards'],
    re: new RegExp(`[Tt]ime went backwards(?:.*?delta[ =]+${DELTA})?`),
    apply(m, c) { warning(c, 'backwards', { deltaNs: signedInt(m[1]), deltaText: signedText(m[1]) }); },
  },
  {
    id: 'losing-some-ticks',
    needs: ['Losing some ticks', 'timer tick(s)'],
    re: /Losing some ticks\.\.\. checking if CPU frequency changed|Lost (\d+) timer tick\(s\)!/,
    apply(m, c) { warning(c, 'lost-ticks', { ticks: safeInt(m[1]) }); },
  },
  {
    id: 'many-lost-ticks',
    needs: ['many lost ticks', 'time source seems to be instable'],
    re: /warning: many lost ticks|Your time source seems to be instable/,
    apply(_m, c) { warning(c, 'many-lost-ticks'); },
  },
  {
    id: 'tsc-not-timesource',
    needs: ['Losing too many ticks', 'TSC cannot be used as a timesource'],
    re: /Losing too many ticks!|TSC cannot be used as a timesource/,
    apply(_m, c) { warning(c, 'tsc-not-timesource'); },
  },
  {
    id: 'suppressed',
    needs: ['messages suppressed', 'callbacks suppressed'],
    re: /(?:(printk): (\d+) messages suppressed|([\w.]+): (\d+) callbacks suppressed)/,
    apply(m, c) {
      const count = safeInt(m[2] ?? m[4]);
      if (count === null) return false;
      add(c.b.suppressions, { ...here(c), atSeconds: c.at, count, by: m[1] ?? m[3] ?? 'printk' });
      c.b.touched = true;
      return true;
    },
  },
];
