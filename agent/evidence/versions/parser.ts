/**
 * Tool versions pasted together → VersionsFacts. Pure. A table of line rules, each the exact first
 * line a tool prints for its version:
 *   `limactl version 0.9.2`; `colima version 0.3.4` then `runtime: docker`, `arch: aarch64`;
 *   `VBoxManage --version` → `5.0.4r102546`; `vmware -v` → `VMware ESXi 6.7.0 build-8169922`;
 *   `QEMU emulator version 6.2.0 (Debian …)`; `docker-machine version 0.16.2, build bd45ab13`;
 *   `docker version`'s `Server: Docker Desktop 4.20.1 (110738)` and `OS/Arch:` lines; `multipass 1.12.2+mac`;
 *   `wsl --version` (`WSL version: 1.0.3.0`, `Kernel version: 5.15.79.1`, also German `WSL-Version:`);
 *   `Vagrant 2.3.4`; `prlctl version 18.1.1 (53328)`; `minikube version: v1.30.1`;
 *   `sw_vers` (`ProductName: macOS`, `ProductVersion: 12.3.1`); `Microsoft Windows [Version 10.0.19042.985]`.
 * colima's `key: value` lines and docker's `OS/Arch:` are only read inside their command's block.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { ToolVersion, VersionsFacts } from './facts.js';
import { excerpt } from '../text/lines.js';
import { prefixTest, skipBlanks } from '../text/bytes.js';

const MAX = 200;

interface State {
  facts: VersionsFacts;
  recognised: number;
  /** Inside `colima version`'s block (its key lines follow a blank line). */
  colima: boolean;
  /** Inside `wsl --version`'s block. */
  wsl: boolean;
  /** Inside `docker version`: which side the `OS/Arch:` lines are about. */
  docker: 'client' | 'server' | null;
}

type Rule = [RegExp, (s: State, m: RegExpExecArray, ref: LineRef) => void];

function tool(s: State, ref: LineRef, t: ToolVersion['tool'], product: string, version: string | null, build: string | null = null): void {
  if (s.facts.tools.length < MAX && !s.facts.tools.some((x) => x.tool === t && x.version === version && x.product === product)) {
    s.facts.tools.push({ ...ref, tool: t, product, version, build });
  }
}

const RULES: readonly Rule[] = [
  [/^limactl version (\S+)$/, (s, m, r) => tool(s, r, 'lima', 'Lima', m[1]!)],
  [/^colima version (\S+)$/, (s, m, r) => { tool(s, r, 'colima', 'Colima', m[1]!); s.colima = true; }],
  [/^(\d+\.\d+\.\d+)(?:_[\w.]+)?r(\d+)$/, (s, m, r) => tool(s, r, 'virtualbox', 'VirtualBox', m[1]!, m[2]!)],
  [/^(?:Oracle VM )?VirtualBox (?:Command Line Management Interface|Graphical User Interface|Manager) [Vv]ersion (\d[\w.]*?)(?:r(\d+))?$/, (s, m, r) => tool(s, r, 'virtualbox', 'VirtualBox', m[1]!, m[2] ?? null)],
  [/^(VMware (?:ESXi|Workstation(?: Player)?|Fusion(?: Pro)?|Player)) (\d[\w.]*?)(?: (?:GA|Update \d+))? build-(\d+)$/, (s, m, r) => tool(s, r, 'vmware', m[1]!, m[2]!, m[3]!)],
  [/^QEMU emulator version (\d[\w.+-]*)(?: \((.+)\))?$/, (s, m, r) => tool(s, r, 'qemu', 'QEMU', m[1]!, m[2] ?? null)],
  [/^docker-machine(?:\.exe)? version (\d[\w.-]*?),? build (\w+)$/, (s, m, r) => tool(s, r, 'docker-machine', 'docker-machine', m[1]!, m[2]!)],
  [/^Docker version (\d[\w.-]*?), build (\w+)$/, (s, m, r) => tool(s, r, 'docker', 'Docker', m[1]!, m[2]!)],
  [/^Server: Docker Desktop (\d[\w.]*)(?: \((\d+)\))?$/, (s, m, r) => { tool(s, r, 'docker-desktop', 'Docker Desktop', m[1]!, m[2] ?? null); s.docker = 'server'; }],
  [/^Client:(?: Docker Engine - Community| Docker Desktop)?$/, (s) => { s.docker = 'client'; }],
  [/^Server:(?: Docker Engine - Community)?$/, (s) => { s.docker = 'server'; }],
  [/^multipassd? +(\d[\w.]*)\+(mac|win|linux|\w+)$/, (s, m, r) => { tool(s, r, 'multipass', 'Multipass', m[1]!, m[2]!); s.facts.hostOs ??= m[2] === 'mac' ? 'macos' : m[2] === 'win' ? 'windows' : 'linux'; }],
  [/^WSL(?: version|-Version|-versie|-versión)?: (\d[\d.]*)$/i, (s, m, r) => { tool(s, r, 'wsl', 'WSL', m[1]!); s.facts.hostOs ??= 'windows'; s.wsl = true; }],
  [/^Microsoft Windows \[Version (\d[\d.]*)\]$/, (s, m, r) => { tool(s, r, 'windows', 'Windows', m[1]!); s.facts.hostOs ??= 'windows'; }],
  [/^Vagrant (\d[\w.]*)$/, (s, m, r) => tool(s, r, 'vagrant', 'Vagrant', m[1]!)],
  [/^prlctl version (\d[\w.]*)(?: \((\d+)\))?$/, (s, m, r) => { tool(s, r, 'parallels', 'Parallels Desktop', m[1]!, m[2] ?? null); s.facts.hostOs ??= 'macos'; }],
  [/^minikube version: v(\d[\w.-]*)$/, (s, m, r) => tool(s, r, 'minikube', 'minikube', m[1]!)],
  [/^ProductName:\s+(?:Mac OS X|macOS)$/, (s) => { s.facts.hostOs ??= 'macos'; }],
  [/^ProductVersion:\s+(\d[\d.]*)$/, (s, m, r) => { if (s.facts.hostOs === 'macos') tool(s, r, 'macos', 'macOS', m[1]!); }],
  [/^BuildVersion:\s+(\w+)$/, (s, m) => { const mac = s.facts.tools.find((x) => x.tool === 'macos'); if (mac !== undefined) mac.build = m[1]!; }],
];

/** The rest of `wsl --version` (the first line, `WSL version:`, opens it). */
const WSL: readonly Rule[] = [
  [/^Kernel ?-?[Vv]ersion: (\d[\d.]*)$/, (s, m, r) => { s.facts.wslKernel = m[1]!; s.facts.refs.wslKernel = r; }],
  [/^(?:WSLg|MSRDC|Direct3D|DXCore)[ -][Vv]ersion: \S+$/, () => undefined],
  [/^Windows[ -][Vv]ersion: (\d[\d.]*)$/, (s, m, r) => { tool(s, r, 'windows', 'Windows', m[1]!); s.facts.hostOs ??= 'windows'; }],
];

/** What the lines RULES read start with (a cheap test before the regexes). */
const FIRST_WORDS = ['limactl ', 'colima ', 'Oracle VM', 'VirtualBox ', 'VMware ', 'QEMU ', 'docker-machine', 'Docker ', 'Server:', 'Client:', 'multipass', 'WSL', 'Kernel', 'Windows', 'Microsoft Windows', 'Vagrant ', 'prlctl ', 'minikube ', 'ProductName:', 'ProductVersion:', 'BuildVersion:', 'OS/Arch:'];

const firstWords = prefixTest(FIRST_WORDS);

/** colima's block after `colima version`: `git commit:`, `runtime:`, `arch:`, `client:`, `server:`, `kubernetes`. */
const COLIMA: readonly Rule[] = [
  [/^runtime: (\S+)$/, (s, m) => { s.facts.runtime = m[1]!; }],
  [/^arch: (\S+)$/, (s, m, r) => { s.facts.vmArch = m[1]!; s.facts.refs.vmArch = r; }],
  [/^(?:git commit|client|server|kubernetes|Version|GitCommit):? ?\S*$/, () => undefined],
];

/** `docker version`'s `OS/Arch:` — the client's is the host, the server's the VM (Docker Desktop). */
const DOCKER: Rule = [/^OS\/Arch:\s+(\w+)\/(\w+)$/, (s, m, r) => {
  if (s.docker === 'client') s.facts.hostOs ??= m[1] === 'darwin' ? 'macos' : m[1] === 'windows' ? 'windows' : m[1] === 'linux' ? 'linux' : 'other';
  if (s.docker === 'server') { s.facts.vmArch = `${m[1]}/${m[2]}`; s.facts.refs.vmArch = r; }
}];

function apply(s: State, rules: readonly Rule[], t: string, ref: LineRef): boolean {
  for (const [re, act] of rules) {
    const m = re.exec(t);
    if (m !== null) { act(s, m, ref); return true; }
  }
  return false;
}

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const t = line.trim();
  const ref = { line: lineNo, excerpt: excerpt(line) };
  if (t === '') return;
  if (apply(s, RULES, t, ref)) { s.recognised++; return; }
  const colimaCtx = s.colima || /\bcolima\b/.test(ctx?.command ?? '');
  if (colimaCtx && apply(s, COLIMA, t, ref)) { s.recognised++; return; }
  if ((s.wsl || /\bwsl(?:\.exe)?\s+--version\b/i.test(ctx?.command ?? '')) && apply(s, WSL, t, ref)) { s.recognised++; return; }
  if (s.docker !== null && apply(s, [DOCKER], t, ref)) { s.recognised++; return; }
  // docker version's other indented lines keep its block open; anything else closes colima's and WSL's.
  if (!/^\s/.test(line)) { s.colima = false; s.wsl = false; }
}

/** A streaming parser of pasted tool versions for the text router. */
export function createVersionsParser(path: string | null = null): KindParser<VersionsFacts> {
  const s: State = { facts: { path, refs: {}, tools: [], vmArch: null, runtime: null, hostOs: null, wslKernel: null }, recognised: 0, colima: false, wsl: false, docker: null };
  let underPrompt = false;
  return {
    // The first words of every rule's line, a version number (`5.0.4r102546`), or anything inside a block.
    wants(buf, start, end) {
      if (underPrompt || s.colima || s.wsl || s.docker !== null) return true;
      const b = buf[skipBlanks(buf, start, end)];
      return (b !== undefined && b >= 48 && b <= 57) || firstWords(buf, start, end);
    },
    // A claimed line starts with `[` or a syslog stamp: neither a digit nor one of FIRST_WORDS.
    quietOnClaimed: () => !(underPrompt || s.colima || s.wsl || s.docker !== null),
    // A month name and a day are neither a digit nor one of FIRST_WORDS.
    quietOnDaemon: () => !(underPrompt || s.colima || s.wsl || s.docker !== null),
    prompt(command) {
      underPrompt = /version|sw_vers|\bver\b|\s-[vV]\b/.test(command);
      s.colima = false;
      s.wsl = false;
      s.docker = /\bdocker(?:\.exe)?\s+version\b/.test(command) ? 'client' : null;
    },
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => s.facts,
  };
}
