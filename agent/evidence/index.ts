/**
 * THE list of evidence kinds. Everything else is derived from it: the `Facts` type and its keys
 * (agent/facts.ts), the input kinds `analyze` reports, the parsers every line of a user's text is
 * offered to (text/router.ts), and the collectors of `check`, `collect` and the agent (agent/collectors.ts).
 * Adding a kind: a folder `evidence/<name>/` with its descriptor (kind.ts says what it holds), and one
 * line here. Order matters only for output: facts, reports and JSON list kinds in this order.
 */
import { vboxKind } from './vbox/index.js';
import { kernelLogKind } from './kernel-log/index.js';
import { cpuinfoKind } from './cpuinfo/index.js';
import { timerListKind } from './timer-list/index.js';
import { clocksourceKind } from './clocksource/index.js';
import { clockeventsKind } from './clockevents/index.js';
import { cmdlineKind } from './cmdline/index.js';
import { timesyncKind } from './timesync/index.js';
import { rtcKind } from './rtc/index.js';
import { hypervisorKind } from './hypervisor/index.js';
import { clockReadCostKind } from './clock-read-cost/index.js';
import { vmwareKind } from './vmware/index.js';
import { vmtoolsKind } from './vmtools/index.js';
import { chronyKind } from './chrony/index.js';
import { ntpKind } from './ntp/index.js';
import { timedatectlKind } from './timedatectl/index.js';
import { timesyncdKind } from './timesyncd/index.js';
import { vboxserviceKind } from './vboxservice/index.js';
import { unameKind } from './uname/index.js';
import { lscpuKind } from './lscpu/index.js';
import { hwclockKind } from './hwclock/index.js';
import { ptpKind } from './ptp/index.js';
import { dateKind } from './date/index.js';
import { packagesKind } from './packages/index.js';
import { versionsKind } from './versions/index.js';
import { virtKind } from './virt/index.js';
import type { EvidenceKind, SectionBase } from './kind.js';

export const KINDS = [
  vboxKind,
  kernelLogKind,
  cpuinfoKind,
  timerListKind,
  clocksourceKind,
  clockeventsKind,
  cmdlineKind,
  timesyncKind,
  rtcKind,
  hypervisorKind,
  clockReadCostKind,
  vmwareKind,
  vmtoolsKind,
  chronyKind,
  ntpKind,
  timedatectlKind,
  timesyncdKind,
  vboxserviceKind,
  unameKind,
  lscpuKind,
  hwclockKind,
  ptpKind,
  dateKind,
  packagesKind,
  versionsKind,
  virtKind,
] as const;

/** Any one descriptor of the registry. */
export type AnyKind = (typeof KINDS)[number];

/** The section type a descriptor's parser or collector produces. */
export type SectionOf<D> = D extends EvidenceKind<string, string, infer F, infer _R> ? F : never;

/** Every kind's section, keyed by its fact key: `{ vbox: VboxFacts | null, kernelLog: …, … }`. */
export type Sections = { [D in AnyKind as D['key']]: SectionOf<D> | null };

/** camelCase key of a kind (`kernelLog`). */
export type FactKey = AnyKind['key'];

/** kebab-case name of a kind (`kernel-log`): folder, input kind, collector, metric label. */
export type KindName = AnyKind['name'];

/** The registry viewed through the descriptor type, for code that walks every kind alike. */
export type KindEntry = EvidenceKind<KindName, FactKey, SectionBase, unknown>;

/** The registry as plain entries (the casts live here, once). */
export const KIND_LIST: readonly KindEntry[] = KINDS as unknown as readonly KindEntry[];

/** The descriptor of a kind name. */
export function kindNamed(name: string): KindEntry | undefined {
  return KIND_LIST.find((k) => k.name === name);
}
