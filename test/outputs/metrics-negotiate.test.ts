/**
 * Content negotiation as client_golang's expfmt and promhttp do it: what Prometheus 2 and 3 send gets
 * OpenMetrics, plain scrapers and curl the text format; gzip when (and only when) it is accepted.
 */
import { describe, expect, it } from 'vitest';
import { acceptsGzip, negotiateFormat } from '../../agent/outputs/metrics-negotiate.js';

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['application/json', 'prometheus'],
    // Prometheus 2.x scrape Accept header.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    // Prometheus 3.x default scrape protocols (with escaping parameters).
    ['application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5', 'prometheus'],
    ['application/openmetrics-text;version=2.0.0', 'prometheus'],
    ['application/openmetrics-text;q=0, text/plain', 'prometheus'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3', 'prometheus'],
  ])('%s → %s', (accept, want) => {
    expect(negotiateFormat(accept)).toBe(want);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['deflate', false],
    ['gzip;q=0', false],
    ['x-gzip', true],
    ['*', true],
    ['*;q=0', false],
    ['identity', false],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
  ])('%s → %s', (header, want) => {
    expect(acceptsGzip(header)).toBe(want);
  });
});
