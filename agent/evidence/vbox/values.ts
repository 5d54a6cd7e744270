/**
 * Value grammar of VBox.log: IPRT's space-grouped numbers, hex companions, `%RTbool`, TSC-mode and
 * provider names, CPUID register decoding. Pure helpers for the VBox.log parser (formats.md §0, §4).
 */
import type { CpuidRegs, VboxParavirtProvider, VboxTscMode } from './facts.js';
import { safeSignedInt } from '../../util/numbers.js';

// IPRT's `'` flag groups digits with a plain space; retyped/forum values use `,` `.` NBSP or `'`.
const GROUPED = /^-?\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+$/;
const PLAIN = /^-?\d+$/;
const SEPARATORS = /[ ,.\u00a0\u202f']/g;

/**
 * `3 478 274 491`, `3,478,274,491`, `3478274491` → number; anything else (or beyond 2^53) → null: a
 * 40-digit run in a damaged log is no evidence, and a rounded guess must never pass for a fact.
 */
export function groupedInt(text: string): number | null {
  const t = text.trim();
  if (PLAIN.test(t)) return safeSignedInt(t);
  if (GROUPED.test(t)) return safeSignedInt(t.replace(SEPARATORS, ''));
  return null;
}

/** `0xcf5241bb` → number (null when not hex). */
export function hexInt(text: string): number | null {
  const m = /^0x([0-9a-f]+)$/i.exec(text.trim());
  if (m === null) return null;
  const v = Number.parseInt(m[1]!, 16);
  return Number.isSafeInteger(v) ? v : null;
}

/** A CFGM or extradata number: hex (`0x…`), decimal, grouped, or IPRT `integer:` prefixed. */
export function anyInt(text: string): number | null {
  const t = text.trim().replace(/^integer:/i, '');
  return hexInt(t) ?? groupedInt(t);
}

/** `%RTbool` (old IPRT pads `true` to 5 chars; callers split on whitespace, this trims anyway). */
export function rtBool(text: string | undefined): boolean | null {
  const t = text?.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : null;
}

/**
 * A value with an optional companion in parentheses, as in `3 478 274 491 (0xcf5241bb)` (5.0+) or
 * `0xcf5241bb (3 478 274 491)` (≤4.3 and every `(state load)` line). The hex is separator-free and
 * authoritative, so it wins whenever present.
 */
export function hexOrDecimalPair(first: string, second: string | undefined): number | null {
  const h1 = hexInt(first);
  if (h1 !== null) return h1;
  if (second !== undefined) {
    const h2 = hexInt(second);
    if (h2 !== null) return h2;
  }
  return groupedInt(first) ?? (second === undefined ? null : groupedInt(second));
}

const TSC_MODES: Record<string, VboxTscMode> = {
  virttscemulated: 'VirtTscEmulated',
  realtscoffset: 'RealTscOffset',
  dynamic: 'Dynamic',
  nativeapi: 'NativeApi',
};

/** `enmTSCMode` numbers from TMInternal.h: 1 VirtTSCEmulated, 2 RealTSCOffset, 3 Dynamic, 4 NativeApi. */
const TSC_MODE_NUMBERS: Record<string, VboxTscMode> = { '1': 'VirtTscEmulated', '2': 'RealTscOffset', '3': 'Dynamic', '4': 'NativeApi' };

/** Normalise `VirtTSCEmulated`/`VirtTscEmulated`/`RealTSCOffset`/… (any case) to the facts spelling. */
export function tscModeName(name: string | undefined): VboxTscMode | null {
  if (name === undefined) return null;
  return TSC_MODES[name.trim().toLowerCase()] ?? null;
}

/** Mode from the name when it is known, else from the `enmTSCMode` number. */
export function tscMode(num: string | undefined, name: string | undefined): VboxTscMode | null {
  return tscModeName(name) ?? (num === undefined ? null : TSC_MODE_NUMBERS[num] ?? null);
}

/**
 * 1.6–4.3 have no TSC mode; they print two flags. Mapping (TM.cpp of those versions):
 * - `fTSCVirtualized=true fTSCUseRealTSC=false` (the default): RDTSC is trapped and the TSC is
 *   synthesised from the virtual clock at cTSCTicksPerSecond → `VirtTscEmulated`;
 * - `fTSCVirtualized=true fTSCUseRealTSC=true`: trapped, but returns the host TSC plus an offset,
 *   and `fTSCVirtualized=false`: RDTSC not intercepted, host TSC plus the VT-x/AMD-V offset → both
 *   tick at the real host rate → `RealTscOffset`.
 * `fMaybeUseOffsettedHostTSC` (offsetting while the virtual clock is in sync) is a run-time option
 * that these logs do not report switching, so it does not change the start mode.
 */
export function legacyTscMode(virtualized: boolean | null, useRealTsc: boolean | null): VboxTscMode | null {
  if (virtualized === null) return null;
  if (!virtualized) return 'RealTscOffset';
  if (useRealTsc === null) return null;
  return useRealTsc ? 'RealTscOffset' : 'VirtTscEmulated';
}

/** GIM provider names as printed (`KVM`, `HyperV`, `Minimal`, `None`), any case; `Hyper-V` tolerated. */
export function paravirtProvider(name: string): VboxParavirtProvider | null {
  switch (name.trim().toLowerCase().replace(/-/g, '')) {
    case 'none': return 'None';
    case 'minimal': return 'Minimal';
    case 'kvm': return 'KVM';
    case 'hyperv': return 'HyperV';
    default: return null;
  }
}

/** The 12-char vendor string of leaf 0 (EBX, EDX, ECX). */
export function cpuidVendor(r: CpuidRegs): string {
  return regsAscii([r.ebx, r.edx, r.ecx]);
}

/** Little-endian ASCII of 32-bit registers, NULs dropped. */
export function regsAscii(regs: readonly number[]): string {
  let s = '';
  for (const r of regs) {
    for (let i = 0; i < 4; i++) {
      const c = (r >>> (8 * i)) & 0xff;
      if (c !== 0) s += String.fromCharCode(c);
    }
  }
  return s;
}

/** Display family and model from leaf 1 EAX (extended fields applied as Intel SDM / AMD APM say). */
export function familyModel(eax: number): { family: number; model: number } {
  const base = (eax >>> 8) & 0xf;
  const family = base === 0xf ? base + ((eax >>> 20) & 0xff) : base;
  const model = base === 0x6 || base === 0xf ? (((eax >>> 16) & 0xf) << 4) | ((eax >>> 4) & 0xf) : (eax >>> 4) & 0xf;
  return { family, model };
}

/**
 * Crystal frequency of Intel family-6 parts whose leaf 0x15 leaves ECX = 0 (formats.md §4.7.1, and
 * Linux `native_calibrate_tsc`): a hint, never a fact. Client Skylake-derived cores (Skylake, Kaby
 * Lake, Coffee/Whiskey/Comet Lake) use 24 MHz; Goldmont / Goldmont Plus Atoms 19.2 MHz; Ice Lake and
 * later client cores 38.4 MHz. Server parts (25 MHz on some) are deliberately not guessed.
 */
const CRYSTAL_BY_MODEL: ReadonlyMap<number, number> = new Map([
  // 24 MHz: Skylake L/S, Kaby/Coffee/Whiskey/Amber Lake, Comet Lake
  [0x4e, 24_000_000], [0x5e, 24_000_000], [0x8e, 24_000_000], [0x9e, 24_000_000], [0xa5, 24_000_000], [0xa6, 24_000_000],
  // 19.2 MHz: Goldmont (Apollo Lake), Goldmont Plus (Gemini Lake)
  [0x5c, 19_200_000], [0x7a, 19_200_000],
  // 38.4 MHz: Ice Lake, Tiger Lake, Rocket Lake, Alder/Raptor Lake, Alder Lake-N, Meteor Lake
  [0x7d, 38_400_000], [0x7e, 38_400_000], [0x8c, 38_400_000], [0x8d, 38_400_000], [0xa7, 38_400_000],
  [0x97, 38_400_000], [0x9a, 38_400_000], [0xb7, 38_400_000], [0xba, 38_400_000], [0xbf, 38_400_000],
  [0xbe, 38_400_000], [0xaa, 38_400_000], [0xac, 38_400_000],
]);

/** Inferred crystal Hz for an Intel family-6 model, or null when the model is not one we know. */
export function inferredCrystalHz(vendor: string | null, family: number | null, model: number | null): number | null {
  if (vendor !== 'GenuineIntel' || family !== 6 || model === null) return null;
  return CRYSTAL_BY_MODEL.get(model) ?? null;
}

/**
 * `… @ 3.40GHz` → 3 400 000 000 (also `MHz`); null without such a suffix (most AMD brands). Kept
 * apart from kernel-log-numbers' `brandNominalHz`, which refuses more than 12 integer digits where
 * this one reads any run (`@ 00000000000003.40GHz` → 3 400 000 000).
 */
export function brandNominalHz(brand: string): number | null {
  const m = /@\s*(\d+(?:\.\d+)?)\s*([GM])Hz/i.exec(brand);
  if (m === null) return null;
  const [ints, frac = ''] = m[1]!.split('.');
  // Integer arithmetic on the digits: 3.40 × 1e9 in floating point is 3 400 000 000.0000005.
  const scale = m[2]!.toUpperCase() === 'G' ? 9 : 6;
  if (frac.length > scale) return null;
  const hz = Number(ints) * 10 ** scale + Number(frac.padEnd(scale, '0'));
  return Number.isSafeInteger(hz) ? hz : null;
}

/** 1e9 · 2^32 / scale · 2^(−shift), rounded to the Hz (pvclock, model.md §1.3). */
export function pvclockHz(scale: number, shift: number): number | null {
  if (scale <= 0 || !Number.isFinite(scale) || shift < -32 || shift > 32) return null;
  const hz = Math.round(((1e9 * 2 ** 32) / scale) * 2 ** -shift);
  return Number.isSafeInteger(hz) ? hz : null;
}
