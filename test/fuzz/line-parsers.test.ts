/**
 * Property tests for the streaming parsers (VBox.log, kernel log, cpuinfo): arbitrary bytes and
 * mutations of real captures give facts or a ParseError, and the facts do not depend on how the
 * input was chunked. CI runs RUNS cases per property; FUZZ_RUNS=N raises it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryInput, feed, mustParseOrParseError, mutatedSeed, runs, seeds } from './harness.js';
import { LINE_TARGETS } from './targets.js';

const RUNS = runs(1000);

describe.each(LINE_TARGETS.map((t) => [t.name, t] as const))('%s parser under fuzzing', (_name, target) => {
  const seedList = seeds(target.seedKind);

  it('parses every seed unmutated (the seeds are real captures)', () => {
    for (const s of seedList) {
      const r = mustParseOrParseError(() => feed(target.create(), s.buf), s.name);
      expect('facts' in r, `${s.name} should parse`).toBe(true);
    }
  });

  it(`mutated captures → facts or ParseError (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(mutatedSeed(seedList), ({ label, buf }) => {
        mustParseOrParseError(() => feed(target.create(), buf), label, { exactNumbers: target.exactNumbers });
      }),
      { numRuns: RUNS },
    );
  });

  it(`arbitrary bytes → facts or ParseError (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(arbitraryInput, (buf) => {
        mustParseOrParseError(() => feed(target.create(), buf), `arbitrary ${buf.length} bytes`, { exactNumbers: target.exactNumbers });
      }),
      { numRuns: RUNS },
    );
  });

  it(`facts do not depend on chunk boundaries (${Math.ceil(RUNS / 3)} cases)`, () => {
    fc.assert(
      fc.property(mutatedSeed(seedList), fc.integer({ min: 1, max: 9000 }), ({ label, buf }, chunk) => {
        const whole = mustParseOrParseError(() => feed(target.create(), buf), label, { exactNumbers: target.exactNumbers });
        const chunked = mustParseOrParseError(() => feed(target.create(), buf, chunk), `${label} in ${chunk}-byte chunks`);
        expect(chunked, `${label} in ${chunk}-byte chunks`).toEqual(whole);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
