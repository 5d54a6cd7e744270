/**
 * Basic auth's bcrypt, as issue 15 asks: compares in a worker behind a bounded queue that is fair
 * between client addresses; costs outside 4–14 refused at load naming the line; unknown users hashed
 * against a dummy of the users' cost; a warning for passwords longer than bcrypt reads; shutdown that
 * never waits for a compare.
 */
import path from 'node:path';
import os from 'node:os';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BcryptVerifier } from '../../agent/daemon/bcrypt-worker.js';
import { checkBasicAuth, dummyHashFor } from '../../agent/daemon/basic-auth.js';
import { parseWebConfig } from '../../agent/daemon/web-config.js';
import { InputError } from '../../agent/errors.js';

const FILE = path.join(os.tmpdir(), 'cd-bcrypt-web.yml');
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const fakeHash = (cost: number): string => `$2b$${String(cost).padStart(2, '0')}$${'a'.repeat(53)}`;

describe('bcrypt cost range', () => {
  it.each([[3], [15], [31]])('cost %s is refused at load with file, line and why', async (cost) => {
    const err = await parseWebConfig(`basic_auth_users:\n  alice: ${fakeHash(10)}\n  bob: "${fakeHash(cost)}"\n`, FILE).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(3);
    expect((err as InputError).message).toContain(`bcrypt cost ${cost} is outside 4–14`);
  });

  it.each([[4], [10], [14]])('cost %s loads', async (cost) => {
    const cfg = await parseWebConfig(`basic_auth_users:\n  alice: "${fakeHash(cost)}"\n`, FILE);
    expect(cfg.basicAuthUsers.size).toBe(1);
  });
});

describe('unknown users', () => {
  it('are compared against a dummy hash of the cost most users have, which no password matches', async () => {
    expect(dummyHashFor([fakeHash(12), fakeHash(12), fakeHash(10)])).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    expect(dummyHashFor([fakeHash(8), fakeHash(11)])).toMatch(/^\$2b\$11\$/);
    const cfg = await parseWebConfig(`basic_auth_users:\n  alice: ${bcrypt.hashSync('pw', 6)}\n`, FILE);
    expect(cfg.dummyHash).toMatch(/^\$2b\$06\$/);
    // A compare against it runs the full cost (it is a valid hash) and fails.
    expect(bcrypt.compareSync('pw', cfg.dummyHash)).toBe(false);
    expect(await checkBasicAuth(basic('mallory', 'pw'), cfg)).toBe(false);
    expect(cfg.authCache.bcryptRuns).toBe(1);
  });
});

describe('passwords longer than 72 bytes', () => {
  it('verify as bcrypt does (the rest is ignored) and are warned about', async () => {
    const long = 'x'.repeat(72);
    const cfg = await parseWebConfig(`basic_auth_users:\n  alice: ${bcrypt.hashSync(long, 4)}\n`, FILE);
    const warnings: string[] = [];
    const warn = (msg: string, fields: Record<string, string | number>): void => void warnings.push(`${msg} ${JSON.stringify(fields)}`);
    expect(await checkBasicAuth(basic('alice', `${long}anything`), cfg, { warn })).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('longer than 72 bytes');
    expect(warnings[0]).toContain('"bytes":80');
    expect(await checkBasicAuth(basic('alice', long), cfg, { warn })).toBe(true);
    expect(warnings).toHaveLength(1);
  });
});

describe('BcryptVerifier (the worker)', () => {
  it('verifies in a worker thread: right and wrong passwords, $2a/$2b/$2y', async () => {
    const v = new BcryptVerifier();
    try {
      const h = bcrypt.hashSync('secret', 4);
      expect(await v.verify('secret', h, 'a')).toBe(true);
      expect(await v.verify('wrong', h, 'a')).toBe(false);
      expect(await v.verify('secret', `$2y$${h.slice(4)}`, 'a')).toBe(true);
      expect(await v.verify('secret', 'not a hash', 'a')).toBe(false);
      expect(v.runs).toBe(4);
    } finally {
      await v.close();
    }
  });

  it('queues fairly: one waiting per address, a bounded total, the rest answered busy at once', async () => {
    const v = new BcryptVerifier({ maxQueued: 3 });
    try {
      const h = bcrypt.hashSync('secret', 8);
      const running = v.verify('w0', h, '10.0.0.1');
      const queuedA = v.verify('w1', h, '10.0.0.1');
      // The same address already has one waiting: busy, without waiting.
      expect(await v.verify('w2', h, '10.0.0.1')).toBe('busy');
      // Other addresses still get their turn, up to the bound.
      const b = v.verify('secret', h, '10.0.0.2');
      const c = v.verify('w3', h, '10.0.0.3');
      expect(await v.verify('w4', h, '10.0.0.4')).toBe('busy');
      expect(v.pending).toBe(4);
      expect(await Promise.all([running, queuedA, b, c])).toEqual([false, false, true, false]);
      expect(v.busy).toBe(2);
      expect(v.pending).toBe(0);
    } finally {
      await v.close();
    }
  });

  it('close() does not wait for a compare in progress: it is abandoned and its caller gets false', async () => {
    const v = new BcryptVerifier();
    // A cost 14 compare takes seconds (half a minute under --jitless).
    const slow = bcrypt.hashSync('x', 4).replace('$04$', '$14$');
    const p = v.verify('y', slow, 'a');
    const queued = v.verify('z', slow, 'b');
    await v.close();
    expect(await p).toBe(false);
    expect(await queued).toBe(false);
    expect(await v.verify('x', slow, 'c')).toBe(false);
  });
});
