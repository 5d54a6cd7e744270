/**
 * The pieces of `analyze` below the command: diagnose (sorting, exit-code precedence), the JSON
 * document (every section and key present), the report (evidence quoted, commands alone on a line,
 * colour only when asked), and the command's argument rules.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, exitCodeFor, sortFindings } from '../../agent/diagnose.js';
import { toJsonDocument } from '../../agent/outputs/json.js';
import { renderReport, wrap } from '../../agent/outputs/report.js';
import { parseHostTscHz, useColor } from '../../agent/commands/report-flags.js';
import { UsageError } from '../../agent/errors.js';
import type { Finding } from '../../agent/findings.js';
import type { InputStatus } from '../../agent/result.js';
import { documentedVbox, facts } from '../analyzers/helpers.js';

const f = (id: string, severity: Finding['severity']): Finding => ({ id, severity, title: id, evidence: [{ source: 'vbox', excerpt: 'x' }], fixes: [{ where: 'host', summary: 's' }] });
const input = (status: InputStatus['status'], kind: InputStatus['kind'] = 'vbox'): InputStatus => ({ path: `/x/${status}`, kind, kinds: kind === null ? [] : [kind as never], status });

describe('diagnose', () => {
  it('sorts critical, warning, info, then by id', () => {
    expect(sortFindings([f('B', 'info'), f('Z', 'critical'), f('A', 'info'), f('C', 'warning')]).map((x) => x.id)).toEqual(['Z', 'C', 'A', 'B']);
  });

  it('gives the documented case a critical finding and a prediction', () => {
    const r = diagnose(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }), { inputs: [input('ok')] });
    expect(r.findings[0]!.id).toBe('VBOX_TSC_FREQUENCY_MISMATCH');
    expect(r.prediction?.driftPpm).toBeCloseTo(-22_472, -1);
    expect(exitCodeFor(r)).toBe(2);
  });

  it('exit codes: 66 (missing) > 65 (nothing understood at all) > findings', () => {
    const base = diagnose(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }));
    const withInputs = (inputs: InputStatus[]) => exitCodeFor({ ...base, inputs });
    expect(withInputs([input('ok')])).toBe(2);
    expect(withInputs([input('ok'), input('skipped')])).toBe(2);
    // One input without evidence beside one with it does not stop the diagnosis (issue 11).
    expect(withInputs([input('ok'), input('not-recognised', null)])).toBe(2);
    expect(withInputs([input('ok'), input('no-evidence', null)])).toBe(2);
    expect(withInputs([input('ok'), input('failed', 'kernel-log')])).toBe(2);
    expect(withInputs([input('no-evidence', null), input('failed', 'kernel-log')])).toBe(65);
    expect(withInputs([input('not-recognised', null), input('failed', null)])).toBe(66);
    expect(exitCodeFor({ ...base, findings: [f('A', 'warning'), f('B', 'info')] })).toBe(1);
    expect(exitCodeFor({ ...base, findings: [f('B', 'info')] })).toBe(0);
  });
});

describe('JSON document', () => {
  it('lists every section, absent ones as null, and every key of a present one', () => {
    const doc = toJsonDocument(diagnose(facts({ vbox: documentedVbox({ guestAdditionsVersion: undefined as unknown as null }) })));
    expect(Object.keys(doc.facts)).toEqual(['vbox', 'kernelLog', 'cpuinfo', 'timerList', 'clocksource', 'clockevents', 'cmdline', 'timesync', 'rtc', 'hypervisor', 'clockReadCost', 'vmware', 'vmtools', 'chrony', 'ntp', 'timedatectl', 'timesyncd', 'vboxservice', 'uname', 'lscpu', 'hwclock', 'ptp', 'date', 'packages', 'versions', 'virt', 'user']);
    expect(doc.facts.kernelLog).toBeNull();
    const vbox = doc.facts.vbox as Record<string, unknown>;
    expect(vbox.guestAdditionsVersion).toBeNull();
    expect(Object.keys(vbox)).toEqual(Object.keys(documentedVbox()));
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('report', () => {
  const result = diagnose(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }), { inputs: [{ path: 'VBox.log', kind: 'vbox', kinds: ['vbox'], status: 'ok', lines: 1491 }] });

  it('quotes evidence as file:line: excerpt and puts each command alone on its line', () => {
    const text = renderReport(result, { color: false });
    expect(text).toContain('VBox.log:500: 00:00:01.000000 TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb)');
    const lines = text.split('\n');
    for (const fx of result.findings.flatMap((x) => x.fixes)) if (fx.command) expect(lines).toContain(fx.command);
    expect(text).toContain('5:00 reads as 4:53 (293.26 s)');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('lists what the prediction assumes, without the "assumption:" prefix of the model', () => {
    const hinted = diagnose(facts({ vbox: documentedVbox() }));
    expect(hinted.prediction?.assumptions.length).toBeGreaterThan(0);
    const text = renderReport(hinted, { color: false });
    expect(text).toContain('  Assumptions:\n    - ');
    expect(text).not.toMatch(/^ {4}- assumption/m);
  });

  it('colours only when asked', () => {
    expect(renderReport(result, { color: true })).toMatch(/\x1b\[31m/);
  });

  it('neutralises control characters from inputs', () => {
    const evil = diagnose(facts({ vbox: documentedVbox({ vmName: 'a\x1b[2Jb', refs: { tscTicksPerSecond: { line: 1, excerpt: 'TM: \x1b]0;owned\x07' } } }), user: { hostTscHz: 3_400_109_000 } }));
    const text = renderReport(evil, { color: false });
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\x07');
    expect(text).toContain('\\x1b]0;owned\\x07');
  });

  it('wraps without splitting digit groups', () => {
    const lines = wrap('the host TSC ticks at 3 400 109 000 Hz: kvm-clock loses', 30, '  ');
    expect(lines.some((l) => l.includes('3 400 109 000'))).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
  });
});

describe('analyze arguments', () => {
  it('--host-tsc-hz accepts whole Hz in 1 MHz..100 GHz, with digit groups and units (test/util/units.test.ts has the grammar)', () => {
    expect(parseHostTscHz('3400109000')).toBe(3_400_109_000);
    expect(parseHostTscHz('3_400_109_000')).toBe(3_400_109_000);
    expect(parseHostTscHz('3.4GHz')).toBe(3_400_000_000);
    expect(parseHostTscHz('3400.109MHz')).toBe(3_400_109_000);
    expect(parseHostTscHz(undefined)).toBeUndefined();
    for (const bad of ['3.4THz', '-1', '999999', '100000000001', '']) expect(() => parseHostTscHz(bad)).toThrow(UsageError);
  });

  it('colour needs a TTY, no NO_COLOR and no --no-color', () => {
    expect(useColor(true, true, {})).toBe(true);
    expect(useColor(true, false, {})).toBe(false);
    expect(useColor(false, true, {})).toBe(false);
    expect(useColor(true, true, { NO_COLOR: '' })).toBe(false);
  });
});
