import { describe, expect, it } from 'vitest';
import { parseClockReadCost, vdsoCapable } from '../../agent/evidence/clock-read-cost/parser.js';

describe('parseClockReadCost', () => {
  it('vDSO clocksources vs system-call ones', () => {
    for (const cs of ['tsc', 'kvm-clock', 'hyperv_clocksource_tsc_page', 'arch_sys_counter']) expect(vdsoCapable(cs)).toBe(true);
    for (const cs of ['hpet', 'acpi_pm', 'jiffies']) expect(vdsoCapable(cs)).toBe(false);
    expect(vdsoCapable('xen')).toBeNull();
    expect(vdsoCapable(null)).toBeNull();
  });

  it('takes the clocksource from current_clocksource text and the median of the batches', () => {
    const f = parseClockReadCost({ clocksource: 'acpi_pm\n', samplesNs: [900, 30, 800, 850, 5000] }, 'p');
    expect(f).toEqual({ path: 'p', refs: {}, clocksource: 'acpi_pm', vdso: false, nsPerRead: 850 });
    expect(parseClockReadCost({ clocksource: null, samplesNs: [] }).nsPerRead).toBeNull();
  });
});
