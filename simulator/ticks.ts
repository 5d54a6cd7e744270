/**
 * Periodic ticks: PIT LATCH rounding, timer interrupt rates and their host CPU cost (model.md §1.6, §2).
 */
import { PIT_HZ } from './constants.js';

/** `LATCH = round(PIT_HZ / HZ)`. */
export function pitLatch(hz: number): number {
  return Math.round(PIT_HZ / hz);
}

/**
 * Rate error of plain jiffies driven by a PIT periodic tick: the kernel assumes exactly 1/HZ per tick
 * while the PIT fires every LATCH/PIT_HZ s (model.md §1.6, [D]). HZ=1000 → +152.6 ppm.
 */
export function pitRoundingError(hz: number): number {
  return PIT_HZ / (hz * pitLatch(hz)) - 1;
}

export interface IrqRateInput {
  hz: number;
  tick: 'periodic' | 'nohz';
  /** An SMP kernel asks for (n+1)·HZ interrupts on n CPUs (2.6-era, DOC-3580). */
  smpKernel: boolean;
  vcpus: number;
  idleIrqPerSecond: number;
}

/** Virtual timer interrupts per second an idle guest asks for. */
export function timerInterruptsPerSecond(i: IrqRateInput): number {
  if (i.tick === 'nohz') return i.idleIrqPerSecond;
  return i.smpKernel ? (i.vcpus + 1) * i.hz : i.vcpus * i.hz;
}

/** Host CPU fraction spent on those interrupts: `N_irq/s × c_irq` (c_irq is a tunable, [U]). */
export function irqCpuFraction(irqPerSecond: number, irqCostSeconds: number): number {
  return irqPerSecond * irqCostSeconds;
}
