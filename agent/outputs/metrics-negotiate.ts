/**
 * Which body a scrape gets, from its `Accept` and `Accept-Encoding` headers. The rules are
 * client_golang's (`expfmt.NegotiateIncludingOpenMetrics`, `promhttp`'s gzip check) so the agent
 * answers a scraper as a Go exporter would: the most preferred acceptable media type wins;
 * `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) gets OpenMetrics; `text/plain`
 * (version 0.0.4 or none), `*\/*` and anything unknown get the text format.
 */
import type { ExpositionFormat } from './metrics-render.js';

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
  /** Position in the header, for a stable order among equal q. */
  index: number;
}

/** Split a header on commas outside quoted strings. */
function splitList(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function parseRange(part: string, index: number): MediaRange {
  const [type = '', ...rest] = part.split(';').map((s) => s.trim());
  const params = new Map<string, string>();
  let q = 1;
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (k === 'q') {
      const n = Number(v);
      q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
    } else {
      params.set(k, v);
    }
  }
  return { type: type.toLowerCase(), params, q, index };
}

/** Media ranges by preference: q descending, then more specific first, then header order. */
function ranked(header: string): MediaRange[] {
  const specificity = (t: string): number => (t === '*/*' ? 0 : t.endsWith('/*') ? 1 : 2);
  return splitList(header)
    .map(parseRange)
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.index - b.index);
}

const OPENMETRICS_VERSIONS = new Set(['', '0.0.1', '1.0.0']);

/** The format to serve for an `Accept` header (absent: the text format). */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'prometheus';
  for (const r of ranked(accept)) {
    const version = r.params.get('version') ?? '';
    if (r.type === 'text/plain' && (version === '0.0.4' || version === '')) return 'prometheus';
    if (r.type === 'application/openmetrics-text' && OPENMETRICS_VERSIONS.has(version)) return 'openmetrics';
  }
  return 'prometheus';
}

/** Whether `Accept-Encoding` allows gzip (`gzip`, `x-gzip` or `*` with a q above 0, gzip not refused). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let star = false;
  for (const part of splitList(acceptEncoding)) {
    const r = parseRange(part, 0);
    if (r.type === 'gzip' || r.type === 'x-gzip') return r.q > 0;
    if (r.type === '*') star = r.q > 0;
  }
  return star;
}
