/** sysfs clocksource facts. */
import type { SectionBase } from '../kind.js';

export interface ClocksourceDevice {
  /** Directory index as a string (`clocksource0` → `"0"`), like node_exporter's `device` label. */
  device: string;
  current: string | null;
  available: string[];
}

export interface ClocksourceFacts extends SectionBase {
  /** Device 0's current clocksource. */
  current: string | null;
  /** Device 0's available clocksources, in the kernel's (rating) order. */
  available: string[];
  devices: ClocksourceDevice[];
}
