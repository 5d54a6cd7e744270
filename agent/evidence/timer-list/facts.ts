/** /proc/timer_list facts. */
import type { SectionBase } from '../kind.js';

export interface TimerListFacts extends SectionBase {
  /** `v0.8` as printed. */
  version: string | null;
  versionNumber: number | null;
  nowNs: number | null;
  cpus: number;
  /** From the per-CPU `Tick Device: mode:` (0 periodic, 1 oneshot). */
  tickMode: 'periodic' | 'oneshot' | null;
  /** NO_HZ active: `.nohz_mode` ≥ 1 (≤ v0.9) or `.nohz : 1` (v0.10); null when not printed. */
  nohz: boolean | null;
  highres: boolean | null;
  /** Distinct clock event device names, in order of appearance, without `<NULL>`. */
  clockEventDevices: string[];
  broadcastDevice: string | null;
  perCpuDevice: string | null;
  eventHandler: string | null;
  /** HZ inferred from jiffies and `now at` (or the low-res resolution). */
  hz: number | null;
  /** Guest TSC Hz read back from a `lapic-deadline` device: 8 · mult · 1e9 / 2^shift. */
  lapicDeadlineTscHz: number | null;
  truncated: boolean;
}
