/** sysfs clockevents: the live capture (0-byte broadcast file) and ordering. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseClockevents } from '../../agent/evidence/clockevents/parser.js';

const DIR = path.resolve(import.meta.dirname, '..', 'fixtures', 'live', 'firecracker-kvm-6.18', 'sys', 'devices', 'system', 'clockevents');
const read = (n: string) => fs.readFileSync(path.join(DIR, n, 'current_device'), 'utf8');

describe('parseClockevents', () => {
  it('reads the live capture; an empty broadcast file means no broadcast device', () => {
    const f = parseClockevents([{ name: 'clockevent1', current: read('clockevent1') }, { name: 'clockevent0', current: read('clockevent0') }], read('broadcast'), 'cap');
    expect(f).toMatchObject({ path: 'cap', broadcast: null, devices: [{ name: 'clockevent0', current: 'lapic-deadline' }, { name: 'clockevent1', current: 'lapic-deadline' }] });
  });
  it('orders by index numerically and keeps unreadable devices as null', () => {
    const f = parseClockevents([{ name: 'clockevent10', current: 'x\n' }, { name: 'clockevent2', current: null }], 'hpet\n');
    expect(f.devices).toEqual([{ name: 'clockevent2', current: null }, { name: 'clockevent10', current: 'x' }]);
    expect(f.broadcast).toBe('hpet');
  });
  it('never throws (property)', () => {
    fc.assert(fc.property(fc.array(fc.record({ name: fc.string(), current: fc.option(fc.string()) })), fc.option(fc.string()), (devs, b) => {
      expect(parseClockevents(devs, b).devices).toHaveLength(devs.length);
    }));
  });
});
