// The loader hooks of trace-loads.mjs (they run on the loader thread).
import fs from 'node:fs';

let out = null;

export function initialize(data) {
  out = data?.out ?? null;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (out && result.url.startsWith('file:')) fs.appendFileSync(out, `${result.url}\n`);
  return result;
}
