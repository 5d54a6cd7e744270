/**
 * Golden end-to-end outputs of `analyze` over every supported real capture (test/fixtures, copied from
 * the corpus with SOURCE notes) and the bundled example: the JSON document and the text report.
 * Runs in-process through the same modules the command uses (readInputs → diagnose → outputs).
 * Regenerate deliberately with UPDATE_GOLDEN=1 and read the diff.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { diagnoseSubjects } from '../../agent/diagnose.js';
import { renderJson } from '../../agent/outputs/json.js';
import { renderReport } from '../../agent/outputs/report.js';
import { expectGolden } from '../helpers/golden.js';
import { ROOT } from '../helpers/cli.js';

const GOLDEN = path.join(ROOT, 'test', 'golden', 'e2e');

interface Case {
  name: string;
  files: string[];
  hostTscHz?: number;
}

function fixtureCases(): Case[] {
  const cases: Case[] = [];
  for (const kind of ['vbox', 'dmesg', 'cpuinfo', 'timer_list']) {
    const dir = path.join('test', 'fixtures', kind);
    for (const f of fs.readdirSync(path.join(ROOT, dir)).sort()) {
      if (f === 'SOURCE.md' || f === 'MANIFEST.tsv') continue;
      cases.push({ name: `${kind}--${f.replace(/\.txt$/, '')}`, files: [path.join(dir, f)] });
    }
  }
  const example = path.join('examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
  cases.push({ name: 'example--virtualbox-5.0-kvm-drift', files: [example] });
  cases.push({ name: 'example--virtualbox-5.0-kvm-drift--host-tsc-hz', files: [example], hostTscHz: 3_400_109_000 });
  cases.push({ name: 'capture--firecracker-kvm-6.18', files: [path.join('test', 'fixtures', 'capture', 'firecracker-kvm-6.18')] });
  // Host log and guest evidence of VirtualBox KVM guests analysed together (sections merge).
  cases.push({ name: 'mixed--example-and-vbox-guest-dmesg', files: [example, path.join('test', 'fixtures', 'dmesg', 'vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt')], hostTscHz: 3_400_109_000 });
  return cases;
}

const check = (file: string, actual: string): void => expectGolden(path.join(GOLDEN, file), actual);

describe('analyze golden outputs', () => {
  const prev = process.cwd();
  it.each(fixtureCases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    process.chdir(ROOT); // paths in the output stay repo-relative
    try {
      const { subjects, inputs, sources } = await readInputs(c.files, c.hostTscHz !== undefined ? { hostTscHz: c.hostTscHz } : {});
      const result = diagnoseSubjects(subjects, { inputs, sources });
      // Durations of capture collectors vary run to run; they are not part of what a golden pins.
      result.sources = Object.fromEntries(Object.entries(result.sources).map(([k, s]) => [k, { ...s, durationMs: 0 }]));
      // The model's prose is pinned by the model's own goldens; here its numbers and tags are, so a
      // rewording there does not churn every analyze golden.
      const strip = (p: typeof result.prediction): typeof result.prediction => (p === null ? null : {
        ...p,
        explanation: [],
        assumptions: [],
        perClocksource: p.perClocksource.map((x) => ({ ...x, contributions: x.contributions.map((y) => ({ ...y, text: '' })) })),
        corrected: p.corrected === null ? null : { ...p.corrected, text: '' },
      });
      result.prediction = strip(result.prediction);
      result.subjects = result.subjects.map((sub) => ({ ...sub, prediction: strip(sub.prediction) }));
      check(`${c.name}.json`, renderJson(result));
      check(`${c.name}.txt`, renderReport(result, { color: false, width: 100 }));
      expect(inputs.every((i) => i.status === 'ok')).toBe(true);
    } finally {
      process.chdir(prev);
    }
  });
});
