/**
 * Small helpers every rule shares: evidence from a section's line refs, rate arithmetic and the
 * human forms of it (ppm, seconds per day, "5:00 reads as m:ss").
 */
import type { LineRef, SectionBase, VboxFacts } from '../agent/facts.js';
import type { EvidenceItem, Fix } from '../agent/findings.js';
import { shellQuote } from '../agent/util/shell-quote.js';

export { dedupe, evidenceOr, lineEvidence, plainEvidence, refEvidence, type SourceName } from '../agent/evidence/quote.js';




export { fmtDuration, fmtGhz, fmtHz, fmtPercent, fmtPerDay, fmtPpm, guestSecondsPer300, KERNEL_SLEW_PPM, mmss, rateErrorPpm, secondsPerDay } from '../agent/util/rates.js';

/** Note for a fix summary when the VM name had to be a placeholder. */
const VM_NAME_NOTE = ' The log does not name the VM: replace VM_NAME with its name (VBoxManage list vms).';

/**
 * The VM name ready to paste into a shell, and the note to append to a fix summary that uses it
 * (empty when the log named the VM; otherwise it says how to replace the placeholder).
 */
export function vmNameArg(vbox: VboxFacts | null): { arg: string; note: string } {
  const name = vbox?.vmName ?? null;
  if (name === null || name.length === 0) return { arg: 'VM_NAME', note: VM_NAME_NOTE };
  return { arg: shellQuote(name), note: '' };
}

/** A guest fix that switches the running guest to `clocksource` until the next boot; `fix --apply` can carry it out. */
export function setClocksourceFix(clocksource: string, summary: string): Fix {
  return {
    where: 'guest',
    summary,
    command: `echo ${clocksource} | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource`,
    action: { kind: 'set-clocksource', clocksource },
  };
}

/** `--paravirt-provider` (7.0+) or the older `--paravirtprovider` spelling. */
export function paravirtFlag(vbox: VboxFacts | null): string {
  const major = vbox?.version ? Number.parseInt(vbox.version, 10) : Number.NaN;
  return major >= 7 ? '--paravirt-provider' : '--paravirtprovider';
}


