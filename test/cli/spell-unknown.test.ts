/** Unknown options are named as typed: yargs strips their dashes, which reads like a file name. */
import { describe, expect, it } from 'vitest';
import { spellUnknown } from '../../agent/commands/cli-parser.js';

describe('spellUnknown', () => {
  it('gives each unknown name back with the dashes the user typed', () => {
    expect(spellUnknown('Unknown argument: x', ['analyze', '-x'])).toBe('Unknown argument: -x');
    expect(spellUnknown('Unknown argument: colour', ['analyze', '--colour=always', 'f'])).toBe('Unknown argument: --colour');
    expect(spellUnknown('Unknown arguments: q, frob', ['check', '-q', '--frob'])).toBe('Unknown arguments: -q, --frob');
  });

  it('leaves other messages, operands and anything after -- alone', () => {
    expect(spellUnknown('Not enough arguments following: host-tsc-hz', ['analyze', '--host-tsc-hz'])).toBe('Not enough arguments following: host-tsc-hz');
    expect(spellUnknown('Unknown argument: extra', ['simulate', 'extra'])).toBe('Unknown argument: extra');
    expect(spellUnknown('Unknown argument: y', ['analyze', '--', '-y'])).toBe('Unknown argument: y');
  });
});
