/**
 * The agent's log lines: go-logfmt's quoting rules exactly (plus escaping of every control, C1 and bidi
 * character, so nothing from input reaches a terminal raw), JSON lines that parse, level filtering.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine, logfmtValue } from '../../agent/daemon/log.js';

const TS = new Date('2026-01-02T03:04:05.678Z');

describe('logfmt values (go-logfmt rules)', () => {
  it.each([
    ['plain', 'plain'],
    ['127.0.0.1:9717', '127.0.0.1:9717'],
    ['', ''],
    ['two words', '"two words"'],
    ['a=b', '"a=b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', 'back\\slash'],
    ['back\\slash and space', '"back\\\\slash and space"'],
    ['null', '"null"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['tab\there', '"tab\\there"'],
    ['\u001b[31mred', '"\\u001b[31mred"'],
    ['c1\u009bcsi', '"c1\\u009bcsi"'],
    ['bidi\u202egnp.exe', '"bidi\\u202egnp.exe"'],
    ['del\u007f', '"del\\u007f"'],
    ['ünïcödé 時計', '"ünïcödé 時計"'],
    ['時計', '時計'],
  ])('%j → %s', (input, want) => {
    expect(logfmtValue(input)).toBe(want);
  });
});

describe('log lines', () => {
  it('logfmt: ts, level, msg first, then the fields in order; undefined fields left out, errors as their message', () => {
    const line = formatLogLine('logfmt', TS, 'warn', 'collector failed', { collector: 'kernel-log', err: new Error('timed out after 5 s'), n: 3, ok: false, gone: undefined });
    expect(line).toBe('ts=2026-01-02T03:04:05.678Z level=warn msg="collector failed" collector=kernel-log err="timed out after 5 s" n=3 ok=false\n');
  });

  it('json: one object per line, control, C1 and bidi characters escaped, fields never override ts/level/msg', () => {
    const line = formatLogLine('json', TS, 'info', 'listening on 127.0.0.1:9717', { address: 'x\u009b\u202ey\u001b', level: 'spoofed' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e](?!$)/);
    expect(JSON.parse(line)).toEqual({ ts: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'listening on 127.0.0.1:9717', address: 'x\u009b\u202ey\u001b' });
  });

  it('--log.level filters: debug lines only at debug, errors always', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l), now: () => TS });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => /level=(\w+)/.exec(l)?.[1])).toEqual(['warn', 'error']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });
});
