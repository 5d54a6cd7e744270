/**
 * The model reads the facts and the derived values (agent/derive), never a rule: simulator/ imports
 * nothing from analyzers/, and neither do the derivations the model and the rules share (the VMware
 * rates, the check of --host-tsc-hz). The rules about the prediction take only its types.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const importsOf = (file: string): string[] =>
  [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => `${m[1] ? 'type ' : ''}${m[2]}`);

describe('the direction of the model\'s imports', () => {
  const simulator = fs.readdirSync(path.join(ROOT, 'simulator')).filter((f) => f.endsWith('.ts')).map((f) => path.join('simulator', f));
  it.each([...simulator, 'agent/derive/vmware.ts', 'agent/derive/user-rate.ts'])('%s imports no analyzer', (file) => {
    expect(importsOf(file).filter((i) => /analyzers\//.test(i))).toEqual([]);
  });
  it('analyzers/prediction.ts takes only types from the simulator: it judges the prediction, it does not compute one', () => {
    const sim = importsOf('analyzers/prediction.ts').filter((i) => /simulator\//.test(i));
    expect(sim.length).toBeGreaterThan(0);
    expect(sim.every((i) => i.startsWith('type '))).toBe(true);
  });
});
