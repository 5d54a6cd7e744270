/**
 * PTP clock listings as users paste them → PtpFacts. Pure.
 *
 * `ls /sys/class/ptp` (`ptp0`), `ls -la /sys/class/ptp/` (`ptp0 -> ../../devices/virtual/ptp/ptp0`),
 * `ls -l /dev/ptp*` (`crw------- … /dev/ptp0`, `/dev/ptp_hyperv -> ptp0`), `cat
 * /sys/class/ptp/ptp0/clock_name` (`hyperv`, the name hv_utils registers; `KVM virtual PTP` for
 * ptp_kvm; `ptp_vmw` for VMware's), `grep . /sys/class/ptp/*\/clock_name`. An `ls` of these whose
 * prompt has no output below it listed nothing: that is evidence too (the prompt is claimed).
 */
import type { KindParser, LineRef } from '../kind.js';
import type { PhcProvider, PtpDevice, PtpFacts, PtpListing } from './facts.js';
import { excerpt } from '../text/lines.js';
import { contains, skipBlanks } from '../text/bytes.js';

const MAX = 200;

/** What a command lists or reads. */
type Command =
  | { what: 'list'; target: PtpListing['target'] }
  | { what: 'clock-name'; device: string | null }
  | null;

function commandOf(command: string | null): Command {
  if (command === null) return null;
  if (/\bclock_name\b/.test(command) && /\bptp\b/.test(command)) {
    const m = /\/ptp\/(ptp\d+)\/clock_name/.exec(command);
    return { what: 'clock-name', device: m?.[1] ?? null };
  }
  if (/(?:^|[;&|]\s*)(?:sudo\s+)?(?:ls|tree|find)\b/.test(command)) {
    if (/\/sys\/class\/ptp\b/.test(command)) return { what: 'list', target: 'sys-class-ptp' };
    if (/\/dev\/ptp/.test(command)) return { what: 'list', target: 'dev-ptp' };
  }
  return null;
}

export function providerOf(clockName: string | null): PhcProvider | null {
  if (clockName === null) return null;
  if (/^hyperv$/i.test(clockName)) return 'hyperv';
  if (/KVM virtual PTP|ptp_kvm/i.test(clockName)) return 'kvm';
  if (/^ptp_vmw$/i.test(clockName)) return 'vmware';
  if (/^(?:mlx|igb|ixgbe|i40e|ice|e1000e|bnxt|ena|tg3|sfc|gve|virtio|qede|cxgb|stmmac|fec|macb|lan743|dp83|r8169|atl|tsnep|igc|enetc|cpts|mvpp2|hns|nfp|octeon)/i.test(clockName)) return 'nic';
  return 'other';
}

/** `ls -l` line: mode, links, owner, group, size or `major, minor`, date, then the name (and link target). */
const LONG = /^[-lcdbsp][rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(?:\d+,\s*)?\d+\s+\w{3}\s+\d{1,2}\s+(?:\d{4}|\d{1,2}:\d{2})\s+(.+?)\s*$/;
const NO_SUCH = /^(?:ls|find|tree): (?:cannot access )?['‘"]?([^'’"]*ptp[^'’"]*)['’"]?:? No such file or directory/;
const CLOCK_NAME_LINE = /^\/sys\/class\/ptp\/(ptp\d+)\/clock_name:(.+)$/;
const DEVICE_WORD = /^(?:\/dev\/)?(ptp\d+|ptp_hyperv|ptp_kvm)$/;

interface State {
  facts: PtpFacts;
  open: PtpListing | null;
  command: Command;
  /** Unnamed `clock_name` lines read so far under a wildcard `cat`. */
  unnamed: number;
  recognised: number;
}

function device(s: State, name: string, ref: LineRef): PtpDevice {
  let d = s.facts.devices.find((x) => x.name === name);
  if (d === undefined) {
    d = { ...ref, name, clockName: null, provider: null, sysfsTarget: null, clockNameLine: null };
    if (s.facts.devices.length < MAX) s.facts.devices.push(d);
  }
  return d;
}

function setClockName(s: State, name: string, clockName: string, ref: LineRef): void {
  const d = device(s, name, ref);
  d.clockName = clockName.trim();
  d.provider = providerOf(d.clockName);
  d.clockNameLine = ref;
}

/** One name an `ls` printed (`ptp0`, `/dev/ptp_hyperv -> ptp0`): a device or a udev link. */
function listed(s: State, entry: string, ref: LineRef): boolean {
  const [name, target] = entry.split(/\s+->\s+/);
  const m = DEVICE_WORD.exec(name ?? '');
  if (m === null) return false;
  if (m[1] === 'ptp_hyperv') s.facts.hypervLink = ref;
  else if (m[1] === 'ptp_kvm') s.facts.kvmLink = ref;
  else {
    const d = device(s, m[1]!, ref);
    if (target !== undefined && /\/ptp\/ptp\d+$/.test(target)) d.sysfsTarget = target;
    s.open?.devices.push(m[1]!);
  }
  return true;
}

/** A line of `ls` output under a listing's prompt, or a distinctive one anywhere; false when not one. */
function lsLine(s: State, t: string, ref: LineRef): boolean {
  const missing = NO_SUCH.exec(t);
  if (missing !== null && /ptp/.test(missing[1]!)) {
    if (s.open !== null) s.open.missing = true;
    return true;
  }
  const long = LONG.exec(t);
  if (long !== null) {
    const name = long[1]!;
    if (listed(s, name, ref)) return true;
    return s.open !== null && /^\.\.?$/.test(name);
  }
  if (s.open !== null && /^total \d+$/.test(t)) return true;
  const words = t.split(/\s+/);
  // Bare names are only a listing's when its prompt is above them.
  if (s.open === null && !words.every((w) => /^\/dev\/ptp/.test(w))) return false;
  return words.length > 0 && words.every((w) => DEVICE_WORD.test(w)) && words.every((w) => listed(s, w, ref));
}

function closeListing(s: State): void {
  const l = s.open;
  if (l === null) return;
  l.empty = l.devices.length === 0 && !l.missing;
  if (s.facts.listings.length < MAX) s.facts.listings.push(l);
  s.open = null;
}

function onPrompt(s: State, command: string, lineNo: number, line: string): void {
  closeListing(s);
  s.command = commandOf(command);
  s.unnamed = 0;
  if (s.command === null) return;
  s.recognised++;
  if (s.command.what === 'list') s.open = { line: lineNo, excerpt: excerpt(line), command, target: s.command.target, empty: true, missing: false, devices: [] };
}

function onLine(s: State, line: string, lineNo: number): void {
  const t = line.trim();
  if (t === '') return;
  const ref = { line: lineNo, excerpt: excerpt(line) };
  const named = CLOCK_NAME_LINE.exec(t);
  if (named !== null) { setClockName(s, named[1]!, named[2]!, ref); s.recognised++; return; }
  if (s.command?.what === 'clock-name') {
    const name = s.command.device ?? s.facts.devices[s.unnamed]?.name ?? `ptp${s.unnamed}`;
    s.unnamed++;
    if (t.length <= 64 && !/^(?:cat|grep):/.test(t)) { setClockName(s, name, t, ref); s.recognised++; }
    return;
  }
  if (lsLine(s, t, ref)) { s.recognised++; return; }
  // Anything else under a listing's prompt ends it: the listing printed nothing we know.
  closeListing(s);
}

function finishFacts(s: State): PtpFacts {
  closeListing(s);
  const f = s.facts;
  const shown = f.devices.length > 0 || f.hypervLink !== null || f.kvmLink !== null;
  f.none = !shown && f.listings.some((l) => l.empty || l.missing);
  const hv = f.devices.find((d) => d.provider === 'hyperv');
  if (hv !== undefined) f.refs.hyperv = hv.clockNameLine ?? { line: hv.line, excerpt: hv.excerpt };
  const empty = f.listings.find((l) => l.empty || l.missing);
  if (empty !== undefined) f.refs.none = { line: empty.line, excerpt: empty.excerpt };
  return f;
}

/** What a PTP line outside its prompt starts with: a path, `ls -l`'s mode, `ls:`'s complaint. */
function mayBePtpLine(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipBlanks(buf, start, end);
  const b = buf[p];
  if (b === 47 /* / */) return true;
  const n = buf[p + 1];
  if (b === 108 /* l */ && n === 115 /* s */ && buf[p + 2] === 58 /* : */) return true;
  return (b === 45 || b === 108 || b === 99 || b === 100 || b === 98 || b === 115 || b === 112) && (n === 114 || n === 45);
}

/** A streaming parser of PTP clock listings for the text router. */
export function createPtpParser(path: string | null = null): KindParser<PtpFacts> {
  const s: State = { facts: { path, refs: {}, devices: [], listings: [], hypervLink: null, kvmLink: null, none: false }, open: null, command: null, unnamed: 0, recognised: 0 };
  return {
    // Lines under its commands' prompts, or naming a PTP device.
    wants: (buf, start, end) => s.command !== null || (mayBePtpLine(buf, start, end) && contains(buf, start, end, 'ptp', 256)),
    quietOnDaemon: () => s.command === null,
    daemonWords: ['ptp'],
    prompt: (command, _host, lineNo, line) => onPrompt(s, command, lineNo, line),
    push: (line, lineNo) => onLine(s, line, lineNo),
    recognised: () => s.recognised,
    finish: () => finishFacts(s),
  };
}
