/**
 * `uname` output → UnameFacts. Pure.
 *
 * `uname -a` prints `-s -n -r -v -m -p -i -o` in that order, leaving out `-p`/`-i` when they are
 * `unknown` (GNU coreutils) — so the machine is read from the end: the run of architecture words
 * before the OS word. Such a line is recognised anywhere (its shape is unmistakable). Other flags
 * (`uname -r`, `uname -m`, `uname -srm`) print a few words that only their prompt says are uname's.
 */
import type { KindParser, LineContext } from '../kind.js';
import type { UnameFacts, UnameSystem } from './facts.js';
import { excerpt } from '../text/lines.js';
import { contains, prefixTest, skipBlanks } from '../text/bytes.js';

const MAX_SYSTEMS = 50;

/** Machine names `uname -m` prints. */
const ARCH = /^(?:x86_64|amd64|i[3-6]86|aarch64|arm64|armv\d+[a-z]*|ppc64(?:le)?|s390x|riscv64|mips(?:64)?(?:el)?|loongarch64|sparc64|unknown)$/;
const KERNEL_NAMES = /^(?:Linux|Darwin|FreeBSD|OpenBSD|NetBSD|DragonFly|SunOS|GNU|(?:CYGWIN|MINGW(?:32|64)|MSYS)_NT-[\d.]+(?:-\w+)?)$/;
/** `-a`: kernel name, host, release (starts with a digit), then the rest. */
const ALL = /^\s*(\S+)\s+(\S+)\s+(\d[\w.+~-]*)\s+(.+?)\s*$/;

export function archOf(machine: string | null): UnameFacts['arch'] {
  if (machine === null) return null;
  if (/^(?:x86_64|amd64|i[3-6]86)$/.test(machine)) return 'x86';
  if (/^(?:aarch64|arm64|armv8[a-z]*)$/.test(machine)) return 'arm64';
  if (/^arm/.test(machine)) return 'arm';
  return machine === 'unknown' ? null : 'other';
}

const empty = (lineNo: number, line: string, ctx: LineContext | undefined): UnameSystem => ({
  line: lineNo, excerpt: excerpt(line), kernelName: null, nodename: null, kernelRelease: null, kernelVersion: null,
  machine: null, os: null, host: ctx?.host ?? null, command: ctx?.command ?? null,
});

/** A `uname -a` line, or null. The machine is the leftmost of the trailing architecture words. */
export function parseUnameAll(line: string): Omit<UnameSystem, 'line' | 'excerpt' | 'host' | 'command'> | null {
  const m = ALL.exec(line);
  if (m === null || !KERNEL_NAMES.test(m[1]!) || m[2] === 'version') return null;
  const words = m[4]!.split(/\s+/);
  let end = words.length;
  const os = end > 0 && /\/|^(?:Android|Linux|Msys|Cygwin|Toybox)$/.test(words[end - 1]!) ? words[--end]! : null;
  let first = end;
  while (first > 0 && ARCH.test(words[first - 1]!)) first--;
  if (first === end || first === 0) return null;
  const version = words.slice(0, first).join(' ');
  // A Linux version starts `#N`; Darwin's is `Darwin Kernel Version …`: anything else is prose that happens to fit.
  if (m[1] === 'Linux' && !/^#\d/.test(version)) return null;
  if (m[1] === 'Darwin' && !/^Darwin Kernel Version/.test(version)) return null;
  const machine = words[first] === 'unknown' ? null : words[first]!;
  return { kernelName: m[1]!, nodename: m[2]!, kernelRelease: m[3]!, kernelVersion: version, machine, os };
}

/** Flags of a `uname` command (`-srm`, `--kernel-release`), or null when it is not uname. */
function unameFlags(command: string | null): Set<string> | null {
  const m = command === null ? null : /(?:^|[;&|]\s*)(?:sudo\s+)?(?:\/\S*\/)?uname((?:\s+-{1,2}[\w-]+)*)\s*(?:$|[;&|])/.exec(command);
  if (m === null || m === undefined) return null;
  const long: Record<string, string> = { all: 'a', 'kernel-name': 's', nodename: 'n', 'kernel-release': 'r', 'kernel-version': 'v', machine: 'm', processor: 'p', 'hardware-platform': 'i', 'operating-system': 'o' };
  const flags = new Set<string>();
  for (const f of (m[1] ?? '').trim().split(/\s+/).filter((x) => x !== '')) {
    if (f.startsWith('--')) { const l = long[f.slice(2)]; if (l !== undefined) flags.add(l); } else for (const c of f.slice(1)) flags.add(c);
  }
  if (flags.size === 0) flags.add('s');
  return flags;
}

/** Words printed by `uname` with these flags (no -a, no -v: one word each, in -s -n -r -m -p -i -o order). */
function parseUnameWords(line: string, flags: Set<string>, base: UnameSystem): UnameSystem | null {
  const order = ['s', 'n', 'r', 'm', 'p', 'i', 'o'].filter((f) => flags.has(f));
  const words = line.trim().split(/\s+/);
  if (words.length !== order.length || words[0] === '') return null;
  const out = { ...base };
  order.forEach((f, i) => {
    const w = words[i]!;
    if (f === 's') out.kernelName = w;
    if (f === 'n') out.nodename = w;
    if (f === 'r') out.kernelRelease = w;
    if (f === 'm') out.machine = w;
    if (f === 'o') out.os = w;
  });
  if (out.kernelRelease !== null && !/^\d/.test(out.kernelRelease)) return null;
  if (out.machine !== null && !ARCH.test(out.machine)) return null;
  if (out.kernelName !== null && !KERNEL_NAMES.test(out.kernelName)) return null;
  return out;
}

/** WSL's kernel releases, unmistakable even without their prompt: `5.15.90.1-microsoft-standard-WSL2`, `4.4.0-19041-Microsoft`. */
const WSL_RELEASE = /^\s*(\d+\.\d+\.\d+(?:\.\d+)?-(?:microsoft-standard(?:-WSL2)?(?:\+)?|\d+-Microsoft))\s*$/;

function systemOf(line: string, lineNo: number, ctx: LineContext | undefined): UnameSystem | null {
  const base = empty(lineNo, line, ctx);
  const all = parseUnameAll(line);
  if (all !== null) return { ...base, ...all };
  const wsl = WSL_RELEASE.exec(line);
  if (wsl !== null) return { ...base, kernelName: 'Linux', kernelRelease: wsl[1]! };
  const flags = unameFlags(ctx?.command ?? null);
  if (flags === null || flags.has('a') || flags.has('v')) return null;
  return parseUnameWords(line, flags, base);
}

/** What the kernel release says it is built for. */
const FLAVOURS: readonly [RegExp, string][] = [
  [/-azure\b/, 'azure'], [/-aws\b/, 'aws'], [/-gcp\b/, 'gcp'], [/-oracle\b/, 'oracle'], [/-kvm\b/, 'kvm'],
  [/boot2docker/, 'boot2docker'], [/linuxkit/, 'linuxkit'], [/-microsoft-standard/, 'microsoft-standard'], [/\.amzn\d/, 'amazon-linux'],
];

function summary(path: string | null, systems: UnameSystem[]): UnameFacts {
  const mac = systems.find((s) => s.kernelName === 'Darwin') ?? null;
  const main = systems.find((s) => s.kernelName !== 'Darwin') ?? null;
  const release = main?.kernelRelease ?? null;
  const refs: UnameFacts['refs'] = {};
  if (main !== null) for (const k of ['kernelRelease', 'nodename', 'machine', 'kernelName'] as const) if (main[k] !== null) refs[k] = { line: main.line, excerpt: main.excerpt };
  if (mac !== null) refs.macHost = { line: mac.line, excerpt: mac.excerpt };
  return {
    path, refs, systems,
    kernelName: main?.kernelName ?? null, nodename: main?.nodename ?? null, kernelRelease: release,
    machine: main?.machine ?? null, arch: archOf(main?.machine ?? null),
    wsl: release === null ? null : /-microsoft-standard/i.test(release) ? 'wsl2' : /-Microsoft$/.test(release) ? 'wsl1' : null,
    flavour: release === null ? null : FLAVOURS.find(([re]) => re.test(release))?.[1] ?? null,
    macHost: mac === null ? null : { release: mac.kernelRelease, machine: mac.machine, nodename: mac.nodename },
  };
}

/** A streaming parser of `uname` output for the text router. */
/** What a `uname -a` line starts with. */
const KERNEL_WORDS = ['Linux ', 'Darwin ', 'FreeBSD ', 'OpenBSD ', 'NetBSD ', 'DragonFly ', 'SunOS ', 'GNU ', 'CYGWIN_NT-', 'MINGW32_NT-', 'MINGW64_NT-', 'MSYS_NT-'];

const kernelWord = prefixTest(KERNEL_WORDS);

export function createUnameParser(path: string | null = null): KindParser<UnameFacts> {
  const systems: UnameSystem[] = [];
  let underUname = false;
  return {
    wants(buf, start, end) {
      if (underUname || kernelWord(buf, start, end)) return true;
      const b = buf[skipBlanks(buf, start, end)];
      // A WSL release line: a version number with `Microsoft`/`microsoft` in it.
      return b !== undefined && b >= 48 && b <= 57 && contains(buf, start, end, 'icrosoft', 80);
    },
    // No kernel name starts with a month name.
    quietOnDaemon: () => !underUname,
    prompt(command) {
      underUname = unameFlags(command) !== null;
    },
    push(line, lineNo, ctx) {
      const s = systemOf(line, lineNo, ctx);
      if (s !== null && systems.length < MAX_SYSTEMS) systems.push(s);
    },
    recognised: () => systems.length,
    finish: () => summary(path, systems),
  };
}
