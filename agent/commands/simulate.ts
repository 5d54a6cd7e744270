/**
 * `clockdoctor simulate` — run the timekeeping model: a reference scenario (`--scenario S1`, `--list`),
 * a configuration from flags, or the configuration the evidence describes (files as `analyze` takes
 * them, or `--from DIR`). Prints the drift pattern, what the guest clock shows after the duration and
 * the tagged explanation; `--json` for the numbers, `--plot FILE.svg` for a picture.
 */
import fs from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';
import { InputError, UsageError } from '../errors.js';
import { readInputs } from '../gather/index.js';
import { inputExitCode } from '../diagnose.js';
import { printable } from '../util/sanitize.js';
import { renderOffsetPlot } from '../outputs/svg-plot.js';
import { parseHostTscHz } from './report-flags.js';
import { simulate, type SimResult } from '../../simulator/engine.js';
import { ASSUMPTION_DEFAULTS, type Assumptions } from '../../simulator/constants.js';
import { fmtDuration, fmtNumber, fmtPpm, fmtSeconds, fmtSignedSeconds, groupDigits, minutesSeconds } from '../util/format.js';
import { parseDuration } from '../util/units.js';
import {
  CLOCK_NAMES, CORRECTOR_NAMES, ModelError, defaultParams, type CorrectorName, type CorrectorSpec, type Hypervisor,
  type LostTickPolicy, type ModelParams, type Paravirt, type StallSpec, type TscMode,
} from '../../simulator/model-params.js';
import { paramsFromFacts } from '../../simulator/params-from-facts.js';
import { SCENARIOS, findScenario, runScenario, type ScenarioOutcome } from '../../simulator/scenarios.js';

interface SimulateArgs {
  file?: string[];
  from?: string;
  scenario?: string;
  list: boolean;
  hypervisor?: string;
  paravirt?: string;
  arch?: string;
  'vmware-ptsc'?: string;
  clocksource?: string;
  'claimed-tsc-hz'?: string;
  'true-tsc-hz'?: string;
  'host-tsc-hz'?: string;
  'tsc-mode'?: string;
  'tsc-override'?: boolean;
  kernel?: string;
  hz?: number;
  tick?: string;
  'lost-ticks'?: string;
  'lost-tick-policy'?: string;
  'crystal-ppm'?: number;
  corrector?: string[];
  stall?: string[];
  'initial-offset'?: number;
  'host-offset'?: number;
  assume?: string[];
  duration?: string;
  json: boolean;
  plot?: string;
}

/** 100 years: beyond that a run tells nothing new and only costs time. */
const MAX_DURATION_SECONDS = 100 * 365 * 86400;

const HYPERVISORS: readonly Hypervisor[] = ['virtualbox', 'kvm', 'vmware', 'xen', 'hyperv', 'bare-metal'];
const PARAVIRTS: readonly Paravirt[] = ['kvm', 'hyperv', 'minimal', 'legacy', 'none'];
const TSC_MODES: readonly TscMode[] = ['Dynamic', 'VirtTscEmulated', 'RealTscOffset', 'NativeApi'];
const POLICIES: readonly LostTickPolicy[] = ['discard', 'delay', 'slew', 'reinject'];
const CORRECTOR_ALIASES: Record<string, CorrectorName | 'none'> = {
  ntp: 'ntpd', ntpd: 'ntpd', chrony: 'chrony', chronyd: 'chrony', timesyncd: 'timesyncd', 'systemd-timesyncd': 'timesyncd',
  vboxservice: 'vboxservice', 'vbox-service': 'vboxservice', 'vmware-tools': 'vmware-tools', vmtoolsd: 'vmware-tools', none: 'none',
};

function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!hit) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}; got "${printable(raw)}"`);
  return hit;
}

function hzFlag(flag: string, raw: string | undefined): number | undefined {
  return parseHostTscHz(raw, `--${flag}`);
}

/** A duration in seconds in the grammar every duration flag shares (agent/util/units.ts), or null. */
function seconds(text: string): number | null {
  const d = parseDuration(text);
  return d.ok ? d.value.seconds : null;
}

/** "2%", "0.02" → 0.02. */
function fractionFlag(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = raw.trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(v >= 0 && v < 1)) throw new UsageError(`--${flag} takes a fraction of ticks lost, like 2% or 0.02 (below 100 %); got "${printable(raw)}"`);
  return v;
}

function finite(flag: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v)) throw new UsageError(`--${flag} must be a number`);
  return v;
}

/** `--stall 100:70` (start 100 s, 70 s long), `--stall 1h:10s`, `--stall 5d:2h:suspend`. */
function stallFlag(raw: string): StallSpec {
  const parts = raw.split(':');
  const at = seconds(parts[0] ?? '');
  const dur = seconds(parts[1] ?? '');
  const kind = parts[2] ?? 'stall';
  if (at === null || dur === null || dur <= 0 || (kind !== 'stall' && kind !== 'suspend') || parts.length > 3) {
    throw new UsageError(`--stall takes START:LENGTH[:suspend], e.g. 100:70 or 2h:10s; got "${printable(raw)}"`);
  }
  return { atSeconds: at, durationSeconds: dur, kind };
}

function assumeFlag(raw: string, into: Partial<Assumptions>): void {
  const m = /^([A-Za-z]+)=(.+)$/.exec(raw);
  const key = m?.[1] as keyof Assumptions | undefined;
  if (!m || !key || !(key in ASSUMPTION_DEFAULTS)) {
    throw new UsageError(`--assume takes KEY=VALUE with KEY one of ${Object.keys(ASSUMPTION_DEFAULTS).join(', ')}; got "${printable(raw)}"`);
  }
  const def = ASSUMPTION_DEFAULTS[key];
  const val = m[2] ?? '';
  if (typeof def === 'number') {
    const n = Number(val);
    if (!Number.isFinite(n)) throw new UsageError(`--assume ${key} needs a number, got "${printable(val)}"`);
    (into as Record<string, number | string>)[key] = n;
  } else {
    if (!/^\d+\.\d+$/.test(val)) throw new UsageError(`--assume ${key} needs a kernel version like 4.16, got "${printable(val)}"`);
    (into as Record<string, number | string>)[key] = val;
  }
}

/** Flags on top of a base configuration (defaults, or what the evidence says). */
export function paramsFromFlags(a: SimulateArgs, base: ModelParams): ModelParams {
  const p: ModelParams = { ...base, assumptions: { ...base.assumptions } };
  const hv = oneOf('hypervisor', a.hypervisor, HYPERVISORS);
  if (hv) p.hypervisor = hv;
  const pv = oneOf('paravirt', a.paravirt, PARAVIRTS);
  if (pv) p.paravirt = pv;
  const arch = oneOf('arch', a.arch, ['x86', 'arm64'] as const);
  if (arch) {
    p.arch = arch;
    // The generic timer is the only counter clocksource an arm64 guest has.
    if (arch === 'arm64' && a.clocksource === undefined) p.clocksource = 'arch_sys_counter';
  }
  const ptsc = oneOf('vmware-ptsc', a['vmware-ptsc'], ['tsc', 'reference-clock'] as const);
  if (ptsc) p.vmwarePtsc = ptsc;
  const cs = oneOf('clocksource', a.clocksource, CLOCK_NAMES);
  if (cs) p.clocksource = cs;
  const claimed = hzFlag('claimed-tsc-hz', a['claimed-tsc-hz']);
  if (claimed !== undefined) p.claimedTscHz = claimed;
  const truth = hzFlag('true-tsc-hz', a['true-tsc-hz']) ?? hzFlag('host-tsc-hz', a['host-tsc-hz']);
  if (truth !== undefined) p.trueTscHz = truth;
  const mode = oneOf('tsc-mode', a['tsc-mode'], TSC_MODES);
  if (mode) p.tscMode = mode;
  if (a['tsc-override'] !== undefined) p.tscTicksPerSecondOverride = a['tsc-override'];
  if (a.kernel !== undefined) {
    if (!/^\d+\.\d+/.test(a.kernel)) throw new UsageError(`--kernel takes a version like 3.2 or 5.15.0-91-generic, got "${printable(a.kernel)}"`);
    p.kernelVersion = a.kernel;
  }
  if (a.hz !== undefined) {
    if (!Number.isInteger(a.hz) || a.hz < 24 || a.hz > 10000) throw new UsageError(`--hz must be a whole number like 100, 250, 300 or 1000; got ${a.hz}`);
    p.hz = a.hz;
  }
  const tick = oneOf('tick', a.tick, ['periodic', 'nohz'] as const);
  if (tick) p.tick = tick;
  const lost = fractionFlag('lost-ticks', a['lost-ticks']);
  if (lost !== undefined) {
    p.lostTickFraction = lost;
    // Lost ticks only exist with a periodic tick.
    if (lost > 0 && a.tick === undefined) p.tick = 'periodic';
  }
  const pol = oneOf('lost-tick-policy', a['lost-tick-policy'], POLICIES);
  if (pol) p.lostTickPolicy = pol;
  const crystal = finite('crystal-ppm', a['crystal-ppm']);
  if (crystal !== undefined) p.crystalPpm = crystal;
  const init = finite('initial-offset', a['initial-offset']);
  if (init !== undefined) p.initialOffsetSeconds = init;
  if (a.corrector !== undefined) {
    const list: CorrectorSpec[] = [];
    for (const raw of a.corrector.flatMap((c) => c.split(','))) {
      const name = CORRECTOR_ALIASES[raw.trim().toLowerCase()];
      if (!name) throw new UsageError(`--corrector must be one of ${[...CORRECTOR_NAMES, 'none'].join(', ')}; got "${printable(raw)}"`);
      if (name !== 'none') list.push({ name });
    }
    p.correctors = list;
  }
  if (a.stall !== undefined) p.stalls = a.stall.map(stallFlag);
  const hostOffset = finite('host-offset', a['host-offset']);
  if (hostOffset !== undefined) {
    // VBoxService and VMware Tools follow the host clock; NTP daemons follow true time.
    p.correctors = p.correctors.map((c) => (c.name === 'vboxservice' || c.name === 'vmware-tools' ? { ...c, referenceOffsetSeconds: hostOffset } : c));
  }
  const assumed: Partial<Assumptions> = {};
  for (const raw of a.assume ?? []) assumeFlag(raw, assumed);
  p.assumptions = { ...p.assumptions, ...assumed };
  if (a.duration !== undefined) {
    const d = seconds(a.duration);
    if (d === null || d <= 0) throw new UsageError(`--duration takes a duration like 300, 5m, 2h, 1d or 1y; got "${printable(a.duration)}"`);
    if (d > MAX_DURATION_SECONDS) throw new UsageError(`--duration is at most 100y (a guest's clock settles into its pattern long before); got "${printable(a.duration)}"`);
    p.durationSeconds = d;
  }
  return p;
}

const HV_NAME: Record<Hypervisor, string> = { virtualbox: 'VirtualBox', kvm: 'KVM', vmware: 'VMware', xen: 'Xen', hyperv: 'Hyper-V', 'bare-metal': 'bare metal' };

function describeConfig(p: ModelParams): string {
  const parts = [HV_NAME[p.hypervisor]];
  if (p.hypervisor === 'virtualbox') parts.push(`paravirt ${p.paravirt}`);
  parts.push(p.clocksource);
  if (p.claimedTscHz !== null) parts.push(`claimed ${groupDigits(p.claimedTscHz)} Hz`);
  if (p.trueTscHz !== null) parts.push(`true ${groupDigits(p.trueTscHz)} Hz`);
  if (p.kernelVersion) parts.push(`kernel ${p.kernelVersion}`);
  if (p.tick === 'periodic') parts.push(`periodic HZ=${p.hz}`);
  if (p.lostTickFraction > 0) parts.push(`${(p.lostTickFraction * 100).toFixed(2)} % ticks lost`);
  if (p.crystalPpm) parts.push(`crystal ${fmtPpm(p.crystalPpm)}`);
  parts.push(p.correctors.length ? p.correctors.map((c) => c.name).join(' + ') : 'no corrector');
  return parts.join(', ');
}

/** The human report of one run. */
export function renderSimulation(r: SimResult, heading: string): string {
  const T = r.durationSeconds;
  const out: string[] = [];
  out.push(heading);
  out.push(`  configuration  ${describeConfig(r.params)}`);
  out.push(`  duration       ${fmtDuration(T)} (${groupDigits(T)} s)`);
  const perDay = r.driftPpm * 1e-6 * 86400;
  out.push(`  drift          ${fmtPpm(r.driftPpm)} raw (${fmtSignedSeconds(perDay)} per day) on ${r.clocksourceStart}${r.clocksource !== r.clocksourceStart ? `, then ${r.clocksource}` : ''}`);
  // A stopwatch reading (m:ss) for up to an hour, seconds beyond.
  const short = T <= 3600;
  // The stopwatch truncates; print enough digits that 299.9995 s does not read as "4:59 (300.00 s)".
  const g = r.guestElapsedSeconds;
  const exact = Math.floor(Number(g.toFixed(2))) === Math.floor(g + 1e-6) ? g.toFixed(2) : g.toPrecision(7);
  const shown = short ? `${minutesSeconds(r.guestElapsedSeconds)} (${exact} s)` : `${fmtNumber(r.guestElapsedSeconds)} s`;
  out.push(`  guest time     after ${short ? minutesSeconds(T) : `${fmtDuration(T)} (${groupDigits(T)} s)`} of real time the guest clock shows ${shown}; offset ${fmtSignedSeconds(r.offsetSeconds)}`);
  out.push(`  pattern        ${r.pattern.text}`);
  if (r.stepCount > 0) {
    const shownSteps = r.steps.slice(0, 5).map((s) => `${fmtSignedSeconds(s.seconds)} at ${fmtSeconds(s.t)} (${s.by})`).join('; ');
    out.push(`  steps          ${r.stepCount}: ${shownSteps}${r.stepCount > 5 ? '; …' : ''}`);
  }
  if (r.fight) out.push(`  fight          ${r.fight}`);
  out.push('');
  out.push('Why');
  for (const e of r.explanation) out.push(`  - ${e}`);
  if (r.assumptions.length) {
    out.push('');
    out.push('Assumptions (unconfirmed numbers, override with --assume KEY=VALUE)');
    for (const a of r.assumptions) out.push(`  - ${a}`);
  }
  return `${out.join('\n')}\n`;
}

function renderChecks(o: ScenarioOutcome): string {
  const out: string[] = ['', `Checks against model.md §6 (${o.scenario.expected})`];
  for (const c of o.checks) {
    const num = fmtNumber;
    out.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.label}: ${num(c.actual)} (expected ${num(c.expected)} ± ${num(c.tolerance)})`);
  }
  if (o.scenario.note) out.push(`  note: ${o.scenario.note}`);
  return `${out.join('\n')}\n`;
}

/** The JSON form of a run (documented in docs/model.md). */
export function simulationJson(r: SimResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    configuration: describeConfig(r.params),
    params: r.params,
    durationSeconds: r.durationSeconds,
    clocksourceStart: r.clocksourceStart,
    clocksource: r.clocksource,
    driftPpm: r.driftPpm,
    longTermDriftPpm: r.longTermDriftPpm,
    secondsPerDay: r.driftPpm * 1e-6 * 86400,
    initialOffsetSeconds: r.initialOffsetSeconds,
    offsetSeconds: r.offsetSeconds,
    guestElapsedSeconds: r.guestElapsedSeconds,
    guestElapsedReadsAs: minutesSeconds(r.guestElapsedSeconds),
    minOffsetSeconds: r.minOffsetSeconds,
    maxOffsetSeconds: r.maxOffsetSeconds,
    pattern: r.pattern,
    stepCount: r.stepCount,
    steps: r.steps.slice(0, 1000),
    correctors: r.correctors,
    fight: r.fight,
    contributions: r.contributions,
    budget: r.budget,
    events: r.events,
    explanation: r.explanation,
    assumptions: r.assumptions,
    eventCount: r.eventCount,
  };
}

function writePlot(file: string, r: SimResult, title: string): void {
  if (!file.toLowerCase().endsWith('.svg')) throw new UsageError(`--plot writes an SVG file; name it FILE.svg (got "${printable(file)}")`);
  const svg = renderOffsetPlot({
    t: r.trace.t, offset: r.trace.offset, title,
    subtitle: [describeConfig(r.params), r.pattern.text],
    steps: r.steps, stepCount: r.stepCount,
  });
  try {
    fs.writeFileSync(file, svg);
  } catch (err) {
    throw new InputError(`cannot write the plot: ${err instanceof Error ? err.message : String(err)}`, EXIT.noInput, file);
  }
}

const PARAM_FLAGS = ['hypervisor', 'paravirt', 'clocksource', 'claimed-tsc-hz', 'true-tsc-hz', 'tsc-mode', 'tsc-override', 'kernel', 'hz', 'tick', 'lost-ticks', 'lost-tick-policy', 'crystal-ppm', 'corrector', 'stall', 'initial-offset', 'host-offset', 'assume'] as const;

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: 'simulate [file..]',
  describe: 'Run the timekeeping model: a reference scenario, a configuration from flags, or the one the evidence describes',
  builder: (y: Argv<object>) =>
    y
      .positional('file', { type: 'string', array: true, describe: 'Evidence files or capture directories (as analyze takes them): simulate the VM they describe' })
      .option('from', { type: 'string', requiresArg: true, describe: 'A capture directory written by clockdoctor collect' })
      .option('scenario', { type: 'string', requiresArg: true, describe: 'Run a reference scenario of model.md §6 (S1 … S23) and check it' })
      .option('list', { type: 'boolean', default: false, describe: 'List the reference scenarios' })
      .option('hypervisor', { type: 'string', requiresArg: true, describe: `One of ${HYPERVISORS.join(', ')} (default virtualbox)` })
      .option('paravirt', { type: 'string', requiresArg: true, describe: `VirtualBox paravirt provider: ${PARAVIRTS.join(', ')} (default none)` })
      .option('arch', { type: 'string', requiresArg: true, describe: 'x86 (default) or arm64 (the generic timer, arch_sys_counter)' })
      .option('vmware-ptsc', { type: 'string', requiresArg: true, describe: 'VMware: PTSC from the hardware TSC (tsc) or the host reference clock (reference-clock), as vmware.log says' })
      .option('clocksource', { type: 'string', requiresArg: true, describe: `Guest clocksource: ${CLOCK_NAMES.join(', ')} (default tsc)` })
      .option('claimed-tsc-hz', { type: 'string', requiresArg: true, describe: 'TSC rate the hypervisor announces (VirtualBox cTSCTicksPerSecond): 3478274491, 3.478274491GHz' })
      .option('true-tsc-hz', { type: 'string', requiresArg: true, describe: 'The real host TSC rate: 3400109000, 3400.109MHz, 3.4GHz' })
      .option('host-tsc-hz', { type: 'string', requiresArg: true, describe: 'Same as --true-tsc-hz (the analyze flag)' })
      .option('tsc-mode', { type: 'string', requiresArg: true, describe: `VirtualBox TSC mode at start: ${TSC_MODES.join(', ')}` })
      .option('tsc-override', { type: 'boolean', describe: 'VBoxInternal/TM/TSCTicksPerSecond is set (the claimed rate is the override)' })
      .option('kernel', { type: 'string', requiresArg: true, describe: 'Guest kernel version, e.g. 3.2 (refined calibration, watchdog era)' })
      .option('hz', { type: 'number', requiresArg: true, describe: 'Kernel HZ (default 250)' })
      .option('tick', { type: 'string', requiresArg: true, describe: 'periodic or nohz (default nohz)' })
      .option('lost-ticks', { type: 'string', requiresArg: true, describe: 'Fraction of timer ticks never delivered: 2% or 0.02 (implies --tick periodic)' })
      .option('lost-tick-policy', { type: 'string', requiresArg: true, describe: `Hypervisor policy for late ticks: ${POLICIES.join(', ')}` })
      .option('crystal-ppm', { type: 'number', requiresArg: true, describe: 'Error of the host crystal / virtual time, ppm (+ = fast)' })
      .option('corrector', { type: 'string', array: true, requiresArg: true, describe: `Time-sync daemon(s): ${CORRECTOR_NAMES.join(', ')}, none (repeat or comma-separate for two)` })
      .option('stall', { type: 'string', array: true, requiresArg: true, describe: 'Host stall START:LENGTH[:suspend] (durations), e.g. 100:70, 2h:10s or 1d:1m30s:suspend' })
      .option('initial-offset', { type: 'number', requiresArg: true, describe: 'Guest minus true time at start, seconds' })
      .option('host-offset', { type: 'number', requiresArg: true, describe: 'Host clock minus true time, seconds: VBoxService and VMware Tools follow the host, NTP daemons true time (a host that is off makes them fight)' })
      .option('assume', { type: 'string', array: true, requiresArg: true, describe: 'Override an unconfirmed model number: KEY=VALUE (see docs/model.md)' })
      .option('duration', { type: 'string', requiresArg: true, describe: 'How long to simulate: 300 (seconds), 5m, 2h, 1d12h, 1y (default 5m)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the numbers as JSON' })
      .option('plot', { type: 'string', requiresArg: true, describe: 'Draw offset against time into FILE.svg' })
      .example('$0 simulate --scenario S1', 'The documented VirtualBox 5.0 case: kvm-clock shows 4:53 after 5:00')
      .example('$0 simulate --list', 'All reference scenarios')
      .example('$0 simulate --hypervisor virtualbox --paravirt kvm --clocksource kvm-clock --claimed-tsc-hz 3478274491 --true-tsc-hz 3400109000 --corrector vboxservice --duration 3d --plot drift.svg', 'VBoxService against −22 472 ppm: a 20-minute sawtooth')
      .example('$0 simulate VBox.log --host-tsc-hz 3400109000 --duration 1d', 'The VM a VBox.log describes')
      .epilogue('Exit codes: 0 done, 1 a scenario check failed, 64 usage error, 65/66 evidence not understood/missing.') as unknown as Argv<SimulateArgs>,
  handler: async (argv: ArgumentsCamelCase<SimulateArgs>) => {
    if (argv.list) {
      if (argv.json) process.stdout.write(`${JSON.stringify(SCENARIOS.map((s) => ({ id: s.id, title: s.title, expected: s.expected })), null, 2)}\n`);
      else process.stdout.write(SCENARIOS.map((s) => `${s.id.padEnd(4)} ${s.title}\n     expected: ${s.expected}`).join('\n') + '\n');
      return;
    }
    const files = [...(argv.file ?? []), ...(argv.from !== undefined ? [argv.from] : [])];
    const paramFlagsGiven = PARAM_FLAGS.filter((f) => argv[f] !== undefined);
    try {
      if (argv.scenario !== undefined) {
        const s = findScenario(argv.scenario);
        if (!s) throw new UsageError(`no scenario "${printable(argv.scenario)}"; known: ${SCENARIOS.map((x) => x.id).join(', ')} (clockdoctor simulate --list)`);
        if (files.length > 0 || paramFlagsGiven.length > 0 || argv.duration !== undefined) throw new UsageError('--scenario runs a fixed configuration; drop the other parameters (or leave out --scenario)');
        const o = runScenario(s);
        const first = s.runs[0] ? o.ctx.runs[s.runs[0].label] : undefined;
        if (argv.json) {
          const runs = Object.fromEntries(Object.entries(o.ctx.runs).map(([k, r]) => [k, simulationJson(r)]));
          const head = first ? simulationJson(first) : {};
          process.stdout.write(`${JSON.stringify({ scenario: s.id, title: s.title, expected: s.expected, ...head, runs, values: o.ctx.values, checks: o.checks, pass: o.pass, note: s.note ?? null, scenarioAssumptions: s.assumptions ?? [] }, null, 2)}\n`);
        } else {
          if (first) process.stdout.write(renderSimulation(first, `${s.id} — ${s.title}`));
          else process.stdout.write(`${s.id} — ${s.title}\n  ${Object.entries(o.ctx.values).map(([k, v]) => `${k} = ${Number(v.toPrecision(6))}`).join(', ')}\n${(s.assumptions ?? []).map((a) => `  - ${a}\n`).join('')}`);
          const others = s.runs.slice(1);
          for (const run of others) {
            const r = o.ctx.runs[run.label];
            if (r) process.stdout.write(`\n  also ${run.label}: ${describeConfig(r.params)} — ${r.pattern.text}; after ${fmtDuration(r.durationSeconds)}: offset ${fmtSignedSeconds(r.offsetSeconds)}\n`);
          }
          process.stdout.write(renderChecks(o));
        }
        if (argv.plot !== undefined && first) writePlot(argv.plot, first, `${s.id}: ${s.title}`);
        process.exitCode = o.pass ? EXIT.ok : EXIT.warning;
        return;
      }

      let base = defaultParams();
      let heading = 'clockdoctor simulate';
      if (files.length > 0) {
        const hostTscHz = hzFlag('host-tsc-hz', argv['host-tsc-hz']) ?? hzFlag('true-tsc-hz', argv['true-tsc-hz']);
        const { subjects, inputs } = await readInputs(files, hostTscHz !== undefined ? { hostTscHz } : {});
        for (const i of inputs) {
          // The same 66/65 as analyze gives (diagnose.ts), not a guess from the message's words.
          const code = inputExitCode(i);
          if (code !== null) throw new InputError(i.message ?? i.status, code, i.path);
        }
        if (subjects.length > 1) throw new UsageError(`the evidence is about ${subjects.length} machines (${subjects.map((s) => s.inputs.join(' + ')).join('; ')}); simulate one at a time`);
        const facts = subjects[0]!.facts;
        const pf = paramsFromFacts(facts);
        if (!pf.usable) throw new InputError('nothing in the evidence identifies the platform (no VBox.log, no hypervisor in the kernel log); give --hypervisor and friends instead', EXIT.dataErr);
        base = { ...pf.params, durationSeconds: 300 };
        heading = `clockdoctor simulate — the VM in ${files.map((f) => printable(f)).join(', ')}`;
      }
      const p = paramsFromFlags(argv, base);
      // As in predictFromFacts: only on VirtualBox is the announced rate itself the suspect.
      if (files.length > 0 && p.hypervisor === 'virtualbox' && p.trueTscHz === null && p.claimedTscHz !== null && ['tsc', 'kvm-clock', 'hyperv_clocksource_tsc_page'].includes(p.clocksource)) {
        throw new UsageError('the true host TSC rate is not in the evidence, and the guest clock depends on it: give --host-tsc-hz (e.g. the host kernel\'s "Refined TSC clocksource calibration")');
      }
      const r = simulate(p);
      if (argv.json) process.stdout.write(`${JSON.stringify(simulationJson(r), null, 2)}\n`);
      else process.stdout.write(renderSimulation(r, heading));
      if (argv.plot !== undefined) writePlot(argv.plot, r, `Guest clock offset over ${fmtDuration(r.durationSeconds)}`);
    } catch (err) {
      if (err instanceof ModelError) throw new UsageError(err.message);
      throw err;
    }
  },
};

