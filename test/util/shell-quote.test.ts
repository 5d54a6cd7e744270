/**
 * shellQuote must make any string one literal word for sh, bash and zsh-compatible shells: checked by
 * running the quoted word through real shells and reading back argv, for hand-picked nasties and for
 * arbitrary strings (fast-check).
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../agent/util/shell-quote.js';

/** Run `printf '%s\0' <quoted words>` in a shell and return the words it received. */
function roundTrip(shell: string, words: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${shellJoin(words)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = [
  `My VM`, `it's`, `"double"`, `$(touch /tmp/pwned)`, '`id`', `a;rm -rf ~`, `line1\nline2`, `tab\there`,
  `ünïcödé ✓ 時計`, `$HOME`, `\\back\\slash`, `*`, `~root`, `!event`, `a|b&c>d<e`, `{a,b}`, `-n`, `--`, ``, ` `,
  `'`, `''`, `'\\''`, `#comment`, `a=b c`, `\u202eevil`, `\r`, `x\u0085y`, `\x1b[2J\x1b]0;title\x07`, `end\x1b`, `\x01\x02`,
];

describe('shellQuote', () => {
  it('leaves plain words readable and quotes the rest', () => {
    expect(shellQuote('VBoxInternal/TM/TSCTicksPerSecond')).toBe('VBoxInternal/TM/TSCTicksPerSecond');
    expect(shellQuote('3400109000')).toBe('3400109000');
    expect(shellQuote('My VM')).toBe(`'My VM'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });

  it('prints no terminal control character raw (only newline and tab may appear, inside quotes)', () => {
    // eslint-disable-next-line no-control-regex
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const w of NASTY) expect(raw.test(shellQuote(w))).toBe(false);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => !raw.test(shellQuote(s))), { numRuns: 300 });
  });

  for (const shell of ['sh', 'bash']) {
    it(`${shell} receives every hand-picked nasty word exactly`, () => {
      expect(roundTrip(shell, NASTY)).toEqual(NASTY);
    });
  }

  for (const shell of ['sh', 'bash']) it(`${shell} receives arbitrary strings exactly (no NUL: argv cannot carry one)`, () => {
    const word = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        expect(roundTrip(shell, words)).toEqual(words);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });
});
