/**
 * `date`: clock readings as `date` prints them — one machine's, several machines' (pasted from
 * different hosts, even in different files), or two clocks side by side in a loop (host and guest).
 */
import { defineKind, fillMerge } from '../kind.js';
import { createDateParser } from './parser.js';
import type { ClockComparison, DateFacts, DateSample } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence } from '../quote.js';

const who = (x: { host: string | null; command: string | null }): string => x.host ?? x.command ?? 'this machine';

function pct(ppm: number): string {
  return `${ppm > 0 ? '+' : ppm < 0 ? '−' : ''}${Math.abs(ppm / 1e4).toFixed(Math.abs(ppm) >= 1e5 ? 0 : 1)} %`;
}

function comparisonLine(c: ClockComparison): string {
  const rate = c.ratePpm === null ? 'rate not measurable' : `rate ${pct(c.ratePpm)} (± ${pct(c.uncertaintyPpm ?? 0).replace(/^\+/, '')})`;
  const steps = c.steps.length === 0 ? '' : `; ${c.steps.length} step${c.steps.length === 1 ? '' : 's'} (${c.steps.slice(0, 3).map((s) => `${s.seconds > 0 ? '+' : '−'}${Math.abs(s.seconds).toFixed(0)} s`).join(', ')})`;
  return `  ${who(c.second)} against ${who(c.first)}: ${c.rows} rows over ${Math.round(c.spanSeconds)} s, ${rate}${steps}`;
}

function keyFacts(d: DateFacts): string[] {
  const hosts = [...new Set(d.samples.map((x) => x.host).filter((h): h is string => h !== null))];
  const lines = [`date: ${d.samples.length} clock reading${d.samples.length === 1 ? '' : 's'}${hosts.length > 0 ? ` (${hosts.join(', ')})` : ''}`];
  for (const c of d.comparisons.slice(0, 3)) lines.push(comparisonLine(c));
  return lines;
}

/** Tools whose VM runs under one hypervisor unless told otherwise: their default driver or platform. */
const TOOL_HYPERVISORS: readonly [RegExp, HypervisorName, string][] = [
  [/\bdocker-machine\b/, 'virtualbox', 'VirtualBox (docker-machine\'s default driver)'],
  [/\bvagrant\b/, 'virtualbox', 'VirtualBox (Vagrant\'s default provider)'],
  [/\bVBoxManage\b/, 'virtualbox', 'VirtualBox'],
  [/\bwsl(?:\.exe)?\b/i, 'hyperv', 'Hyper-V (WSL2)'],
];

function hints(d: DateFacts): Hint[] {
  const out: Hint[] = [];
  const seen = new Set<string>();
  const vm = d.samples.filter((x: DateSample) => x.place === 'vm' && x.command !== null);
  for (const x of vm) {
    const hit = TOOL_HYPERVISORS.find(([re]) => re.test(x.command!));
    if (hit === undefined || seen.has(hit[1])) continue;
    seen.add(hit[1]);
    // The prompt that ran the command says it best; else the reading it printed.
    const loop = d.comparisons.find((c) => c.second.command === x.command || c.first.command === x.command)?.loopLine ?? null;
    out.push({ about: 'hypervisor', name: hit[1], label: hit[2], strength: 'weak', evidence: [lineEvidence('date', d, loop ?? x)] });
  }
  return out;
}

export const dateKind = defineKind({
  name: 'date',
  key: 'date',
  title: 'date output',
  createParser: createDateParser,
  // Readings of several hosts stay comparable: two files of `date` from two machines are one list,
  // each reading keeping its host and file.
  merge: (a: DateFacts, b: DateFacts) => fillMerge(a, b),
  keyFacts,
  hints,
  collector: null,
});
