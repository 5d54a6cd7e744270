/**
 * `--textfile DIR` as root into a directory another user can write (issue 15 §3): the temporary file
 * has a random name and is created O_EXCL|O_NOFOLLOW, so neither the old predictable name
 * (`.clockdoctor.prom.<PID>.tmp`) nor a link at `clockdoctor.prom` makes the agent write anywhere else.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXTFILE_NAME, textfileTempName, writeTextfile } from '../../agent/outputs/textfile.js';
import { createExclusive } from '../../agent/sources/io.js';

const NOBODY = '65534';
const isRoot = process.geteuid?.() === 0;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-files-textfile-'));
  fs.chmodSync(tmp, 0o755);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Run a command as nobody (the "other user" who can write the directory). */
const asNobody = (...cmd: string[]): void => {
  execFileSync('setpriv', ['--reuid', NOBODY, '--regid', NOBODY, '--clear-groups', ...cmd]);
};

describe('textfile writes', () => {
  it.runIf(isRoot)('links planted by another user at the old tmp name and at clockdoctor.prom are replaced, never followed', async () => {
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'root-owned\n', { mode: 0o644 });
    const dir = path.join(tmp, 'shared');
    fs.mkdirSync(dir);
    fs.chownSync(dir, Number(NOBODY), Number(NOBODY));
    fs.chmodSync(dir, 0o755);
    // What the old code opened, O_TRUNC and following links: a name anyone could predict.
    for (const pid of [process.pid, process.pid + 1]) asNobody('ln', '-s', victim, path.join(dir, `.${TEXTFILE_NAME}.${pid}.tmp`));
    asNobody('ln', '-s', victim, path.join(dir, TEXTFILE_NAME));
    await writeTextfile(dir, 'clockdoctor_up 1\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe('root-owned\n');
    const st = fs.lstatSync(path.join(dir, TEXTFILE_NAME));
    expect(st.isFile()).toBe(true);
    expect(st.uid).toBe(0);
    expect(fs.readFileSync(path.join(dir, TEXTFILE_NAME), 'utf8')).toBe('clockdoctor_up 1\n');
    // Only the planted links and our file: no temporary file left behind.
    expect(fs.readdirSync(dir).filter((n) => !n.endsWith(`${process.pid}.tmp`) && !n.endsWith(`${process.pid + 1}.tmp`))).toEqual([TEXTFILE_NAME]);
  });

  it('the file is 0644 whatever the umask (node_exporter runs as another user)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'mode-'));
    const old = process.umask(0o077);
    try {
      await writeTextfile(dir, 'x 1\n');
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(path.join(dir, TEXTFILE_NAME)).mode & 0o777).toBe(0o644);
  });

  it('temporary names are random, and creating one where anything exists fails instead of following it', async () => {
    const names = new Set(Array.from({ length: 50 }, () => textfileTempName()));
    expect(names.size).toBe(50);
    for (const n of names) expect(n).toMatch(/^\.clockdoctor\.prom\.[0-9a-f]{24}\.tmp$/);
    const dir = fs.mkdtempSync(path.join(tmp, 'excl-'));
    const target = path.join(tmp, 'excl-target');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(dir, 'link'));
    fs.symlinkSync(path.join(tmp, 'does-not-exist'), path.join(dir, 'dangling'));
    await expect(createExclusive(path.join(dir, 'link'), 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(createExclusive(path.join(dir, 'dangling'), 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
    expect(fs.existsSync(path.join(tmp, 'does-not-exist'))).toBe(false);
  });

  it('a failed rename leaves no temporary file behind', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fail-'));
    fs.mkdirSync(path.join(dir, TEXTFILE_NAME));
    fs.writeFileSync(path.join(dir, TEXTFILE_NAME, 'x'), '');
    await expect(writeTextfile(dir, 'x 1\n')).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([TEXTFILE_NAME]);
  });
});
