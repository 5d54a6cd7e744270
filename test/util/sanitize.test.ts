/**
 * printable() is the only way input text reaches a terminal: no C0/C1 control, no DEL, no bidi
 * override may pass through raw, whatever the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from '../../agent/util/sanitize.js';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  it('keeps ordinary text and tabs, escapes ESC, CSI, OSC, C1 and bidi controls visibly', () => {
    expect(printable('Switched to clocksource tsc\t(ok) ✓')).toBe('Switched to clocksource tsc\t(ok) ✓');
    expect(printable('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(printable('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(printable('a\u009b2Jb')).toBe('a\\x9b2Jb');
    expect(printable('x\ny\rz')).toBe('x\\ny\\rz');
    expect(printable('\u202eevil')).toBe('\\u202eevil');
    expect(printable('\x7f')).toBe('\\x7f');
  });

  it('never lets a control character through, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(RAW_CONTROL.test(printable(s))).toBe(false);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) },
    );
  });

  it('is lossless on text without controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
        fc.pre(!RAW_CONTROL.test(s));
        expect(printable(s)).toBe(s);
      }),
      { numRuns: 200 },
    );
  });
});
