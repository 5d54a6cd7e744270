/**
 * `/proc/cpuinfo` → CpuinfoFacts (x86 and ARM). Pure.
 *
 * Fields are `key<TAB>*: value`; one real capture uses spaces instead of tabs, so keys are split on
 * the first colon and trimmed. Facts come from the first processor block, except the processor count.
 */
import { TSC_FLAGS, type CpuinfoFacts, type TscFlag } from './facts.js';
import type { LineRef } from '../kind.js';
import { ParseError } from '../../errors.js';
import { excerpt, parseText } from '../text/lines.js';
import type { KindParser } from '../kind.js';
import { brandNominalHz, mhzToKhz } from '../../util/numbers.js';
import { skipSpace } from '../text/bytes.js';

/** Keys only /proc/cpuinfo prints (a line with one is cpuinfo evidence wherever it stands). */
const KNOWN_KEYS = new Set(['processor', 'vendor_id', 'model name', 'cpu mhz', 'flags', 'features', 'cpu architecture', 'cpu implementer', 'cpu part', 'cpu variant', 'cpu revision', 'hardware', 'bogomips', 'cpu family', 'model', 'stepping', 'microcode', 'cache size', 'physical id', 'siblings', 'core id', 'cpu cores', 'apicid', 'fpu', 'cpuid level', 'wp', 'address sizes', 'power management', 'clflush size', 'cache_alignment']);

/** KNOWN_KEYS as lower-case bytes, by their first byte. */
const KEYS_BY_FIRST: (Uint8Array[] | undefined)[] = new Array(256);
for (const k of KNOWN_KEYS) (KEYS_BY_FIRST[k.charCodeAt(0)] ??= []).push(Uint8Array.from(k, (c) => c.charCodeAt(0)));

/** Does the lower-case ASCII `key` stand at `i`, in any case? (No non-ASCII letter lower-cases into a key's letters but the Kelvin sign, and no key has a `k`.) */
function keyAt(buf: Uint8Array, i: number, end: number, key: Uint8Array): boolean {
  if (end - i < key.length) return false;
  for (let k = 0; k < key.length; k++) {
    const b = buf[i + k]!;
    if ((b >= 65 && b <= 90 ? b | 0x20 : b) !== key[k]) return false;
  }
  return true;
}

/**
 * The pre-filter: `push` acts only on a line whose text before its first colon is, trimmed and
 * lower-cased, one of KNOWN_KEYS (every key it reads is one), so the line must be spaces, a known
 * key in any case, spaces and a colon. No state: a field counts wherever it stands.
 */
function wantsLine(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipSpace(buf, start, end);
  if (p >= end) return false;
  const b = buf[p]!;
  const keys = KEYS_BY_FIRST[b >= 65 && b <= 90 ? b | 0x20 : b];
  if (keys === undefined) return false;
  for (const key of keys) {
    if (!keyAt(buf, p, end, key)) continue;
    const q = skipSpace(buf, p + key.length, end);
    if (q < end && buf[q] === 58 /* : */) return true;
  }
  return false;
}

const OTHER_TIME_FLAGS = ['art', 'nonstop_tsc_s3', 'tsc_scale'] as const;

/** ARM implementer codes worth naming (arch/arm64 cpuinfo prints only the hex code). */
const ARM_IMPLEMENTERS: Record<string, string> = {
  '0x41': 'ARM', '0x42': 'Broadcom', '0x43': 'Cavium', '0x48': 'HiSilicon', '0x4e': 'NVIDIA',
  '0x51': 'Qualcomm', '0x53': 'Samsung', '0x56': 'Marvell', '0x61': 'Apple', '0x69': 'Intel', '0xc0': 'Ampere',
};

/** A streaming cpuinfo parser (usable with `parseFile`/`parseText`). */
export function createCpuinfoParser(path: string | null = null): KindParser<CpuinfoFacts> {
  let processors = 0;
  let recognisedLines = 0;
  let blocks = 0; // how many `processor` lines started a block; facts come from block ≤ 1
  let sawAnyField = false;
  let arch: CpuinfoFacts['architecture'] = null;
  let vendor: string | null = null;
  let modelName: string | null = null;
  let cpuKhz: number | null = null;
  let flags: string[] | null = null;
  let hardware: string | null = null;
  let features: string[] | null = null;
  let part: string | null = null;
  let bogomips: string | null = null;
  /** What the arm lines say: 64 from `CPU architecture: 8` / AArch64, 32 from 7 or ARMv7. */
  let armBits: 32 | 64 | null = null;
  /** Lines kept only if they end up stating a fact (BogoMIPS is one only on arm64). */
  let bogomipsRef: LineRef | null = null;
  let archRef: LineRef | null = null;
  const refs: Record<string, LineRef> = {};

  const first = (): boolean => blocks <= 1;

  return {
    wants: wantsLine,
    // No key starts, in any case, with a month name and a blank.
    quietOnDaemon: () => true,
    push(raw, lineNo) {
      const colon = raw.indexOf(':');
      if (colon < 0) return;
      const key = raw.slice(0, colon).trim().toLowerCase();
      const value = raw.slice(colon + 1).trim();
      const ref = (): LineRef => ({ line: lineNo, excerpt: excerpt(raw) });
      // cpuinfo pads its keys (`flags\t\t: …`); a kernel message `microcode: …` has no blank before the colon.
      if (KNOWN_KEYS.has(key) && /\s$/.test(raw.slice(0, colon))) recognisedLines++;
      switch (key) {
        case 'processor':
          // ARM 32-bit also has a legacy `Processor : ARMv7 …` line (a name, not an index).
          if (/^\d+$/.test(value)) {
            processors++;
            blocks++;
            sawAnyField = true;
          } else if (modelName === null) {
            modelName = value;
            refs.modelName = ref();
            if (/AArch64/i.test(value)) armBits = 64;
          }
          return;
        case 'vendor_id':
          sawAnyField = true;
          if (first() && vendor === null) { vendor = value; refs.vendor = ref(); }
          arch = 'x86';
          return;
        case 'model name':
          sawAnyField = true;
          if (first() && value !== '') { modelName = value; refs.modelName = ref(); }
          return;
        case 'cpu mhz':
          sawAnyField = true;
          if (first() && cpuKhz === null) {
            cpuKhz = mhzToKhz(value);
            if (cpuKhz !== null) refs.cpuKhz = ref();
          }
          return;
        case 'flags':
          sawAnyField = true;
          if (first() && flags === null) { flags = value.split(/\s+/).filter((f) => f !== ''); refs.tscFlags = ref(); }
          if (arch === null) arch = 'x86';
          return;
        case 'features':
          sawAnyField = true;
          if (arch === null) arch = 'arm';
          if (first() && features === null) { features = value.split(/\s+/).filter((f) => f !== ''); refs.armFeatures = ref(); }
          return;
        case 'cpu architecture':
          sawAnyField = true;
          if (arch === null) arch = 'arm';
          if (armBits === null) { armBits = /^(?:8|AArch64)/i.test(value) ? 64 : 32; archRef = ref(); }
          return;
        case 'cpu part':
          if (first() && part === null) part = value;
          return;
        case 'cpu implementer':
          sawAnyField = true;
          arch = 'arm';
          if (first() && vendor === null) { vendor = ARM_IMPLEMENTERS[value.toLowerCase()] ?? value; refs.vendor = ref(); }
          return;
        case 'hardware':
          hardware = value;
          return;
        case 'bogomips':
          sawAnyField = true;
          if (first() && bogomips === null) { bogomips = value; bogomipsRef = ref(); }
          return;
        case 'cpu family':
        case 'model':
        case 'stepping':
          sawAnyField = true;
          return;
        default:
          return;
      }
    },
    recognised: () => recognisedLines,
    finish() {
      if (!sawAnyField) throw new ParseError('not /proc/cpuinfo: no processor, flags or model name lines', null, path);
      let tscFlags: TscFlag[] | null = null;
      let hypervisorFlag: boolean | null = null;
      const otherTimeFlags: string[] = [];
      if (flags !== null) {
        const set = new Set(flags);
        tscFlags = TSC_FLAGS.filter((f) => set.has(f));
        hypervisorFlag = set.has('hypervisor');
        for (const f of OTHER_TIME_FLAGS) if (set.has(f)) otherTimeFlags.push(f);
      }
      if (arch === null && hardware !== null) arch = 'arm';
      if (arch === 'arm') arch = armArchitecture(features, armBits, modelName);
      const counterHz = arch === 'arm64' && bogomips !== null ? counterFromBogomips(bogomips) : null;
      if (counterHz !== null && bogomipsRef !== null) refs.counterHz = bogomipsRef;
      if ((arch === 'arm64' || arch === 'arm') && archRef !== null) refs.architecture = archRef;
      if (flags !== null && refs.tscFlags !== undefined) refs.hypervisorFlag = refs.tscFlags;
      const nominalHz = modelName === null ? null : brandNominalHz(modelName);
      if (nominalHz !== null && refs.modelName !== undefined) refs.brandNominalHz = refs.modelName;
      return {
        path,
        refs,
        processors: processors > 0 ? processors : null,
        architecture: arch ?? (modelName !== null ? 'other' : null),
        vendor,
        modelName,
        brandNominalHz: nominalHz,
        cpuKhz,
        tscFlags,
        hypervisorFlag,
        otherTimeFlags,
        armFeatures: features,
        armPart: part,
        counterHz,
      };
    },
  };
}

/** Features only the 64-bit kernel prints (arch/arm64/kernel/cpuinfo.c hwcap names); 32-bit ones use `half thumb vfp …`. */
const ARM64_FEATURES = new Set(['asimd', 'fp', 'evtstrm', 'cpuid', 'atomics', 'fphp', 'asimdhp']);

/** arm64 or 32-bit arm: a 64-bit kernel's features decide; else the architecture line; else the model name. */
function armArchitecture(features: string[] | null, bits: 32 | 64 | null, model: string | null): 'arm' | 'arm64' {
  if (features !== null && features.length > 0) return features.some((f) => ARM64_FEATURES.has(f)) && !features.includes('thumb') ? 'arm64' : 'arm';
  if (bits !== null) return bits === 64 ? 'arm64' : 'arm';
  return model !== null && /AArch64/i.test(model) ? 'arm64' : 'arm';
}

/** `48.00` BogoMIPS → 24 000 000 Hz (arm64's timer-based delay loop: lpj = rate / HZ, BogoMIPS = lpj · HZ / 500 000). */
function counterFromBogomips(text: string): number | null {
  const m = /^(\d{1,6})\.(\d{2})$/.exec(text);
  if (m === null) return null;
  const hz = (Number(m[1]) * 100 + Number(m[2])) * 5_000;
  return hz > 0 && Number.isSafeInteger(hz) ? hz : null;
}

/** Parse the whole text of `/proc/cpuinfo`. Throws ParseError when nothing in it looks like cpuinfo. */
export function parseCpuinfo(text: string, path: string | null = null): CpuinfoFacts {
  return parseText(createCpuinfoParser(path), text);
}
