/**
 * sysfs clocksource files → ClocksourceFacts. Pure.
 *
 * `current_clocksource` is one name and a newline; `available_clocksource` is every name followed by
 * a space, then a newline (so a trailing space marks it even when only one clocksource is listed).
 */
import type { ClocksourceDevice, ClocksourceFacts } from '../facts.js';
import { ParseError } from '../errors.js';

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
