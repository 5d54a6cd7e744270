/**
 * `--textfile DIR`: node_exporter's textfile collector reads `DIR/*.prom`. Write the exposition text
 * to a temporary file in the same directory and rename it over `clockdoctor.prom`, so node_exporter
 * never reads a half-written file (rename within one file system is atomic). The temporary name does
 * not end in `.prom`, so it is never read itself. No timestamps: node_exporter rejects them.
 *
 * DIR may be writable by others (a group shared with node_exporter, say) while the agent runs as root,
 * so the temporary file cannot be a name anyone can guess or plant in advance: it is random, created
 * O_CREAT|O_EXCL|O_NOFOLLOW (a planted link or file makes the create fail, never followed), mode 0644
 * set explicitly (node_exporter runs as another user; the unit's umask does not narrow it), fsync'ed,
 * then renamed — rename replaces a link at `clockdoctor.prom` instead of writing through it. Both
 * the create and the rename go through one descriptor of DIR, so they land in the same directory.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { createExclusive } from '../sources/io.js';
import { fdPath } from '../roots.js';

export const TEXTFILE_NAME = 'clockdoctor.prom';

/** Mode of the file node_exporter reads (as node_exporter's own textfile examples write it). */
export const TEXTFILE_MODE = 0o644;

/** A fresh temporary name in DIR (dot-first, not `.prom`: node_exporter never reads it). */
export function textfileTempName(): string {
  return `.${TEXTFILE_NAME}.${randomBytes(12).toString('hex')}.tmp`;
}

/** Open DIR once; paths under `/proc/self/fd/N` then name exactly that directory. */
async function openDir(dir: string): Promise<{ base: string; close: () => Promise<void>; sync: () => Promise<void> }> {
  const fh = await fs.open(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  const viaFd = fdPath(fh.fd);
  const usable = await fs.access(viaFd).then(() => true, () => false);
  return {
    base: usable ? viaFd : dir,
    close: () => fh.close(),
    // Makes the rename itself durable; some file systems refuse fsync on a directory, which is harmless.
    sync: () => fh.sync().catch(() => undefined),
  };
}

/** Atomically replace `dir/clockdoctor.prom` with `text`. Returns the path written. */
export async function writeTextfile(dir: string, text: string): Promise<string> {
  const target = path.join(dir, TEXTFILE_NAME);
  const d = await openDir(dir);
  try {
    const tmp = `${d.base}/${textfileTempName()}`;
    const fh = await createExclusive(tmp, TEXTFILE_MODE);
    try {
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, `${d.base}/${TEXTFILE_NAME}`);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await d.sync();
  } finally {
    await d.close();
  }
  return target;
}
