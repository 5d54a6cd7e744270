/**
 * sysfs clocksource files → ClocksourceFacts. Pure.
 *
 * `current_clocksource` is one name and a newline; `available_clocksource` is every name followed by
 * a space, then a newline (so a trailing space marks it even when only one clocksource is listed).
 */
import type { ClocksourceDevice, ClocksourceFacts } from './facts.js';
import { ParseError } from '../../errors.js';
import type { KindParser } from '../kind.js';

/** What a source read from one `clocksource<N>` directory (null = file absent or unreadable). */
export interface ClocksourceDeviceText {
  /** Directory index as a string (`clocksource0` → `"0"`), like node_exporter's `device` label. */
  device: string;
  current: string | null;
  available: string | null;
}

const NAME = /^[A-Za-z0-9_.:+-]+$/;
/** What clocksource names look like (tsc, kvm-clock, acpi_pm, arch_sys_counter, mct-frc, ttc_clocksource, …). */
const LIKELY_NAME = /^[a-z][a-z0-9_.:-]{0,47}$/;
const NAME_HINT = /clock|tsc|timer|counter|jiffies|hpet|acpi_pm|xen|hyperv|kvm|gpt|ttc|mct|cycle|arch_|pit|rtc|riscv|mips|cs$/;

function names(text: string): string[] {
  return text.split(/\s+/).filter((n) => n !== '' && NAME.test(n));
}

/** Build ClocksourceFacts from the raw texts of each device directory, device 0 first when present. */
export function parseClocksource(devices: ClocksourceDeviceText[], path: string | null = null): ClocksourceFacts {
  const sorted = [...devices].sort((a, b) => Number(a.device) - Number(b.device) || a.device.localeCompare(b.device));
  const parsed: ClocksourceDevice[] = sorted.map((d) => {
    const cur = d.current === null ? [] : names(d.current);
    return { device: d.device, current: cur[0] ?? null, available: d.available === null ? [] : names(d.available) };
  });
  const dev0 = parsed.find((d) => d.device === '0') ?? parsed[0];
  const raw0 = sorted.find((d) => d.device === dev0?.device);
  // Evidence for analyzers: each sysfs file is one line.
  const refs: ClocksourceFacts['refs'] = {};
  if (raw0?.current != null && dev0?.current != null) refs.current = { line: 1, excerpt: raw0.current.trim().slice(0, 400) };
  if (raw0?.available != null && dev0 !== undefined && dev0.available.length > 0) refs.available = { line: 1, excerpt: raw0.available.trim().slice(0, 400) };
  return { path, refs, current: dev0?.current ?? null, available: dev0?.available ?? [], devices: parsed };
}

/** Which of the two sysfs files a text looks like, or null. */
export function clocksourceFileKind(text: string): 'current-clocksource' | 'available-clocksource' | null {
  const body = text.replace(/\r/g, '');
  const trimmedEnd = body.replace(/\n+$/, '');
  if (trimmedEnd.includes('\n')) return null;
  const list = names(trimmedEnd);
  const tokens = trimmedEnd.split(/\s+/).filter((t) => t !== '');
  if (list.length === 0 || list.length !== tokens.length || !list.every((n) => LIKELY_NAME.test(n))) return null;
  if (list.length > 1 || / $/.test(trimmedEnd)) return list.some((n) => NAME_HINT.test(n)) ? 'available-clocksource' : null;
  return NAME_HINT.test(list[0] ?? '') ? 'current-clocksource' : null;
}

/**
 * A single sysfs file given to `analyze`: one name = `current_clocksource`; a list, or a name followed
 * by the kernel's trailing space = `available_clocksource`. Throws ParseError on anything else.
 */
export function parseClocksourceFile(text: string, path: string | null = null): ClocksourceFacts {
  const kind = clocksourceFileKind(text);
  if (kind === null) throw new ParseError('not a clocksource sysfs file: expected one line of clocksource names', 1, path);
  const line = text.replace(/\r/g, '').split('\n')[0] ?? '';
  if (kind === 'current-clocksource') return parseClocksource([{ device: '0', current: line, available: null }], path);
  return parseClocksource([{ device: '0', current: null, available: line }], path);
}

/** The sysfs file a prompt line reads (`cat …/current_clocksource`), if any. */
function fileOfCommand(command: string | null): 'current' | 'available' | null {
  if (command === null) return null;
  if (command.includes('current_clocksource')) return 'current';
  if (command.includes('available_clocksource')) return 'available';
  return null;
}

/**
 * Clocksource files as users hand them over: the file itself (one line of names), or pasted under the
 * prompt that printed it (`$ cat /sys/devices/system/clocksource/clocksource0/available_clocksource`).
 * A prompt with no output below it (the paste was cut) is kept as a line read, with no value.
 */
export function createClocksourceParser(path: string | null = null): KindParser<ClocksourceFacts> {
  let current: { text: string; line: number } | null = null;
  let available: { text: string; line: number } | null = null;
  let prompts = 0;
  let pending: 'current' | 'available' | null = null;
  /** The last prompt read a clocksource file: the lines below may be its output. */
  let reading = false;
  let nonEmpty = 0;
  let only: { text: string; line: number } | null = null;
  const take = (which: 'current' | 'available', text: string, line: number): void => {
    if (which === 'current' && current === null) current = { text, line };
    if (which === 'available' && available === null) available = { text, line };
  };
  /** A whole file that is one line of names, with no prompt: the kind is read from its shape. */
  const lone = (): { which: 'current' | 'available'; text: string; line: number } | null => {
    if (prompts > 0 || nonEmpty !== 1 || only === null) return null;
    const kind = clocksourceFileKind(only.text);
    return kind === null ? null : { which: kind === 'current-clocksource' ? 'current' : 'available', ...only };
  };
  return {
    // A line matters while the text may still be one lone line of names (push counts the first two
    // non-empty lines), or under a prompt that reads a clocksource file; no other line does anything.
    wants: () => nonEmpty < 2 || reading,
    quietOnClaimed: () => nonEmpty >= 2 && !reading,
    quietOnDaemon: () => nonEmpty >= 2 && !reading,
    prompt(command) {
      nonEmpty++;
      pending = fileOfCommand(command);
      reading = pending !== null;
      if (pending !== null) prompts++;
    },
    push(line, lineNo, ctx) {
      if (line.trim() === '') return;
      nonEmpty++;
      if (nonEmpty === 1) only = { text: line, line: lineNo };
      const which = pending ?? fileOfCommand(ctx?.command ?? null);
      pending = null;
      if (which !== null && names(line).length > 0 && names(line).length === line.trim().split(/\s+/).length) take(which, line, lineNo);
    },
    recognised: () => (current !== null ? 1 : 0) + (available !== null ? 1 : 0) + prompts + (lone() !== null ? 1 : 0),
    finish() {
      const l = lone();
      if (l !== null) take(l.which, l.text, l.line);
      const cur = current as { text: string; line: number } | null;
      const avail = available as { text: string; line: number } | null;
      const facts = parseClocksource([{ device: '0', current: cur?.text ?? null, available: avail?.text ?? null }], path);
      // Evidence points at the lines themselves, not at line 1 as for a sysfs file.
      if (cur !== null && facts.refs.current !== undefined) facts.refs.current = { ...facts.refs.current, line: cur.line };
      if (avail !== null && facts.refs.available !== undefined) facts.refs.available = { ...facts.refs.available, line: avail.line };
      return facts;
    },
  };
}
