/**
 * `lscpu` output (util-linux, both the flat ≤ 2.36 layout and the indented 2.37+ tree) → LscpuFacts. Pure.
 *
 * Field lines are `Key:<spaces>value`, keys capitalised with no blank before the colon (which tells
 * them from /proc/cpuinfo's `flags\t\t:`). Outside an `lscpu` prompt only keys lscpu alone prints
 * count, or any key once one of those was seen. Under the prompt, a key may have lost its colon in
 * the paste (`Flags    tsc rdtscp constant_tsc`) and `...` marks lines cut out.
 *
 * Flags wrap at the terminal width in 2.37+, mid-word (`sysca` / `ll`), each continuation starting at
 * the value column: text from that column is joined as is. A line shorter than the widest one lost its
 * trailing blank in the paste (or wrapped at a word), so a blank goes between.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { LscpuFacts } from './facts.js';
import { TSC_FLAGS } from '../cpuinfo/facts.js';
import { excerpt } from '../text/lines.js';
import { keyColon } from '../text/bytes.js';
import { mhzToKhz, safeInt } from '../../util/numbers.js';

/** Keys only lscpu prints: one of them is enough to know the text is lscpu's. */
const OWN_KEYS = new Set(['Architecture', 'CPU op-mode(s)', 'Byte Order', 'On-line CPU(s) list', 'Off-line CPU(s) list', 'Thread(s) per core', 'Core(s) per socket', 'Core(s) per cluster', 'Socket(s)', 'Vendor ID', 'BIOS Vendor ID', 'Model name', 'BIOS Model name', 'Hypervisor vendor', 'Virtualization type', 'Virtualization features', 'Caches (sum of all)', 'NUMA node(s)', 'CPU max MHz', 'CPU min MHz', 'CPU(s) scaling MHz', 'L1d cache', 'L1i cache', 'L2 cache', 'L3 cache', 'Address sizes', 'Frequency boost', 'Dispatching mode']);
/** Keys other tools print too: lscpu's only beside one of OWN_KEYS or under its prompt. */
const SHARED_KEYS = new Set(['CPU(s)', 'CPU family', 'Model', 'Stepping', 'CPU MHz', 'BogoMIPS', 'Hypervisor', 'Virtualization', 'Flags', 'L1d', 'L1i', 'L2', 'L3', 'NUMA', 'Vulnerabilities', 'Cluster(s)', 'Book(s)', 'Drawer(s)']);
const FIELD = /^(\s*)([A-Z][\w ()/-]{0,40}?):(\s*)(.*?)\s*$/;
/** Under the prompt: `Flags    tsc …` (the colon lost in the paste). */
const NO_COLON = /^(\s*)(Flags|Architecture|Model name|Vendor ID|Hypervisor vendor|Virtualization type|CPU\(s\))(\s{2,})(\S.*?)\s*$/;
const ELISION = /^\s*(?:\.{3,}|…|\[\.{3}\]|\(\.{3}\)|<snip(?:ped)?>|\[snip(?:ped)?\])\s*$/;
const FLAG_WORDS = /^[a-z0-9_. ]+$/;

interface FlagsBlock {
  column: number;
  /** Raw value pieces from the value column on, with the raw length of each line. */
  pieces: { text: string; rawLength: number }[];
  ref: LineRef;
}

interface State {
  fields: Map<string, { value: string; ref: LineRef }>;
  flags: FlagsBlock | null;
  /** The Flags block still takes continuation lines. */
  flagsOpen: boolean;
  recognised: number;
  own: boolean;
  cut: boolean;
}

const isLscpu = (ctx: LineContext | undefined): boolean => ctx?.command !== null && ctx?.command !== undefined && /(?:^|[\s;&|/])lscpu\b/.test(ctx.command);

/** A wrapped line of the Flags value: indented to the value column, flag words only. */
function continuation(s: State, line: string): boolean {
  if (s.flags === null || !s.flagsOpen) return false;
  const lead = line.length - line.trimStart().length;
  if (lead < s.flags.column - 1 || line.trim() === '' || !FLAG_WORDS.test(line.trim())) return false;
  // Trailing blanks are kept: `mca ` then `cmov` is two flags, `sysca` then `ll` one.
  s.flags.pieces.push({ text: line.slice(Math.min(lead, s.flags.column)), rawLength: line.length });
  return true;
}

function field(s: State, key: string, value: string, column: number, line: string, lineNo: number): void {
  const ref = { line: lineNo, excerpt: excerpt(line) };
  if (!s.fields.has(key)) s.fields.set(key, { value, ref });
  if (key === 'Flags') {
    s.flags = { column, pieces: [{ text: line.slice(column), rawLength: line.length }], ref };
    s.flagsOpen = true;
  } else s.flagsOpen = false;
}

/**
 * hostnamectl prints `Architecture: x86-64` and `Virtualization: kvm` (systemd's names; the virt kind
 * reads them); lscpu prints `uname -m` names and the CPU's extension (`VT-x`, `AMD-V`).
 */
function plausible(key: string, value: string): boolean {
  if (key === 'Architecture') return !/^(?:x86-64|arm64|arm|x86|ia64|ppc64-le)$/.test(value.trim());
  if (key === 'Virtualization') return /^(?:VT-x|AMD-V|\s*)$/i.test(value);
  return true;
}

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const mine = isLscpu(ctx);
  if (mine && ELISION.test(line)) { s.cut = true; s.recognised++; s.flagsOpen = false; return; }
  if (continuation(s, line)) { s.recognised++; return; }
  const withColon = FIELD.exec(line);
  const m = withColon ?? (mine ? NO_COLON.exec(line) : null);
  if (m === null) { if (line.trim() !== '') s.flagsOpen = false; return; }
  const key = m[2]!.trim();
  const own = OWN_KEYS.has(key);
  if (!own && !(SHARED_KEYS.has(key) && (mine || s.own))) { s.flagsOpen = false; return; }
  if (!plausible(key, m[4]!)) return;
  if (own) s.own = true;
  s.recognised++;
  field(s, key, m[4]!, m[1]!.length + m[2]!.length + (withColon !== null ? 1 : 0) + m[3]!.length, line, lineNo);
}

/** The flag list from its pieces, and whether anything marks it as cut. */
function joinFlags(b: FlagsBlock): { flags: string[]; cut: boolean } {
  const width = Math.max(...b.pieces.map((p) => p.rawLength));
  let text = '';
  b.pieces.forEach((p, i) => {
    text += p.text;
    if (i < b.pieces.length - 1 && p.rawLength < width) text += ' ';
  });
  const cut = /(?:\.{3}|…)\s*$/.test(text);
  const flags = text.replace(/(?:\.{3}|…)\s*$/, '').split(/\s+/).filter((f) => f !== '' && /^[a-z0-9_.]+$/.test(f));
  return { flags, cut };
}

function archFamily(architecture: string | null, flags: readonly string[] | null): LscpuFacts['arch'] {
  if (architecture !== null) {
    if (/^(?:x86_64|i[3-6]86|x86)$/.test(architecture)) return 'x86';
    if (/^(?:aarch64|arm64)$/.test(architecture)) return 'arm64';
    if (/^arm/.test(architecture)) return 'arm';
    return 'other';
  }
  if (flags === null) return null;
  if (flags.some((f) => ['tsc', 'constant_tsc', 'rdtscp', 'sse2', 'fpu'].includes(f))) return 'x86';
  if (flags.some((f) => ['asimd', 'evtstrm'].includes(f))) return 'arm64';
  return null;
}

function finishFacts(path: string | null, s: State): LscpuFacts {
  const get = (k: string): string | null => { const v = s.fields.get(k)?.value.trim() ?? ''; return v === '' || v === '-' ? null : v; };
  const refs: LscpuFacts['refs'] = {};
  const refKeys: Record<string, string> = { architecture: 'Architecture', modelName: 'Model name', vendorId: 'Vendor ID', hypervisorVendor: 'Hypervisor vendor', virtualizationType: 'Virtualization type', virtualization: 'Virtualization', flags: 'Flags', cpus: 'CPU(s)' };
  for (const [fact, key] of Object.entries(refKeys)) { const f = s.fields.get(key); if (f !== undefined) refs[fact] = f.ref; }
  const joined = s.flags === null ? null : joinFlags(s.flags);
  const flags = joined?.flags ?? null;
  const architecture = get('Architecture');
  const arch = archFamily(architecture, flags);
  const whole = flags !== null && !joined!.cut && !s.cut && flags.length >= 8 && (arch === 'x86' ? flags[0] === 'fpu' : ['fp', 'half', 'swp'].includes(flags[0] ?? ''));
  const type = get('Virtualization type');
  return {
    path, refs, architecture, arch,
    cpus: safeInt(get('CPU(s)') ?? undefined),
    vendorId: get('Vendor ID'), modelName: get('Model name'),
    cpuKhz: mhzToKhz(get('CPU MHz') ?? ''),
    hypervisorVendor: get('Hypervisor vendor'),
    virtualizationType: type === 'full' || type === 'para' || type === 'container' || type === 'none' ? type : null,
    virtualization: get('Virtualization'),
    flags, flagsComplete: whole,
    tscFlags: flags === null ? [] : TSC_FLAGS.filter((f) => flags.includes(f)),
    hypervisorFlag: flags === null ? null : flags.includes('hypervisor') ? true : whole ? false : null,
    cut: s.cut || (joined?.cut ?? false),
  };
}

/** A streaming parser of `lscpu` output for the text router. */
export function createLscpuParser(path: string | null = null): KindParser<LscpuFacts> {
  const s: State = { fields: new Map(), flags: null, flagsOpen: false, recognised: 0, own: false, cut: false };
  let underLscpu = false;
  return {
    // Field lines (`Key:  value`), wrapped flags while a Flags field is open, anything under its prompt.
    wants: (buf, start, end) => underLscpu || s.flagsOpen || keyColon(buf, start, end),
    // keyColon fails on a syslog stamp (its colon is followed by a digit).
    quietOnDaemon: () => !underLscpu && !s.flagsOpen,
    prompt(command) {
      underLscpu = isLscpu({ command, host: null, prompt: true });
    },
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => finishFacts(path, s),
  };
}
