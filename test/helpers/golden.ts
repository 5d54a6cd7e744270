/**
 * Golden outputs: checked in, regenerated only on purpose (`UPDATE_GOLDEN=1`, then read the diff).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** The checked-in golden at `file`; under UPDATE_GOLDEN=1 it is first rewritten from `actual`. */
export function readGolden(file: string, actual: string): string {
  if (UPDATE_GOLDEN) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  } else if (!fs.existsSync(file)) {
    throw new Error(`golden ${file} is missing; run with UPDATE_GOLDEN=1 and check it by hand`);
  }
  return fs.readFileSync(file, 'utf8');
}

/** `actual` must equal the golden at `file` to the byte. */
export function expectGolden(file: string, actual: string): void {
  expect(actual).toBe(readGolden(file, actual));
}
