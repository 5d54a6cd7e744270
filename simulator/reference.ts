/**
 * Brute-force fixed-step reference for the event engine: model.md §0's "simulation contract" taken
 * literally — advance θ by (e + u)·dt every step, deliver slews at their rate within the step, run each
 * corrector whose poll is due. It shares the clocks and the correctors' decision logic with the engine
 * but none of its event arithmetic (crossing times, slew ends, poll skipping, catch-up phases), so
 * agreement between the two checks the engine's shortcuts.
 *
 * It applies where every event falls on the step grid: corrector polls, pvclock re-anchors and stall
 * edges at multiples of `dt`, no catch-up phases and no threshold watchers (ntpd's spike timer).
 */
import { clockModels } from './clocks.js';
import { createCorrectors } from './correctors.js';
import { ModelError, type ModelParams } from './model-params.js';
import type { EngineState, Kernel } from './state.js';

export interface FixedStepResult {
  offsetSeconds: number;
  minOffsetSeconds: number;
  maxOffsetSeconds: number;
  stepCount: number;
  steps: number;
}

const onGrid = (x: number, dt: number): boolean => Math.abs(x / dt - Math.round(x / dt)) < 1e-9;

export function simulateFixedStep(p: ModelParams, dt = 1): FixedStepResult {
  const cs = clockModels(p);
  let clock = cs.clocks.get(p.clocksource);
  if (!clock) throw new ModelError(`clocksource ${p.clocksource} not offered`);
  if (p.correctors.some((c) => c.name === 'ntpd')) throw new ModelError('fixed-step reference: ntpd acts at threshold crossings between steps');
  for (const st of p.stalls) {
    if (!onGrid(st.atSeconds, dt) || !onGrid(st.durationSeconds, dt)) throw new ModelError('fixed-step reference: stalls must start and end on the step grid');
    if (st.kind === 'stall' && clock.stall.frozen && clock.stall.catchUp) throw new ModelError('fixed-step reference: catch-up phases end between steps');
  }
  if (clock.pvUpdateSeconds !== null && (clock.pvUpdateSeconds < 10 || !onGrid(clock.pvUpdateSeconds, dt))) throw new ModelError('fixed-step reference: pvclock updates must be on the grid');
  const s: EngineState = { t: 0, theta: p.initialOffsetSeconds, eClock: clock.e, extra: 0, uFreq: 0, slewR: 0, slewRate: 0, slewOwner: -1, natural: 0, csAccum: 0 };
  let stepCount = 0;
  const kernel: Kernel = {
    s,
    step(by, amount) {
      s.theta += amount;
      if (s.slewOwner === by) { s.slewR = 0; s.slewOwner = -1; }
      stepCount++;
    },
    adjtime(by, amount, rate) {
      s.slewR = amount;
      s.slewRate = rate;
      s.slewOwner = amount === 0 ? -1 : by;
    },
    setFreq(_by, u) { s.uFreq = u; },
    note() {},
  };
  const correctors = createCorrectors(p.correctors, p.assumptions);
  const n = Math.round(p.durationSeconds / dt);
  let minO = s.theta, maxO = s.theta;
  let nextPv = clock.pvUpdateSeconds ?? Infinity;
  const wdAt = cs.watchdog?.switchTo && cs.watchdog.verdict.detectedAfterSeconds !== null ? cs.watchdog.verdict.detectedAfterSeconds : Infinity;
  let frozenUntil = -1;
  for (let k = 0; k <= n; k++) {
    s.t = k * dt;
    // The engine reports the state at T before anything scheduled at T; so does this.
    if (k === n) break;
    for (const c of correctors) {
      while (c.active && c.nextDue() <= s.t + 1e-9) c.fire(kernel);
    }
    if (s.t >= nextPv - 1e-9) {
      if (s.csAccum !== 0) { s.theta -= s.csAccum; s.natural -= s.csAccum; stepCount++; }
      s.csAccum = 0;
      nextPv += clock.pvUpdateSeconds ?? Infinity;
    }
    for (const st of p.stalls) {
      if (Math.abs(st.atSeconds - s.t) < 1e-9) {
        if (st.kind === 'suspend' || clock.stall.frozen) { s.extra = -1; frozenUntil = st.atSeconds + st.durationSeconds; }
      }
      if (Math.abs(st.atSeconds + st.durationSeconds - s.t) < 1e-9) {
        if (frozenUntil >= 0) { s.extra = 0; frozenUntil = -1; }
        else if (clock.stall.wrapSeconds !== null && st.kind === 'stall') {
          const lost = Math.floor(st.durationSeconds / clock.stall.wrapSeconds) * clock.stall.wrapSeconds;
          if (lost > 0) { s.theta -= lost; s.natural -= lost; stepCount++; }
        }
      }
    }
    if (Math.abs(s.t - wdAt) < 1e-9 && cs.watchdog?.switchTo) {
      const to = cs.clocks.get(cs.watchdog.switchTo);
      if (to) { clock = to; s.eClock = to.e; nextPv = to.pvUpdateSeconds !== null ? s.t + to.pvUpdateSeconds : Infinity; }
    }
    if (s.theta < minO) minO = s.theta;
    if (s.theta > maxO) maxO = s.theta;
    let slewPart = 0;
    if (s.slewR !== 0) {
      const d = Math.min(Math.abs(s.slewR), s.slewRate * dt);
      slewPart = s.slewR > 0 ? d : -d;
      s.slewR -= slewPart;
      if (Math.abs(s.slewR) < 1e-15) { s.slewR = 0; s.slewOwner = -1; }
    }
    s.theta += (s.eClock + s.extra + s.uFreq) * dt + slewPart;
    s.natural += (s.eClock + s.extra) * dt;
    s.csAccum += s.eClock * dt;
    if (s.theta < minO) minO = s.theta;
    if (s.theta > maxO) maxO = s.theta;
  }
  return { offsetSeconds: s.theta, minOffsetSeconds: minO, maxOffsetSeconds: maxO, stepCount, steps: n };
}
