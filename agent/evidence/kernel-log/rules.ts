/**
 * THE table of kernel-log rules, in the order they are tried (first match wins), and the literals
 * that screen a line before any of them runs.
 *
 * Order matters where two rules could read one line: the watchdog verdict before the lines that
 * merely name a clocksource, the calibration rules before the platform ones (formats.md §1).
 */
import type { KernelRule } from './rule.js';
import { ARCH_RULES, BOOT_RULES } from './rules-boot.js';
import { CLOCK_RULES } from './rules-clock.js';
import { TSC_RATE_RULES, TSC_SYNC_RULES } from './rules-tsc.js';
import { PLATFORM_RULES } from './rules-platform.js';
import { ARM_RULES, HOST_RULES, HYPERV_RULES, XEN_RULES } from './rules-hypervisors.js';
import { SLEEP_RULES, TIME_WARNING_RULES } from './rules-events.js';

export const KERNEL_LOG_RULES: readonly KernelRule[] = [
  ...BOOT_RULES,
  ...CLOCK_RULES,
  ...TSC_RATE_RULES,
  ...TSC_SYNC_RULES,
  ...PLATFORM_RULES,
  ...HYPERV_RULES,
  ...XEN_RULES,
  ...ARM_RULES,
  ...HOST_RULES,
  ...SLEEP_RULES,
  ...TIME_WARNING_RULES,
  ...ARCH_RULES,
];

/**
 * Every literal a rule needs, deduplicated: a line containing none of them matches no rule. This is
 * the list a byte-level screen (WebAssembly, issue 13) would search for. Such a screen must still
 * pass indented lines (they may continue a wrapped message) and the lines the boot tracker reads for
 * their stamps or separators; test/parsers/kernel-log-families.test.ts checks that on every fixture.
 */
export const KERNEL_LOG_LITERALS: readonly string[] = [...new Set(KERNEL_LOG_RULES.flatMap((r) => r.needs))];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Longest first, so at each position the regex reports the longest literal there (the others are its prefixes). */
const BY_LENGTH = [...KERNEL_LOG_LITERALS].sort((a, b) => b.length - a.length);

/** One regex over all literals: the cheap screen every message passes before the rules. */
export const GATE = new RegExp(BY_LENGTH.map(escape).join('|'), 'g');

/** Each literal → the rules (table indices) that need it. */
const RULES_OF = new Map<string, number[]>();
KERNEL_LOG_RULES.forEach((r, i) => { for (const l of r.needs) RULES_OF.set(l, [...(RULES_OF.get(l) ?? []), i]); });

/** Each literal → the rules needing it or any literal that is its prefix (found at the same position). */
const RULES_AT = new Map<string, readonly number[]>(BY_LENGTH.map((l) => [
  l, [...new Set(KERNEL_LOG_LITERALS.filter((p) => l.startsWith(p)).flatMap((p) => RULES_OF.get(p) ?? []))].sort((a, b) => a - b),
]));

/**
 * The rules whose literals `msg` contains, in table order; null when it contains none (the common
 * case: one regex pass). Literals are found at every position, so overlapping ones all count.
 */
export function candidateRules(msg: string): readonly number[] | null {
  GATE.lastIndex = 0;
  let m = GATE.exec(msg);
  if (m === null) return null;
  const first = RULES_AT.get(m[0])!;
  GATE.lastIndex = m.index + 1;
  m = GATE.exec(msg);
  if (m === null) return first;
  const all = new Set(first);
  while (m !== null) {
    for (const i of RULES_AT.get(m[0])!) all.add(i);
    GATE.lastIndex = m.index + 1;
    m = GATE.exec(msg);
  }
  return [...all].sort((a, b) => a - b);
}
