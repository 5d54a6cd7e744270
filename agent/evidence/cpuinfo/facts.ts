/** /proc/cpuinfo facts. */
import type { SectionBase } from '../kind.js';

/** The TSC-related flags, in this fixed order. */
export const TSC_FLAGS = ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'tsc_known_freq', 'tsc_deadline_timer', 'tsc_adjust', 'rdtscp'] as const;
export type TscFlag = (typeof TSC_FLAGS)[number];

export interface CpuinfoFacts extends SectionBase {
  processors: number | null;
  architecture: 'x86' | 'arm' | 'other' | null;
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
}
