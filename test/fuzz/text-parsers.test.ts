/**
 * Property tests for the whole-text parsers (sysfs files, cmdline, chronyc, adjtime/RTC, time-sync
 * processes, hypervisor strings, clock-read cost): any text gives facts or a ParseError.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { arbitraryInput, mustParseOrParseError, mutatedSeed, runs } from './harness.js';
import { TEXT_TARGETS } from './targets.js';

const RUNS = runs(1000);

describe.each(TEXT_TARGETS.map((t) => [t.name, t] as const))('%s parser under fuzzing', (_name, target) => {
  const seedList = target.examples.map((e, i) => ({ name: `${target.name} example ${i}`, buf: Buffer.from(e, 'utf8') }));

  it('parses its examples', () => {
    for (const s of seedList) mustParseOrParseError(() => target.parse(s.buf.toString('utf8'), s.buf), s.name);
  });

  it(`mutated examples and arbitrary text → facts or ParseError (${RUNS} cases each)`, () => {
    fc.assert(
      fc.property(mutatedSeed(seedList), ({ label, buf }) => {
        mustParseOrParseError(() => target.parse(buf.toString('utf8'), buf), label, { exactNumbers: target.exactNumbers });
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(arbitraryInput, (buf) => {
        mustParseOrParseError(() => target.parse(buf.toString('utf8'), buf), `arbitrary ${buf.length} bytes`, { exactNumbers: target.exactNumbers });
      }),
      { numRuns: RUNS },
    );
  });
});
