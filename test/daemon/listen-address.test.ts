import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../agent/daemon/listen-address.js';
import { formatAddress } from '../../agent/util/address.js';
import { UsageError } from '../../agent/errors.js';

describe('parseListenAddress', () => {
  it('reads node_exporter spellings', () => {
    expect(parseListenAddress(':9717')).toEqual({ host: undefined, port: 9717 });
    expect(parseListenAddress('127.0.0.1:9717')).toEqual({ host: '127.0.0.1', port: 9717 });
    expect(parseListenAddress('[::1]:9717')).toEqual({ host: '::1', port: 9717 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
  it('rejects what is not HOST:PORT', () => {
    for (const bad of ['9717', '127.0.0.1', ':99999', '::1:9717', 'a b:1', '']) expect(() => parseListenAddress(bad), bad).toThrow(UsageError);
  });
  it('formats IPv6 in brackets', () => {
    expect(formatAddress('::1', 80)).toBe('[::1]:80');
    expect(formatAddress('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });
});
