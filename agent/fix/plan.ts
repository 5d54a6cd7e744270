/**
 * Which fixes of a diagnosis `clockdoctor fix` lists, and which of them it could carry out. Pure.
 *
 * Only fixes with a structured FixAction are ever applied; everything else (a host-side VBoxManage
 * command, a kernel command-line change) is printed for a person to run. An action is checked against
 * the live facts before it is offered, so nothing taken from a log can make us write something the
 * running kernel did not itself list.
 */
import type { Facts } from '../facts.js';
import type { Finding, Fix, FixAction } from '../findings.js';

/** One line of the fix list. */
export interface PlannedFix {
  findingId: string;
  severity: Finding['severity'];
  fix: Fix;
  /** The action `--apply` would carry out, when this fix has one that is valid on this guest now. */
  action: FixAction | null;
  /** Why an action present on the fix cannot be applied (absent when it can, or when there is none). */
  blocked?: string;
  /** The action is already in effect (e.g. that clocksource is already current): nothing to do. */
  alreadyDone?: boolean;
}

/** Clocksource names as the kernel prints them: no path separators, no spaces, no shell syntax. */
const CLOCKSOURCE_NAME = /^[A-Za-z0-9_.:+-]{1,64}$/;

/** Is the action valid on the guest the facts describe? `null` = yes; else the reason it is not. */
export function validateAction(action: FixAction, facts: Facts): string | null {
  switch (action.kind) {
    case 'set-clocksource': {
      const name = action.clocksource;
      if (!CLOCKSOURCE_NAME.test(name)) return `"${name}" is not a clocksource name`;
      const cs = facts.clocksource;
      if (cs === null) return 'the clocksource collector found nothing (is sysfs mounted at --path.sysfs?)';
      if (!cs.available.includes(name)) {
        return `${name} is not in available_clocksource (${cs.available.join(' ') || 'empty'})`;
      }
      return null;
    }
  }
}

/** Is the action already what the system does? */
export function actionInEffect(action: FixAction, facts: Facts): boolean {
  switch (action.kind) {
    case 'set-clocksource':
      return facts.clocksource?.current === action.clocksource;
  }
}

/** Every fix of every finding, in finding order; guest actions validated against the facts. */
export function planFixes(findings: readonly Finding[], facts: Facts): PlannedFix[] {
  const out: PlannedFix[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    for (const fix of f.fixes) {
      const base = { findingId: f.id, severity: f.severity, fix };
      const action = fix.action;
      if (action === undefined) {
        out.push({ ...base, action: null });
        continue;
      }
      if (fix.where !== 'guest') {
        out.push({ ...base, action: null, blocked: 'runs on the host, not on this guest' });
        continue;
      }
      const reason = validateAction(action, facts);
      if (reason !== null) {
        out.push({ ...base, action: null, blocked: reason });
        continue;
      }
      // Two findings may recommend the same switch: do it once.
      const key = JSON.stringify(action);
      if (seen.has(key)) {
        out.push({ ...base, action: null, blocked: 'same action as an earlier fix' });
        continue;
      }
      seen.add(key);
      if (actionInEffect(action, facts)) {
        out.push({ ...base, action: null, alreadyDone: true });
        continue;
      }
      out.push({ ...base, action });
    }
  }
  return out;
}

/** A one-line description of an action for the confirmation prompt and the log. */
export function describeAction(action: FixAction): string {
  switch (action.kind) {
    case 'set-clocksource':
      return `switch the running kernel's clocksource to ${action.clocksource} (until reboot)`;
  }
}
