/** /proc/cpuinfo facts. */
import type { SectionBase } from '../kind.js';

/** The TSC-related flags, in this fixed order. */
export const TSC_FLAGS = ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'tsc_known_freq', 'tsc_deadline_timer', 'tsc_adjust', 'rdtscp'] as const;
export type TscFlag = (typeof TSC_FLAGS)[number];

export interface CpuinfoFacts extends SectionBase {
  processors: number | null;
  /** `x86`; `arm64` (AArch64: `CPU architecture: 8` with 64-bit features such as `asimd`, or `AArch64 Processor`); `arm` (32-bit); `other`. */
  architecture: 'x86' | 'arm64' | 'arm' | 'other' | null;
  vendor: string | null;
  modelName: string | null;
  brandNominalHz: number | null;
  /** `cpu MHz` of the first processor, in kHz (VMs: equals cpu_khz). */
  cpuKhz: number | null;
  /** TSC_FLAGS present on the first processor, in TSC_FLAGS order; null when the file has no flags line. */
  tscFlags: TscFlag[] | null;
  hypervisorFlag: boolean | null;
  /** Other time-relevant flags present: `art`, `nonstop_tsc_s3`, `tsc_scale`. */
  otherTimeFlags: string[];
  /** ARM `Features` of the first processor (no x86 flags there); null on x86 or without the line. */
  armFeatures: string[] | null;
  /** ARM `CPU part` (`0xd08`) of the first processor. */
  armPart: string | null;
  /**
   * ARM64 generic-timer counter rate (CNTFRQ) in Hz, from `BogoMIPS`: arm64 calibrates its delay loop
   * from the timer, so BogoMIPS = 2 · rate / 10^6 (`48.00` → 24 MHz). Null elsewhere.
   */
  counterHz: number | null;
}
