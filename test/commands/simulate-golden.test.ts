/**
 * Golden text of `clockdoctor simulate` for a few runs (the renderer, no process). Regenerate
 * deliberately with UPDATE_GOLDEN=1 and read the diff before committing it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSimulation, simulationJson } from '../../agent/commands/simulate.js';
import { simulate } from '../../simulator/engine.js';
import { defaultParams, type ModelParams } from '../../simulator/model-params.js';
import { findScenario } from '../../simulator/scenarios.js';
import { expectGolden } from '../helpers/golden.js';

const DIR = path.resolve(import.meta.dirname, '..', 'simulator', 'golden');

function scenarioParams(id: string): ModelParams {
  const p = findScenario(id)?.runs[0]?.params;
  if (!p) throw new Error(`no scenario ${id}`);
  return p;
}

const CASES: [string, ModelParams][] = [
  ['s1', scenarioParams('S1')],
  ['s1c', scenarioParams('S1c')],
  ['s8', scenarioParams('S8')],
  ['s20-70s-vboxservice', defaultParams({ hypervisor: 'virtualbox', paravirt: 'none', clocksource: 'tsc', stalls: [{ atSeconds: 100, durationSeconds: 70, kind: 'stall' }], correctors: [{ name: 'vboxservice' }], durationSeconds: 2 * 86400 })],
  ['fight', defaultParams({ hypervisor: 'virtualbox', paravirt: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, correctors: [{ name: 'vboxservice', referenceOffsetSeconds: 0.5 }, { name: 'chrony' }], durationSeconds: 86400 })],
];

describe('golden simulate output', () => {
  for (const [name, params] of CASES) {
    it(name, () => {
      const r = simulate(params);
      const text = renderSimulation(r, `golden: ${name}`);
      // Ten significant digits: the numbers, not the last bits of float noise.
      const round = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v);
      const json = `${JSON.stringify({ driftPpm: simulationJson(r).driftPpm, guestElapsedSeconds: r.guestElapsedSeconds, offsetSeconds: r.offsetSeconds, pattern: r.pattern, stepCount: r.stepCount, firstSteps: r.steps.slice(0, 3) }, round, 2)}\n`;
      const txtFile = path.join(DIR, `${name}.txt`);
      const jsonFile = path.join(DIR, `${name}.json`);
      expectGolden(txtFile, text);
      expectGolden(jsonFile, json);
    });
  }
});
