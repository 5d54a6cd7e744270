/**
 * The web config loader under fuzzing: any text (mutations of valid configs, arbitrary YAML-ish
 * input) gives a WebConfig or an InputError naming the file — never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../agent/daemon/web-config.js';
import { InputError } from '../../agent/errors.js';
import { arbitraryInput, mutatedSeed, runs } from './harness.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuuY8p0eU9tJzq1m0YwzQ5mVhJQw0g3x2K';
const EXAMPLES = [
  `tls_server_config:\n  cert_file: /nonexistent/server.crt\n  key_file: /nonexistent/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS12\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n`,
  `http_server_config:\n  http2: true\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=1\nbasic_auth_users:\n  alice: ${HASH}\n  "bob": '${HASH}'\n`,
  `basic_auth_users: {a: "${HASH}"}\n`,
  `# comment only\n---\n`,
];

async function check(text: string, label: string): Promise<void> {
  try {
    const cfg = await parseWebConfig(text, '/etc/clockdoctor/web.yml');
    expect(cfg.path, label).toBe('/etc/clockdoctor/web.yml');
  } catch (err) {
    if (!(err instanceof InputError)) throw new Error(`${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    expect(err.path, label).toBe('/etc/clockdoctor/web.yml');
  }
}

describe('parseWebConfig under fuzzing', () => {
  const seedList = EXAMPLES.map((e, i) => ({ name: `example ${i}`, buf: Buffer.from(e) }));

  it(`mutated configs and arbitrary text → WebConfig or InputError (${runs(500)} cases each)`, async () => {
    await fc.assert(fc.asyncProperty(mutatedSeed(seedList), async ({ label, buf }) => check(buf.toString('utf8'), label)), { numRuns: runs(500) });
    await fc.assert(fc.asyncProperty(arbitraryInput, async (buf) => check(buf.toString('utf8'), `arbitrary ${buf.length} bytes`)), { numRuns: runs(500) });
  });

  it('YAML bombs, deep nesting and pathological nesting found by fuzzing are refused, not exploded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    await check(`basic_auth_users:\n  ${bomb.replace(/\n/g, '\n  ')}\n`, 'billion laughs');
    await check(`${'['.repeat(5000)}${']'.repeat(5000)}`, 'deep nesting');
    await check(`basic_auth_users:\n  x: !!binary AAAA\n  y: !custom tag\n`, 'tags');
    // Found by this suite: the yaml parser overflowed the stack on this (RangeError escaped).
    await check(`\0\0\0${'TM: cTSCTicksPerSecond=9'.repeat(5000)}\n# comment only\n---\n`, 'implicit-key chain');
    await check('x'.repeat(2 * 1024 * 1024), 'over the size limit');
  });
});
