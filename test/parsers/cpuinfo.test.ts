/**
 * /proc/cpuinfo: unit cases, golden facts for every corpus file and the live capture (regenerate with
 * UPDATE_GOLDEN=1, check by hand), MANIFEST points, this machine's own file, and a property test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCpuinfo, createCpuinfoParser } from '../../agent/evidence/cpuinfo/parser.js';
import { parseFile } from '../../agent/sources/file.js';
import { DEFAULT_ROOTS, procPath } from '../../agent/roots.js';
import { ParseError } from '../../agent/errors.js';
import type { CpuinfoFacts } from '../../agent/facts.js';
import { expectGolden } from '../helpers/golden.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const GOLDEN = path.resolve(import.meta.dirname, '..', 'golden', 'cpuinfo');
const files = [
  ...fs.readdirSync(path.join(FIX, 'cpuinfo')).filter((f) => f.endsWith('.txt')).sort().map((f) => `cpuinfo/${f}`),
  'live/firecracker-kvm-6.18/proc/cpuinfo',
];
const facts = (rel: string): CpuinfoFacts => parseFile(path.join(FIX, rel), createCpuinfoParser(rel)).facts;

describe('cpuinfo unit cases', () => {
  it('x86 VM: flags in TSC_FLAGS order, hypervisor flag, exact kHz, nominal Hz', () => {
    const f = parseCpuinfo([
      'processor\t: 0', 'vendor_id\t: GenuineIntel', 'model name\t: Intel(R) Core(TM) i7-3770 CPU @ 3.40GHz',
      'cpu MHz\t\t: 3400.109', 'flags\t\t: fpu rdtscp tsc_known_freq hypervisor tsc constant_tsc nonstop_tsc_s3 tsc_adjust', '',
      'processor\t: 1', 'cpu MHz\t\t: 1200.000', 'flags\t\t: fpu',
    ].join('\n'), 'x');
    expect(f.processors).toBe(2);
    expect(f.tscFlags).toEqual(['tsc', 'constant_tsc', 'tsc_known_freq', 'tsc_adjust', 'rdtscp']);
    expect(f.hypervisorFlag).toBe(true);
    expect(f.cpuKhz).toBe(3400109);
    expect(f.brandNominalHz).toBe(3_400_000_000);
    expect(f.otherTimeFlags).toEqual(['nonstop_tsc_s3']);
    expect(f.refs.cpuKhz?.line).toBe(4);
  });
  it('no hypervisor flag is false, not null, when a flags line exists', () => {
    expect(parseCpuinfo('processor : 0\nflags : fpu tsc\n').hypervisorFlag).toBe(false);
  });
  it('AMD brand without @ GHz has no nominal rate', () => {
    expect(parseCpuinfo('processor\t: 0\nmodel name\t: AMD Ryzen 5 5600H with Radeon Graphics\n').brandNominalHz).toBeNull();
  });
  it('ARM: no flags line → tscFlags and hypervisorFlag null', () => {
    const f = parseCpuinfo('processor\t: 0\nmodel name\t: ARMv7 Processor rev 0 (v7l)\nFeatures\t: half thumb\nCPU implementer\t: 0x41\n');
    expect(f.architecture).toBe('arm');
    expect(f.tscFlags).toBeNull();
    expect(f.hypervisorFlag).toBeNull();
    expect(f.vendor).toBe('ARM');
  });
  it('aarch64: arm64 from its features, the generic timer rate from BogoMIPS (real samples, see SOURCE.md)', () => {
    // Apple M1 VM and Raspberry Pi as posted in public docs: 48.00 → 24 MHz, 38.40 → 19.2 MHz, 108.00 → 54 MHz.
    const m1 = parseCpuinfo('processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid\nCPU implementer\t: 0x61\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0x000\nCPU revision\t: 0\n');
    expect(m1).toMatchObject({ architecture: 'arm64', vendor: 'Apple', counterHz: 24_000_000, armPart: '0x000' });
    expect(parseCpuinfo('processor\t: 0\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\n').counterHz).toBe(19_200_000);
    expect(parseCpuinfo('Processor\t: AArch64 Processor rev 1 (aarch64)\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\n').architecture).toBe('arm64');
    // A 64-bit core under a 32-bit kernel prints ARMv7-style features: it runs as arm.
    expect(parseCpuinfo('processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\nFeatures\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32\nCPU architecture: 8\n')).toMatchObject({ architecture: 'arm', counterHz: null });
  });
  it('rejects text that is not cpuinfo with a ParseError', () => {
    expect(() => parseCpuinfo('hello world\n', 'f')).toThrow(ParseError);
    expect(() => parseCpuinfo('', 'f')).toThrow(ParseError);
  });
  it('never throws anything but ParseError (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('processor\t: 0', 'flags\t: tsc', 'cpu MHz : 99999999999.99999', 'model name : @ 9GHz')), { maxLength: 20 }), (lines) => {
      try {
        const f = parseCpuinfo(lines.join('\n'));
        if (f.tscFlags !== null) expect(f.tscFlags.every((x, i, a) => i === 0 || a.indexOf(x) > a.indexOf(a[i - 1]!))).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 300 });
  });
});

describe('golden facts for every corpus cpuinfo', () => {
  for (const rel of files) {
    it(rel, () => {
      const got = `${JSON.stringify(facts(rel), null, 2)}\n`;
      expectGolden(path.join(GOLDEN, `${rel.replace(/\//g, '__')}.json`), got);
    });
  }
});

const MANIFEST: Record<string, Partial<CpuinfoFacts>> = {
  'cpuinfo/armv7-zynq-innofirmware.txt': { processors: 2, architecture: 'arm', tscFlags: null, counterHz: null },
  'cpuinfo/arm64-cortex-a57-kata-containers.txt': { processors: 2, architecture: 'arm64', vendor: 'ARM', armPart: '0xd07', tscFlags: null, hypervisorFlag: null, counterHz: 250_000_000, armFeatures: ['fp', 'asimd', 'evtstrm', 'aes', 'pmull', 'sha1', 'sha2', 'crc32', 'cpuid'] },
  'cpuinfo/baremetal-amd-a8-7600-raymerta.txt': { processors: 4, hypervisorFlag: false, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'rdtscp'], otherTimeFlags: ['art', 'tsc_scale'] },
  'cpuinfo/baremetal-i7-2600-csci442.txt': { processors: 8, hypervisorFlag: false, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_deadline_timer', 'rdtscp'], brandNominalHz: 3_400_000_000 },
  'cpuinfo/baremetal-i7-2600-twaite.txt': { processors: 8, hypervisorFlag: false, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_deadline_timer', 'rdtscp'] },
  'cpuinfo/baremetal-xeon-e5620-kvm-host-vcpupinning.txt': { processors: 16, hypervisorFlag: false, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'rdtscp'], cpuKhz: 2400000 },
  'cpuinfo/hyperv-guest-xeon-w2155-rhel8.txt': { processors: 2, hypervisorFlag: true, tscFlags: ['tsc', 'constant_tsc', 'rdtscp'], cpuKhz: 3311999 },
  'cpuinfo/vmware-guest-rhel6-xeon-l5520-tsc_reliable-goprocinfo.txt': { processors: 4, hypervisorFlag: true, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'rdtscp'] },
  'live/firecracker-kvm-6.18/proc/cpuinfo': { processors: 2, hypervisorFlag: true, cpuKhz: 2000000, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_known_freq', 'tsc_deadline_timer', 'tsc_adjust', 'rdtscp'] },
};

describe('what MANIFEST.tsv says each cpuinfo shows', () => {
  it('covers every fixture', () => expect(Object.keys(MANIFEST).sort()).toEqual([...files].sort()));
  for (const [rel, want] of Object.entries(MANIFEST)) it(rel, () => expect(facts(rel)).toMatchObject(want));
});

describe('this machine', () => {
  it('parses the live /proc/cpuinfo when present', () => {
    const p = procPath(DEFAULT_ROOTS, 'cpuinfo');
    if (!fs.existsSync(p)) return;
    const f = parseCpuinfo(fs.readFileSync(p, 'utf8'), p);
    expect(f.processors).toBeGreaterThanOrEqual(1);
    if (f.architecture === 'x86') expect(f.tscFlags).toContain('tsc');
  });
});
