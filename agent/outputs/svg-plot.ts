/**
 * Offset-versus-time plot as a hand-written SVG: axes with units, a zero line, the offset as a line
 * (a step is two points at the same time, so it shows as a vertical edge) and, when there are few,
 * a marker on every step. No dependencies; the text is XML-escaped.
 */

export interface PlotInput {
  /** True seconds. */
  t: readonly number[];
  /** Guest minus true time, seconds. */
  offset: readonly number[];
  title: string;
  /** Up to two lines under the title (each clipped to fit). */
  subtitle?: string | readonly string[];
  /** Steps to mark (time, size, who). */
  steps?: readonly { t: number; seconds: number; by: string }[];
  /** Total steps (the markers are drawn only when there are few). */
  stepCount?: number;
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Pick a time unit so the axis reads in whole-ish numbers. */
function timeUnit(maxSeconds: number): { unit: string; div: number } {
  if (maxSeconds >= 3 * 365 * 86400) return { unit: 'years', div: 365 * 86400 };
  if (maxSeconds >= 3 * 86400) return { unit: 'days', div: 86400 };
  if (maxSeconds >= 3 * 3600) return { unit: 'hours', div: 3600 };
  if (maxSeconds >= 3 * 60) return { unit: 'minutes', div: 60 };
  return { unit: 'seconds', div: 1 };
}

function offsetUnit(maxAbs: number): { unit: string; div: number } {
  if (maxAbs >= 180) return { unit: 'min', div: 60 };
  if (maxAbs >= 1) return { unit: 's', div: 1 };
  if (maxAbs >= 1e-3) return { unit: 'ms', div: 1e-3 };
  return { unit: 'µs', div: 1e-6 };
}

/** 1-2-5 ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const fmtTick = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000 || Number.isInteger(v)) return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ').replace('-', '−');
  return String(Number(v.toPrecision(3))).replace('-', '−');
};

export function renderOffsetPlot(input: PlotInput): string {
  const W = input.width ?? 960;
  const H = input.height ?? 480;
  const m = { left: 90, right: 30, top: 84, bottom: 64 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ts = input.t;
  const os = input.offset;
  const tMax = Math.max(ts.length ? Math.max(...ts) : 1, 1e-9);
  let oMin = Math.min(0, ...os);
  let oMax = Math.max(0, ...os);
  if (oMax - oMin < 1e-12) { oMin -= 1e-3; oMax += 1e-3; }
  const pad = (oMax - oMin) * 0.06;
  oMin -= pad; oMax += pad;
  const tu = timeUnit(tMax);
  const ou = offsetUnit(Math.max(Math.abs(oMin), Math.abs(oMax)));
  const xt = niceTicks(0, tMax / tu.div);
  const yt = niceTicks(oMin / ou.div, oMax / ou.div);
  const x = (t: number): number => m.left + (t / tMax) * pw;
  const y = (o: number): number => m.top + (1 - (o - oMin) / (oMax - oMin)) * ph;
  const f = (n: number): string => n.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.left}" y="26" font-size="17" font-weight="bold" fill="#111">${esc(input.title)}</text>`);
  const subs = input.subtitle === undefined ? [] : typeof input.subtitle === 'string' ? [input.subtitle] : input.subtitle;
  // About 7 px per character at 13 px: clip so a long configuration never runs off the picture.
  const maxChars = Math.floor((W - m.left - m.right) / 7);
  subs.slice(0, 2).forEach((line, i) => {
    const clipped = line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
    parts.push(`<text x="${m.left}" y="${48 + i * 18}" font-size="13" fill="#444">${esc(clipped)}</text>`);
  });
  // Grid and tick labels.
  for (const v of yt) {
    const yy = y(v * ou.div);
    if (yy < m.top - 0.5 || yy > m.top + ph + 0.5) continue;
    parts.push(`<line x1="${m.left}" y1="${f(yy)}" x2="${m.left + pw}" y2="${f(yy)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${m.left - 8}" y="${f(yy + 4)}" text-anchor="end" fill="#333">${esc(fmtTick(v))}</text>`);
  }
  for (const v of xt) {
    const xx = x(v * tu.div);
    if (xx > m.left + pw + 0.5) continue;
    parts.push(`<line x1="${f(xx)}" y1="${m.top}" x2="${f(xx)}" y2="${m.top + ph}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${f(xx)}" y="${m.top + ph + 18}" text-anchor="middle" fill="#333">${esc(fmtTick(v))}</text>`);
  }
  // Axes, zero line, labels.
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  if (0 >= oMin && 0 <= oMax) parts.push(`<line x1="${m.left}" y1="${f(y(0))}" x2="${m.left + pw}" y2="${f(y(0))}" stroke="#555" stroke-dasharray="5 4"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle" fill="#111">true time since start (${tu.unit})</text>`);
  parts.push(`<text transform="translate(22 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#111">guest − true time (${ou.unit})</text>`);
  // The offset.
  if (ts.length > 0) {
    const pts: string[] = [];
    for (let i = 0; i < ts.length; i++) pts.push(`${f(x(ts[i] ?? 0))},${f(y(os[i] ?? 0))}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="#c0392b" stroke-width="2" stroke-linejoin="round"/>`);
  }
  // Step markers when they can be told apart.
  const steps = input.steps ?? [];
  if (steps.length > 0 && steps.length <= 60) {
    for (const s of steps) {
      const xx = x(s.t);
      parts.push(`<circle cx="${f(xx)}" cy="${f(m.top + ph - 6)}" r="3.5" fill="#2c3e50"><title>${esc(`${s.by} steps ${s.seconds >= 0 ? '+' : '−'}${Math.abs(s.seconds).toPrecision(4)} s at ${s.t.toFixed(1)} s`)}</title></circle>`);
    }
    parts.push(`<text x="${m.left + pw}" y="${H - 18}" text-anchor="end" fill="#2c3e50">● = a step (${input.stepCount ?? steps.length} in all)</text>`);
  } else if ((input.stepCount ?? 0) > 0) {
    parts.push(`<text x="${m.left + pw}" y="${H - 18}" text-anchor="end" fill="#2c3e50">${input.stepCount} steps (the vertical edges)</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
