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

/** One regex over all literals: the cheap screen every message passes before the rules. */
export const GATE = new RegExp(KERNEL_LOG_LITERALS.map(escape).join('|'));
