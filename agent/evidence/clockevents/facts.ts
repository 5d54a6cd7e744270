/** sysfs clockevents facts. */
import type { SectionBase } from '../kind.js';

export interface ClockeventsFacts extends SectionBase {
  devices: { name: string; current: string | null }[];
  broadcast: string | null;
}
