/**
 * The human report of a diagnosis: inputs, key facts, predicted drift, findings with quoted evidence
 * and fixes. Every piece of text that came from an input goes through `printable()`; fix commands stand
 * alone on their line (column 0, nothing else) so they can be pasted as they are.
 */
import type { Facts } from '../facts.js';
import type { Finding, Severity } from '../findings.js';
import type { AnalysisResult, SubjectResult } from '../result.js';
import type { Prediction } from '../../simulator/prediction.js';
import { printable } from '../util/sanitize.js';
import { groupDigits } from '../util/format.js';
import { fmtDuration } from '../../analyzers/util.js';
import { exitCodeFor } from '../diagnose.js';
import { KIND_LIST } from '../evidence/index.js';

export interface ReportOptions {
  color: boolean;
  /** Wrap prose at this width (default 100). */
  width?: number;
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', green: '\x1b[32m' };

type Paint = (style: keyof typeof ANSI, text: string) => string;

const hz = (n: number | null | undefined): string => (n === null || n === undefined ? '?' : `${groupDigits(n)} Hz`);

function signedPpm(ppm: number): string {
  if (Math.abs(ppm) < 0.05) return '0 ppm';
  const a = Math.abs(ppm);
  return `${ppm < 0 ? '−' : '+'}${a >= 1000 ? groupDigits(a) : a.toFixed(1)} ppm`;
}

function perDay(seconds: number): string {
  const a = Math.abs(seconds);
  if (a < 0.0005) return 'no drift';
  return `${seconds < 0 ? 'loses' : 'gains'} ${fmtDuration(a)}/day`;
}

/** Greedy word wrap of one paragraph with a hanging indent. */
export function wrap(text: string, width: number, indent: string): string[] {
  // Keep digit groups together ("3 400 109 000 Hz" must not break inside the number).
  const GLUE = '\u0000';
  const words = text.replace(/(\d) (?=\d{3}(?!\d))/g, `$1${GLUE}`).split(/\s+/).filter((w) => w.length > 0).map((w) => w.replaceAll(GLUE, ' '));
  const lines: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.length > indent.length && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = indent + w;
    } else {
      cur = cur.length > indent.length ? `${cur} ${w}` : cur + w;
    }
  }
  if (cur.length > indent.length) lines.push(cur);
  return lines;
}

function inputsBlock(result: AnalysisResult, p: Paint): string[] {
  if (result.inputs.length === 0) return [];
  const out = [p('bold', 'Inputs')];
  const w = Math.min(60, Math.max(...result.inputs.map((i) => printable(i.path).length)));
  for (const i of result.inputs) {
    const state = i.status === 'ok' ? p('green', 'ok') : i.status === 'skipped' || i.status === 'no-evidence' ? p('dim', i.status) : p('red', i.status);
    const extra = [i.lines !== undefined ? `${groupDigits(i.lines)} lines` : '', i.message ?? ''].filter((x) => x.length > 0).join('; ');
    const kinds = i.kinds.length > 1 && i.kind !== 'capture-dir' ? i.kinds.join('+') : i.kind ?? '-';
    out.push(`  ${printable(i.path).padEnd(w)}  ${kinds.padEnd(21)}  ${state}${extra.length > 0 ? ` (${printable(extra)})` : ''}`);
  }
  return out;
}

/** The key facts: each kind's own lines (its descriptor's `keyFacts`), then what the user said. */
export function keyFacts(f: Facts): string[] {
  const lines: string[] = [];
  for (const kind of KIND_LIST) {
    const section = f[kind.key];
    if (section !== null) lines.push(...kind.keyFacts(section));
  }
  if (f.user.hostTscHz !== null) lines.push(`--host-tsc-hz ${hz(f.user.hostTscHz)} (you)`);
  return lines;
}

/** One clocksource's row: its numbers, or "not known" and why. */
function predictionRow(c: Prediction['perClocksource'][number], pred: Prediction, p: Paint, width: number): string[] {
  const mark = c.affected ? p('yellow', ' ← hit') : '';
  const cur = c.clocksource !== pred.clocksource ? '' : pred.reference === 'true-time' ? ' (in use)' : ' (guest uses it)';
  const g = c.guestSecondsPer300;
  if (c.driftPpm === null || c.secondsPerDay === null || g === null) {
    // The reason wraps under itself, beside the clocksource's name and "not known".
    const head = `  ${c.clocksource.padEnd(28)} ${'not known'.padStart(14)}  `;
    const body = wrap(`${printable(c.unknownBecause ?? 'no evidence for its rate')}${cur}`, Math.max(width, head.length + 30), ' '.repeat(head.length));
    return body.map((l, i) => (i === 0 ? head + l.trimStart() : l));
  }
  // A few ppm round to "300.00 s" but truncate to 4:59; show enough digits to tell them apart.
  const secs = g.toFixed(2) === '300.00' && g !== 300 ? g.toFixed(3) : g.toFixed(2);
  return [`  ${c.clocksource.padEnd(28)} ${signedPpm(c.driftPpm).padStart(14)}  ${perDay(c.secondsPerDay).padEnd(24)}  5:00 reads as ${c.fiveMinutesReadsAs ?? '?'} (${secs} s)${cur}${mark}`];
}

/** The prediction block: every clocksource's drift (or why it is not known), the correctors' effect, the limits, the assumptions. */
function predictionBlock(pred: Prediction | null, p: Paint, width: number): string[] {
  if (pred === null || pred.perClocksource.length === 0) return [];
  const against = pred.reference === 'host-clock' ? '; against the host\'s clock' : '';
  const out = [`${p('bold', 'Predicted drift')} (no time-sync correcting it${against})`];
  for (const c of pred.perClocksource) out.push(...predictionRow(c, pred, p, width));
  if (pred.corrected !== null) out.push(...wrap(`With ${pred.corrected.correctors.join(' + ') || 'no corrector'}: ${printable(pred.corrected.text)}`, width, '  '));
  const a = pred.absorb;
  if (a !== null && a !== undefined && a.beyond === true) {
    out.push(...wrap(`Beyond what ${a.by === 'none' ? 'a time-sync daemon such as ntpd' : a.by} can absorb (${groupDigits(a.ppm)} ppm): see PREDICTED_DRIFT_EXCEEDS_CORRECTOR below.`, width, '  ').map((l) => p('yellow', l)));
  }
  // Assumptions behind numbers; with no number shown there is nothing they stand behind.
  if (pred.assumptions.length > 0 && pred.perClocksource.some((c) => c.driftPpm !== null)) {
    out.push('  Assumptions:');
    for (const x of pred.assumptions) out.push(...wrap(printable(x.replace(/^assumption(?: \w+)?: /, '')), width, '      ').map((l, i) => (i === 0 ? `    - ${l.slice(6)}` : l)));
  }
  return out;
}

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
const COLOR: Record<Severity, keyof typeof ANSI> = { critical: 'red', warning: 'yellow', info: 'cyan' };

function findingBlock(f: Finding, width: number, p: Paint): string[] {
  const out: string[] = [];
  out.push(`${p(COLOR[f.severity], p('bold', LABEL[f.severity].padEnd(8)))}  ${p('bold', f.id)}`);
  out.push(...wrap(printable(f.title), width, '  '));
  if (f.detail) out.push(...wrap(printable(f.detail), width, '  ').map((l) => p('dim', l)));
  if (f.evidence.length > 0) {
    out.push('  Evidence:');
    for (const e of f.evidence) {
      const where = e.path !== undefined ? `${e.path}${e.line !== undefined ? `:${e.line}` : ''}: ` : e.line !== undefined ? `line ${e.line}: ` : `${e.source}: `;
      out.push(`    ${printable(where)}${printable(e.excerpt)}`);
    }
  }
  for (const fix of f.fixes) {
    out.push(...wrap(`Fix (${fix.where}): ${printable(fix.summary)}`, width, '  '));
    // Escape line by line: a newline inside a quoted name must stay a newline, or the pasted command
    // would pass a literal `\n`. shellQuote already wrote every other control character as printf.
    if (fix.command !== undefined) out.push(...fix.command.split('\n').map(printable));
  }
  return out;
}

/** Key facts, prediction, findings and skips of one machine. */
function subjectBlocks(sub: SubjectResult, findings: readonly Finding[], width: number, p: Paint): string[][] {
  const blocks: string[][] = [];
  const facts = keyFacts(sub.facts).map((l) => `  ${printable(l)}`);
  blocks.push(facts.length > 0 ? [p('bold', 'Key facts'), ...facts] : [p('bold', 'Key facts'), '  none: no input was understood']);
  const pred = predictionBlock(sub.prediction, p, width);
  if (pred.length > 0) blocks.push(pred);
  const n = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  if (findings.length === 0) {
    blocks.push([p('bold', 'Findings'), '  none: nothing in this evidence points to a clock problem']);
  } else {
    blocks.push([`${p('bold', 'Findings')} (${n('critical')} critical, ${n('warning')} warning, ${n('info')} info)`]);
    for (const f of findings) blocks.push(findingBlock(f, width, p));
  }
  if (sub.skipped.length > 0) {
    blocks.push([p('dim', `Not checked: ${sub.skipped.map((s) => `${s.analyzer} (${s.reason})`).join('; ')}`)]);
  }
  return blocks;
}

export function renderReport(result: AnalysisResult, opts: ReportOptions): string {
  const width = Math.max(60, opts.width ?? 100);
  const p: Paint = opts.color ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_s, text) => text;
  const blocks: string[][] = [];
  blocks.push([`${p('bold', 'clockdoctor')} ${result.tool.version}`]);
  if (result.notes.length > 0) blocks.push([p('bold', 'Note'), ...result.notes.flatMap((n) => wrap(printable(n), width, '  '))]);
  const inputs = inputsBlock(result, p);
  if (inputs.length > 0) blocks.push(inputs);
  const many = result.subjects.length > 1;
  result.subjects.forEach((sub, k) => {
    if (many) blocks.push([p('bold', `Machine ${k + 1} of ${result.subjects.length} (${sub.id}): ${printable(sub.label)}`), ...wrap(`from ${sub.inputs.map(printable).join(', ')}`, width, '  ')]);
    const own = result.findings.filter((f) => (f.subject ?? 's1') === sub.id);
    blocks.push(...subjectBlocks(sub, own, width, p));
  });
  const code = exitCodeFor(result);
  const verdict = code === 0 ? p('green', 'healthy') : code === 1 ? p('yellow', 'warnings') : code === 2 ? p('red', 'critical') : p('red', code === 66 ? (result.inputs.length === 0 ? 'no collector could read anything: nothing to diagnose' : 'an input is missing or unreadable') : 'no input was understood');
  blocks.push([`Verdict: ${verdict} (exit ${code})`]);
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}
