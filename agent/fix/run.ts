/**
 * `clockdoctor fix [--apply] [--yes]`, minus the wiring: everything that touches the outside world
 * comes in through FixDeps, so tests drive it with a fixture Roots, a fake root check and a scripted
 * answer, and never the real /sys.
 */
import type { Facts } from '../facts.js';
import type { Finding } from '../findings.js';
import type { Roots } from '../roots.js';
import { printable } from '../util/sanitize.js';
import { applyAction, type ApplyOutcome } from './apply.js';
import type { AuditLog } from './log.js';
import { describeAction, planFixes, validateAction, type PlannedFix } from './plan.js';

/** Exit codes of `fix` beyond the common ones (README "Exit codes"; BSD sysexits). */
export const FIX_EXIT = {
  /** Listed, or applied, or nothing to apply. */
  ok: 0,
  /** --apply and the user said no (or no TTY and no --yes). */
  declined: 1,
  /** EX_IOERR: an action was attempted and did not take effect. */
  failed: 74,
  /** EX_NOPERM: --apply without root. */
  noPerm: 77,
} as const;

export interface FixOptions {
  apply: boolean;
  yes: boolean;
  roots: Roots;
}

export interface FixDeps {
  /** Collect and diagnose (the same path as `check`). */
  diagnose(roots: Roots): Promise<{ facts: Facts; findings: Finding[] }>;
  isRoot(): boolean;
  /** Whether a person can answer (stdin and stderr are terminals). */
  interactive: boolean;
  /** Ask a y/N question; resolves true only on an explicit yes. */
  confirm(question: string): Promise<boolean>;
  audit: AuditLog;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function render(plan: readonly PlannedFix[]): string {
  if (plan.length === 0) return 'No fixes: no finding on this guest recommends a change.\n';
  const lines: string[] = [];
  let last = '';
  for (const p of plan) {
    if (p.findingId !== last) {
      lines.push(`${lines.length > 0 ? '\n' : ''}[${p.severity}] ${printable(p.findingId)}`);
      last = p.findingId;
    }
    const where = p.fix.where === 'host' ? 'on the host' : 'on this guest';
    let tag = '';
    if (p.action !== null) tag = '  (clockdoctor fix --apply can do this)';
    else if (p.alreadyDone) tag = '  (already in effect)';
    else if (p.blocked !== undefined) tag = `  (cannot be applied here: ${printable(p.blocked)})`;
    lines.push(`  ${where}: ${printable(p.fix.summary)}${tag}`);
    // A command is for pasting: control characters escaped line by line, but its newlines kept so
    // quoting stays exact.
    if (p.fix.command !== undefined) lines.push(...p.fix.command.split('\n').map((l) => `    ${printable(l)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** List the fixes; with `apply`, carry out the applicable ones after the checks. Returns the exit code. */
export async function runFix(opts: FixOptions, deps: FixDeps): Promise<number> {
  const { facts, findings } = await deps.diagnose(opts.roots);
  const plan = planFixes(findings, facts);
  deps.out.write(render(plan));
  const todo = plan.filter((p): p is PlannedFix & { action: NonNullable<PlannedFix['action']> } => p.action !== null);

  if (!opts.apply) {
    if (todo.length > 0) deps.out.write(`\n${todo.length} fix${todo.length === 1 ? '' : 'es'} can be applied on this guest: run as root with --apply. Nothing was changed.\n`);
    return FIX_EXIT.ok;
  }
  if (todo.length === 0) {
    deps.out.write('\nNothing to apply on this guest. Nothing was changed.\n');
    return FIX_EXIT.ok;
  }
  if (!deps.isRoot()) {
    deps.err.write('clockdoctor: fix --apply changes the running kernel and needs root (run it with sudo). Nothing was changed.\n');
    return FIX_EXIT.noPerm;
  }
  if (!opts.yes) {
    if (!deps.interactive) {
      deps.err.write('clockdoctor: fix --apply asks before changing anything, but there is no terminal to ask on; add --yes to proceed without asking. Nothing was changed.\n');
      return FIX_EXIT.declined;
    }
    const list = todo.map((p) => `  - ${describeAction(p.action)}`).join('\n');
    if (!(await deps.confirm(`\nclockdoctor will:\n${list}\nProceed? [y/N] `))) {
      deps.err.write('clockdoctor: not confirmed. Nothing was changed.\n');
      return FIX_EXIT.declined;
    }
  }

  let failed = 0;
  for (const p of todo) {
    // Re-read the facts right before writing: the guest may have changed while we asked.
    const fresh = (await deps.diagnose(opts.roots)).facts;
    const reason = validateAction(p.action, fresh);
    let outcome: ApplyOutcome | null = null;
    if (reason === null) outcome = await applyAction(p.action, opts.roots);
    const ok = outcome?.ok === true;
    if (!ok) failed++;
    const what = describeAction(p.action);
    const detail = outcome === null ? `not applied: ${reason}` : outcome.message;
    await deps.audit(`fix ${ok ? 'applied' : 'FAILED'} for ${p.findingId}: ${what}: ${detail}`);
  }
  return failed > 0 ? FIX_EXIT.failed : FIX_EXIT.ok;
}
