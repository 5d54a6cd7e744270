/**
 * What a kernel-log rule is — a message pattern and what a match does to the boot state — and the
 * shared operations rules perform. The rules themselves live in rules-*.ts, in order, and rules.ts
 * joins them into the one table the parser walks (first match wins).
 */
import type { LineRef } from '../kind.js';
import type { HypervFacts, TscSyncEvent, XenFacts, ArchTimerFacts } from './facts.js';
import { add, freshArchTimer, freshHyperv, freshXen, type BootState, type OpenVerdict } from './boot.js';
import { excerpt } from '../text/lines.js';

/** What a rule sees of the line it matched, and of the boot it belongs to. */
export interface RuleContext {
  /** The current boot (a boot marker may replace it, so read it through the context each time). */
  readonly b: BootState;
  readonly lineNo: number;
  /** The line as the reader gave it (for excerpts). */
  readonly raw: string;
  /** The message: the line without its prefixes. */
  readonly msg: string;
  /** Monotonic seconds of the line's stamp, or null. */
  readonly at: number | null;
  /** `Linux version` / `Command line:`: a new boot when `startsNew` and this one already started, else just count it. */
  bootMarker(startsNew: boolean): void;
}

/**
 * One message family. `needs` lists literals the message must contain for the rule to run (any one of
 * them); the parser screens a line with every rule's literals before any regex runs, and that list is
 * exported (KERNEL_LOG_LITERALS) for a byte-level screen. `apply` returns false to decline a match,
 * letting later rules try the line.
 */
export interface KernelRule {
  id: string;
  needs: readonly string[];
  re: RegExp;
  apply(m: RegExpExecArray, c: RuleContext): boolean | void;
}

/** The line as a LineRef. */
export function here(c: RuleContext): LineRef {
  return { line: c.lineNo, excerpt: excerpt(c.raw) };
}

/** Keep this line as the evidence of the scalar fact `key`. */
export function ref(c: RuleContext, key: string): void {
  c.b.refs[key] = here(c);
}

/** Keep this line as the evidence of `key` unless an earlier line already is. */
export function refOnce(c: RuleContext, key: string): void {
  if (c.b.refs[key] === undefined) ref(c, key);
}

/** Record that the kernel marked the TSC unstable, for `reason`. */
export function markTscUnstable(c: RuleContext, reason: string): void {
  add(c.b.tscUnstableEvents, { ...here(c), atSeconds: c.at, reason });
  c.b.touched = true;
}

/** Lines a verdict's continuation may follow it by (6.x prints up to six, pastes interleave). */
const VERDICT_WINDOW = 8;

/** The latest watchdog verdict when this line can still continue it. */
export function openVerdictNear(c: RuleContext): OpenVerdict | null {
  const last = c.b.verdicts[c.b.verdicts.length - 1];
  return last !== undefined && c.lineNo - last.lastLine <= VERDICT_WINDOW ? last : null;
}

/** Open a watchdog verdict block (its continuation lines follow); a verdict on the TSC marks it unstable. */
export function openVerdict(c: RuleContext, clocksource: string, cpu: number | null, skewNs: number | null): void {
  const v = {
    ...here(c), atSeconds: c.at, cpu, clocksource, watchdog: null, skewNs, intervalNs: null, wdNsec: null, csNsec: null, backwards: null, currentAtVerdict: null,
  };
  add(c.b.verdicts, { v, lastLine: c.lineNo, wdRaw: null, csRaw: null });
  if (clocksource === 'tsc' || clocksource === 'tsc-early') markTscUnstable(c, 'clocksource watchdog');
  c.b.touched = true;
}

/**
 * True when the TSC was just marked unstable by the watchdog (a verdict or a read-back failure
 * within a few lines): 5.x/6.x print `tsc: Marking TSC unstable due to clocksource watchdog` as a
 * consequence of that same event, which must not count twice.
 */
export function justMarkedByWatchdog(c: RuleContext): boolean {
  const last = c.b.tscUnstableEvents[c.b.tscUnstableEvents.length - 1];
  return last !== undefined && c.lineNo - last.line <= VERDICT_WINDOW && (last.reason === 'clocksource watchdog' || last.reason === 'watchdog read-back delay');
}

/** Where in the boot a CPU's TSC is being checked now. */
export function whenNow(c: RuleContext): TscSyncEvent['when'] {
  if (c.b.resumingSince !== null) return 'resume';
  // The boot CPU brings the others up within seconds; a check long after boot is a CPU brought online later.
  if (c.b.smpDone || (c.at !== null && c.at > 60)) return 'hotplug';
  return 'boot';
}

export function syncEvent(c: RuleContext, kind: TscSyncEvent['kind'], over: Partial<TscSyncEvent> = {}): TscSyncEvent {
  const e: TscSyncEvent = { ...here(c), atSeconds: c.at, kind, cpuFrom: null, cpu: null, warpCycles: null, adjustValue: null, when: whenNow(c), header: null, ...over };
  add(c.b.tscSync, e);
  c.b.touched = true;
  return e;
}

export function hyperv(c: RuleContext): HypervFacts {
  c.b.touched = true;
  return (c.b.hyperv ??= freshHyperv());
}

export function xen(c: RuleContext): XenFacts {
  c.b.touched = true;
  return (c.b.xen ??= freshXen());
}

export function archTimer(c: RuleContext): ArchTimerFacts {
  c.b.touched = true;
  return (c.b.archTimer ??= freshArchTimer());
}

/** A signed decimal as printed, with a typographic dash or minus sign (U+2010–2015, U+2212) read as `-`. */
export function signedText(text: string | undefined): string | null {
  if (text === undefined) return null;
  const t = text.replace(/^[\u2010-\u2015\u2212]/, '-');
  return /^[-+]?\d+$/.test(t) ? t.replace(/^\+/, '') : null;
}

/** The same as a number, when a double holds it exactly; null otherwise. */
export function signedInt(text: string | undefined): number | null {
  const t = signedText(text);
  if (t === null) return null;
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : null;
}

/** Dash characters a paste may carry in place of a minus sign, for patterns. */
export const MINUS = '[-\\u2010-\\u2015\\u2212]';
