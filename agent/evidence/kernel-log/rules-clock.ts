/**
 * Rules for clocksource selection and the clocksource watchdog (kernel/time/clocksource.c, every era
 * of formats.md §1.4), and the lines that mark the TSC unstable.
 */
import { add } from './boot.js';
import { counters, registrationHz } from './verdict.js';
import {
  here, justMarkedByWatchdog, markTscUnstable, openVerdict, openVerdictNear, syncEvent, type KernelRule, type RuleContext,
} from './rule.js';
import type { WatchdogReadIssue } from './facts.js';
import { safeInt, safeSignedInt } from '../../util/numbers.js';
import { excerpt } from '../text/lines.js';

function readIssue(c: RuleContext, kind: WatchdogReadIssue['kind'], over: Partial<WatchdogReadIssue>): void {
  add(c.b.readIssues, { ...here(c), atSeconds: c.at, cpu: null, kind, watchdog: null, clocksource: null, delayNs: null, marked: false, ...over });
  c.b.touched = true;
}

const isTsc = (name: string | null | undefined): boolean => name === 'tsc' || name === 'tsc-early';

/** The continuation lines of an open verdict: which counters, how many ns each measured, the skew. */
function continueVerdict(c: RuleContext): boolean {
  const open = openVerdictNear(c);
  if (open === null) return false;
  const msg = c.msg;
  open.lastLine = c.lineNo;
  let m: RegExpExecArray | null;
  if ((m = /Clocksource '([^']+)' skewed (-?\d+) ns \(-?\d+ ms\) over watchdog '([^']+)' interval of (\d+) ns/.exec(msg)) !== null) {
    open.v.skewNs = safeSignedInt(m[2]);
    open.v.watchdog = m[3] ?? open.v.watchdog;
    open.v.intervalNs = safeInt(m[4]);
    return true;
  }
  // 2025+ watchdog: `Watchdog    hpet interval: N ns` / `Clocksource tsc interval: N ns`.
  if ((m = /(?:^|clocksource: )(Watchdog|Clocksource)\s+([\w.-]+) interval:\s+(\d+)ns/.exec(msg)) !== null) {
    if (m[1] === 'Watchdog') { open.v.watchdog = m[2] ?? null; open.v.wdNsec = safeInt(m[3]); } else open.v.csNsec = safeInt(m[3]);
    return true;
  }
  if ((m = /(?:'([^']+)' (?:\(not '[^']+'\) )?is current clocksource|(No current clocksource))/.exec(msg)) !== null) {
    open.v.currentAtVerdict = m[2] !== undefined ? 'none' : m[1] ?? null;
    return true;
  }
  if ((m = /'([^']+)' wd_n(?:sec|esc): (-?\d+)/.exec(msg)) !== null) {
    open.v.watchdog = m[1] ?? null;
    open.v.wdNsec = safeSignedInt(m[2]);
  }
  if ((m = /'([^']+)' wd_now: ([0-9a-f]+) wd_last: ([0-9a-f]+) mask: ([0-9a-f]+)/.exec(msg)) !== null) {
    open.v.watchdog = m[1] ?? null;
    open.wdRaw = counters(m[2], m[3], m[4]);
  } else if ((m = /'([^']+)' wd_now:/.exec(msg)) !== null) open.v.watchdog = m[1] ?? null;
  if ((m = /'([^']+)' cs_nsec: (-?\d+)/.exec(msg)) !== null) open.v.csNsec = safeSignedInt(m[2]);
  if ((m = /'([^']+)' cs_(?:nsec: -?\d+ cs_)?now: ([0-9a-f]+) cs_last: ([0-9a-f]+) mask: ([0-9a-f]+)/.exec(msg)) !== null) open.csRaw = counters(m[2], m[3], m[4]);
  return true;
}

export const CLOCK_RULES: readonly KernelRule[] = [
  // Watchdog verdict blocks first: their continuation lines mention clocksources too.
  {
    id: 'watchdog-verdict',
    needs: ['Marking clocksource'],
    re: /(?:timekeeping watchdog(?: on CPU(\d+))?: )?Marking clocksource '([^']+)' as unstable,? because the skew is too large/,
    apply(m, c) { openVerdict(c, m[2] ?? '', safeInt(m[1]), null); },
  },
  {
    id: 'watchdog-verdict-2025',
    needs: ['unstable due to frequency skew'],
    re: /Marking clocksource ([\w.-]+) unstable due to frequency skew/,
    apply(m, c) { openVerdict(c, m[1] ?? '', null, null); },
  },
  {
    id: 'watchdog-verdict-old',
    needs: ['unstable (delta'],
    re: /Clocksource ([\w.-]+) unstable \(delta = (-?\d+) ns\)/,
    apply(m, c) {
      openVerdict(c, m[1] ?? '', null, safeSignedInt(m[2]));
      // RHEL/CentOS 5–6 keep the unstable clocksource unless booted with clocksource_failover.
      if (c.msg.includes('clocksource_failover')) { c.b.failoverDisabled = true; c.b.refs.failoverDisabled = here(c); }
    },
  },
  {
    id: 'failover-disabled',
    needs: ['clocksource_failover'],
    re: /Enable clocksource failover by adding clocksource_failover/,
    apply(_m, c) { c.b.failoverDisabled = true; c.b.refs.failoverDisabled = here(c); c.b.touched = true; },
  },
  {
    id: 'watchdog-continuation',
    needs: ["' wd_n", "' cs_n", ' skewed ', ' interval: ', 'current clocksource'],
    // The whole printed block, so a wrapped paste's `mask:` on the next line still completes the match.
    re: /'[^']+' (?:wd|cs)_n(?:sec|esc)?(?:: -?\d+)?(?: (?:wd|cs)_now: [0-9a-f]+ (?:wd|cs)_last: [0-9a-f]+ mask: [0-9a-f]+)?|skewed -?\d+ ns|(?:^|clocksource: )(?:Watchdog|Clocksource)\s+[\w.-]+ interval:|is current clocksource|No current clocksource/,
    apply(_m, c) { return continueVerdict(c); },
  },
  {
    id: 'watchdog-read-back',
    needs: ['read-back delay'],
    re: /timekeeping watchdog on CPU(\d+): (?:wd-([\w.-]+)-wd (?:excessive )?|([\w.-]+) (?:consecutive )?)read-back delay of (\d+)(ns)?(.*)$/,
    apply(m, c) {
      const tail = m[6] ?? '';
      const skipped = /system too busy|coarse-grained|awaiting re-initialization/.test(tail);
      const named = /marking ([\w.-]+) unstable/.exec(tail)?.[1] ?? null;
      const marked = !skipped && (/marking (?:[\w.-]+ )?unstable/.test(tail) || m[5] === undefined);
      const clocksource = m[2] ?? named;
      readIssue(c, skipped ? 'skipped' : 'read-back-delay', {
        cpu: safeInt(m[1]), watchdog: m[3] ?? null, clocksource, delayNs: m[5] !== undefined ? safeInt(m[4]) : null, marked,
      });
      // 6.13 names the clocksource it demotes; older kernels follow with `tsc: Marking TSC unstable …`.
      if (marked && isTsc(clocksource)) markTscUnstable(c, 'watchdog read-back delay');
    },
  },
  {
    id: 'watchdog-wd-wd-delay',
    needs: ['wd-wd read-back delay', 'clock-skew test skipped'],
    re: /(?:timekeeping watchdog on CPU(\d+): ([\w.-]+) wd-wd read-back delay of (\d+)ns|wd-([\w.-]+)-wd read-back delay of (\d+)ns, clock-skew test skipped)/,
    apply(m, c) {
      readIssue(c, 'skipped', { cpu: safeInt(m[1]), watchdog: m[2] ?? null, clocksource: m[4] ?? null, delayNs: safeInt(m[3] ?? m[5]) });
    },
  },
  {
    id: 'watchdog-retried',
    needs: ['times before success'],
    re: /timekeeping watchdog on CPU(\d+): ([\w.-]+) retried (\d+) times before success/,
    apply(m, c) { readIssue(c, 'retried', { cpu: safeInt(m[1]), watchdog: m[2] ?? null }); },
  },
  {
    id: 'watchdog-read-timeout',
    needs: ['read timed out'],
    re: /Watchdog (?:([\w.-]+) read timed out\. Readout sequence took: (\d+)ns|remote CPU (\d+) read timed out)/,
    apply(m, c) {
      if (m[3] !== undefined) readIssue(c, 'remote-timeout', { cpu: safeInt(m[3]) });
      else readIssue(c, 'read-timeout', { watchdog: m[1] ?? null, delayNs: safeInt(m[2]) });
    },
  },
  {
    id: 'watchdog-long-interval',
    needs: ['Long readout interval'],
    re: /Long readout interval, skipping watchdog check: cs_nsec: (-?\d+) wd_nsec: (-?\d+)/,
    apply(_m, c) { readIssue(c, 'long-interval', {}); },
  },
  {
    id: 'inter-cpu-skew',
    needs: ['inter CPU skew'],
    re: /Marking clocksource ([\w.-]+) unstable due to inter CPU skew/,
    apply(m, c) {
      syncEvent(c, 'percpu-skew');
      if (isTsc(m[1])) markTscUnstable(c, 'inter CPU skew');
    },
  },
  {
    id: 'percpu-ahead-behind',
    needs: [' ahead of CPU ', ' behind CPU '],
    re: /CPUs (\S+) (?:ahead of|behind) CPU (\d+) for clocksource ([\w-]+)/,
    apply(m, c) { if (isTsc(m[3])) syncEvent(c, 'percpu-skew', { cpuFrom: safeInt(m[2]) }); else c.b.touched = true; },
  },
  {
    id: 'clocksource-switch',
    needs: ['to clocksource '],
    re: /(?:Switched|Switching) to clocksource ([\w.-]+)/,
    apply(m, c) { switchTo(c, m[1] ?? ''); },
  },
  {
    id: 'clocksource-installed',
    needs: [' clocksource has been installed'],
    re: /Time: ([\w.-]+) clocksource has been installed/,
    apply(m, c) { switchTo(c, m[1] ?? ''); },
  },
  {
    id: 'clocksource-registration',
    needs: [': mask: 0x'],
    re: /([\w.-]+): mask: 0x([0-9a-f]+) max_cycles: 0x([0-9a-f]+), max_idle_ns: (\d+) ns/,
    apply(m, c) {
      const name = m[1] ?? '';
      const maxIdleNs = safeInt(m[4]);
      // A max_idle_ns no double holds exactly is no kernel's line: keep no half-read registration.
      if (maxIdleNs === null) return true;
      add(c.b.clocksourceRegistrations, {
        line: c.lineNo, excerpt: excerpt(c.raw), name, mask: `0x${m[2] ?? ''}`, maxCycles: `0x${m[3] ?? ''}`, maxIdleNs,
        impliedHz: registrationHz(m[2] ?? '', m[3] ?? '', maxIdleNs),
      });
      if (name === 'kvm-clock') c.b.kvmClock = true;
      c.b.touched = true;
      return true;
    },
  },
  {
    id: 'mark-tsc-unstable',
    needs: ['Marking TSC unstable due to'],
    re: /Marking TSC unstable due to:? (.+?)\.?$/,
    apply(m, c) {
      const reason = m[1] ?? '';
      if (!(reason === 'clocksource watchdog' && justMarkedByWatchdog(c))) markTscUnstable(c, reason);
      c.b.touched = true;
    },
  },
  {
    id: 'mark-tsc-unstable-2.6',
    needs: ['marking TSC unstable', 'Marking it as unstable'],
    re: /(?:(.+) detected: marking TSC unstable|TSC appears to be running slowly\. Marking it as unstable)/,
    apply(m, c) { markTscUnstable(c, m[1] !== undefined ? `${m[1]} detected` : 'TSC running slowly'); },
  },
  {
    // Any other wording that marks tsc unstable (6.13 read-back delay: `…, marking tsc unstable`).
    id: 'mark-clocksource-tsc',
    needs: ['arking'],
    re: /[Mm]arking (?:clocksource )?'?tsc'? (?:as )?unstable\b,?\s*(.*)$/,
    apply(m, c) {
      const why = (m[1] ?? '').replace(/[.:]$/, '').trim();
      markTscUnstable(c, /read-back delay/.test(c.msg) ? 'watchdog read-back delay' : why !== '' ? why : 'clocksource marked unstable');
    },
  },
  {
    id: 'tsc-found-unstable',
    needs: ['TSC found unstable after boot'],
    re: /TSC found unstable after boot/,
    apply(_m, c) { markTscUnstable(c, 'found unstable after boot'); },
  },
];

function switchTo(c: RuleContext, to: string): void {
  add(c.b.clocksourceSwitches, { line: c.lineNo, excerpt: excerpt(c.raw), atSeconds: c.at, to });
  if (to === 'kvm-clock') c.b.kvmClock = true;
  c.b.touched = true;
}
