/**
 * Small helpers every benchmark needs.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repo root (where package.json is), whether run from bench/ or dist/bench/. */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repo root (package.json)');
    dir = up;
  }
  return dir;
}

/** A port the OS just had free on loopback (closed again before the caller binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The middle value of a sorted copy (of an even count, the upper of the two); NaN for none. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
