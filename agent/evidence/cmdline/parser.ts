/**
 * `/proc/cmdline` (or a `Command line:` kernel log text) → CmdlineFacts. Pure.
 *
 * Tokenised the way the kernel's `next_arg()` does it: whitespace separates parameters, double quotes
 * group (`clocksource="tsc"` and `"clocksource=tsc"` both count), and everything after a bare `--` is
 * for init, not the kernel.
 */
import type { CmdlineFacts } from './facts.js';
import { safeInt } from '../../util/numbers.js';

/** Split a kernel command line into `[key, value|null]` pairs, quotes removed, stopping at `--`. */
export function kernelParams(text: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  let i = 0;
  const s = text.replace(/[\r\n]+/g, ' ');
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++;
    if (i >= s.length) break;
    let tok = '';
    let quoted = false;
    while (i < s.length) {
      const c = s[i] ?? '';
      if (c === '"') { quoted = !quoted; i++; continue; }
      if (!quoted && /\s/.test(c)) break;
      tok += c;
      i++;
    }
    if (tok === '--') break;
    const eq = tok.indexOf('=');
    out.push(eq < 0 ? [tok, null] : [tok.slice(0, eq), tok.slice(eq + 1)]);
  }
  return out;
}

/** Parse a kernel command line. Never throws: any text is a (possibly empty) command line. */
export function parseCmdline(text: string, path: string | null = null): CmdlineFacts {
  const raw = text.replace(/[\r\n]+$/, '').replace(/\r?\n/g, ' ');
  const facts: CmdlineFacts = {
    path, refs: {}, raw, clocksource: null, tsc: [], notsc: false, noKvmclock: false,
    nohz: null, nohzFull: null, divider: null, hpet: null, lpj: null, tscEarlyKhz: null,
  };
  const ref = { line: 1, excerpt: raw.trim().slice(0, 400) };
  for (const [key, value] of kernelParams(raw)) {
    // The kernel treats `-` and `_` in parameter names alike.
    switch (key.replace(/-/g, '_')) {
      case 'clocksource': facts.clocksource = value; facts.refs.clocksource = ref; break;
      case 'clock': if (value === 'pmtmr' && facts.clocksource === null) facts.clocksource = 'acpi_pm'; break;
      case 'tsc': if (value !== null) { facts.tsc.push(value); facts.refs.tsc = ref; } break;
      case 'notsc': facts.notsc = true; facts.refs.notsc = ref; break;
      case 'no_kvmclock': facts.noKvmclock = true; facts.refs.noKvmclock = ref; break;
      case 'nohz': facts.nohz = value; facts.refs.nohz = ref; break;
      case 'nohz_full': facts.nohzFull = value; facts.refs.nohzFull = ref; break;
      case 'divider': facts.divider = safeInt(value ?? undefined); facts.refs.divider = ref; break;
      case 'hpet': facts.hpet = value; facts.refs.hpet = ref; break;
      case 'lpj': facts.lpj = safeInt(value ?? undefined); facts.refs.lpj = ref; break;
      case 'tsc_early_khz': facts.tscEarlyKhz = safeInt(value ?? undefined); facts.refs.tscEarlyKhz = ref; break;
      default: break;
    }
  }
  return facts;
}
