/**
 * `--textfile DIR`: node_exporter's textfile collector reads `DIR/*.prom`. Write the exposition text
 * to a temporary file in the same directory and rename it over `clockdoctor.prom`, so node_exporter
 * never reads a half-written file (rename within one file system is atomic). The temporary name does
 * not end in `.prom`, so it is never read itself. No timestamps: node_exporter rejects them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export const TEXTFILE_NAME = 'clockdoctor.prom';

/** Atomically replace `dir/clockdoctor.prom` with `text`. Returns the path written. */
export async function writeTextfile(dir: string, text: string): Promise<string> {
  const target = path.join(dir, TEXTFILE_NAME);
  const tmp = path.join(dir, `.${TEXTFILE_NAME}.${process.pid}.tmp`);
  try {
    await fs.writeFile(tmp, text, { mode: 0o644 });
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return target;
}
