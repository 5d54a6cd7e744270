/** The clocksource in use and the ones available, from every kind's hints (sysfs beats the kernel log's last switch). */
import type { EvidenceItem } from '../evidence/kind.js';
import type { Hint } from '../evidence/hints.js';

export interface ClocksourceView {
  /** The clocksource in use, or null when no evidence names it. */
  current: string | null;
  /** Where that is shown. */
  currentEvidence: EvidenceItem[];
  /** Every clocksource the machine has, as far as the evidence shows (registration order kept). */
  available: string[];
  /** Lines that show each available one. */
  availableEvidence: Record<string, EvidenceItem[]>;
}

export function deriveClocksource(hints: readonly Hint[]): ClocksourceView {
  const cs = hints.filter((h): h is Extract<Hint, { about: 'clocksource' }> => h.about === 'clocksource');
  let best: Extract<Hint, { about: 'clocksource' }> | null = null;
  for (const h of cs) if (h.current !== null && (best === null || h.rank > best.rank)) best = h;
  const available: string[] = [];
  const availableEvidence: Record<string, EvidenceItem[]> = {};
  // Stable sort: within a rank, the order the kinds gave their hints (registration before switch).
  for (const h of [...cs].sort((a, b) => b.rank - a.rank)) {
    for (const a of h.available) {
      if (!available.includes(a)) available.push(a);
      availableEvidence[a] ??= h.evidence;
    }
  }
  return { current: best?.current ?? null, currentEvidence: best?.evidence ?? [], available, availableEvidence };
}
