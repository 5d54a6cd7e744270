/**
 * What reaches a terminal: the report's fix commands keep a quoted newline as a newline (so the
 * pasted command passes the exact name), and --json escapes DEL, C1 and bidi controls that
 * JSON.stringify leaves raw — while staying the same JSON value.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyFacts } from '../../agent/facts.js';
import { diagnose } from '../../agent/diagnose.js';
import type { AnalysisResult } from '../../agent/result.js';
import { renderJson } from '../../agent/outputs/json.js';
import { renderReport } from '../../agent/outputs/report.js';
import { shellJoin } from '../../agent/util/shell-quote.js';

const NAME = 'evil\nname\u009b31m\u202e;$(touch x)';

function resultWith(command: string, title: string): AnalysisResult {
  return {
    ...diagnose(emptyFacts()),
    tool: { name: 'clockdoctor', version: 'test' },
    prediction: null,
    findings: [{ id: 'TEST', severity: 'warning', title, evidence: [{ source: 'vbox', excerpt: title }], fixes: [{ summary: 'do it', command, where: 'host' }] }],
  };
}

describe('output escapes', () => {
  const command = shellJoin(['VBoxManage', 'setextradata', NAME, 'VBoxInternal/TM/TSCTicksPerSecond', '3400109000']);

  it('prints a fix command that, pasted into sh, passes the exact name', () => {
    const report = renderReport(resultWith(command, 'title'), { color: false, width: 100 });
    const start = report.indexOf('VBoxManage');
    const end = report.indexOf('3400109000', start) + '3400109000'.length;
    const pasted = report.slice(start, end);
    // eslint-disable-next-line no-control-regex
    expect(pasted).not.toMatch(/[\u001b\u009b\u202e]/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-paste-'));
    try {
      fs.writeFileSync(path.join(dir, 'VBoxManage'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n', { mode: 0o755 });
      const out = execFileSync('sh', ['-c', pasted], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } });
      expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(['setextradata', NAME, 'VBoxInternal/TM/TSCTicksPerSecond', '3400109000']);
      expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes DEL, C1 and bidi controls in --json and keeps the value', () => {
    const title = `a\u007fb\u0085c\u009bd\u2028e\u202ef`;
    const json = renderJson(resultWith('true', title));
    // eslint-disable-next-line no-control-regex
    expect(json).not.toMatch(/[\u007f-\u009f\u2028\u202e]/);
    expect((JSON.parse(json) as { findings: { title: string }[] }).findings[0]!.title).toBe(title);
  });
});
