/**
 * How often the agent re-reads a source whose material changes rarely or never while it runs. With
 * the agent's memory (agent/sources/memory.ts) the last good outcome is handed back — the very same
 * object, so its facts are not parsed again either — until `everyMs` have passed; a failed or absent
 * read is tried again at the next refresh. One-shot commands (no memory) always read.
 *
 * The policy per source (docs/performance.md, "## Agent"):
 * - every refresh: clocksource, clockevents, rtc, timesync's process scan (they change at any moment
 *   and are a few sysfs/procfs files), kernel-log (followed: only new records are read);
 * - once per agent process (the boot cannot change under it): cmdline, hypervisor (DMI, ACPI);
 * - every 10 minutes: cpuinfo (CPU hotplug), timer-list (its devices and modes; the timers themselves
 *   are not facts we use);
 * - chronyc tracking at most once a minute (agent/evidence/timesync/source.ts); clock-read-cost
 *   measures one batch per refresh over a window of seven.
 */
import { performance } from 'node:perf_hooks';
import type { Source, SourceOutcome } from './source.js';

/** Once per agent process. */
export const ONCE = Number.POSITIVE_INFINITY;

/** `source`, re-read by the agent at most every `everyMs` (`now`: a monotonic clock in ms, injectable for tests). */
export function rereadEvery<R>(source: Source<R>, everyMs: number, now: () => number = () => performance.now()): Source<R> {
  return {
    name: source.name,
    async read(roots, ctx) {
      const memory = ctx.memory;
      if (memory === undefined) return source.read(roots, ctx);
      const slot = memory.keep<{ at: number; outcome: SourceOutcome<R> | null }>('reread', () => ({ at: 0, outcome: null }));
      if (slot.outcome !== null && now() - slot.at < everyMs) return slot.outcome;
      const outcome = await source.read(roots, ctx);
      slot.outcome = outcome.state === 'ok' ? outcome : null;
      slot.at = now();
      return outcome;
    },
  };
}
