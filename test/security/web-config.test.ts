/**
 * The exporter-toolkit web config: TLS (with a certificate made at test time by openssl), client
 * certificates, basic auth with bcrypt hashes made by bcryptjs, and clear errors for bad files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthCache, UNAUTHORIZED_HEADERS, authorizeRequest, checkBasicAuth, loadWebConfig, parseBasicAuth, parseWebConfig, type WebConfig,
} from '../../agent/daemon/web-config.js';
import { InputError } from '../../agent/errors.js';

let dir: string;
const hashAlice = bcrypt.hashSync('s3cret pass', 4);
// htpasswd writes $2y$; exporter-toolkit's docs use it, so it must verify too.
const hashBob = `$2y$${bcrypt.hashSync('hunter2', 4).slice(4)}`;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-webcfg-'));
  // Server certificate for 127.0.0.1, a CA, and a client certificate that CA signed.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'server.key', '-out', 'server.crt');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=prometheus',
    '-keyout', 'client.key', '-out', 'client.csr');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'subjectAltName=DNS:prometheus.example\n');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'client.ext', '-out', 'client.crt');
  // A second, unrelated CA and client: must be refused.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=rogue', '-keyout', 'rogue.key', '-out', 'rogue.crt');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

async function loadError(text: string): Promise<InputError> {
  const p = write(`bad-${Math.random().toString(36).slice(2)}.yml`, text);
  try {
    await loadWebConfig(p);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.path).toBe(p);
    return e;
  }
  throw new Error('expected loadWebConfig to fail');
}

/** A tiny HTTPS server that applies the config the way the daemon does. */
async function serve(config: WebConfig): Promise<{ port: number; close: () => Promise<void> }> {
  if (config.tls === null) throw new Error('test needs TLS');
  const server = https.createServer(config.tls, (req, res) => {
    void (async () => {
      const verdict = await authorizeRequest(req, config);
      if (verdict === 'forbidden') {
        res.writeHead(403).end('forbidden\n');
        return;
      }
      if (verdict === 'unauthorized') {
        res.writeHead(401, UNAUTHORIZED_HEADERS).end('unauthorized\n');
        return;
      }
      res.writeHead(200, config.headers).end('ok\n');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

interface Got { status: number; body: string; headers: Record<string, unknown> }

function get(port: number, opts: https.RequestOptions = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/metrics', ca: fs.readFileSync(path.join(dir, 'server.crt')), agent: false, ...opts,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('loadWebConfig', () => {
  it('reads TLS, basic auth and headers; relative paths are relative to the config file', async () => {
    const p = write('web.yml', [
      'tls_server_config:',
      '  cert_file: server.crt',
      '  key_file: server.key',
      '  min_version: TLS13',
      'http_server_config:',
      '  http2: true',
      '  headers:',
      '    X-Frame-Options: deny',
      '    Strict-Transport-Security: max-age=31536000',
      'basic_auth_users:',
      `  alice: ${hashAlice}`,
      `  bob: '${hashBob}'`,
      '',
    ].join('\n'));
    const cfg = await loadWebConfig(p);
    expect(cfg.tls?.minVersion).toBe('TLSv1.3');
    expect(cfg.tls?.requestCert).toBe(false);
    expect(cfg.tls?.rejectUnauthorized).toBe(false);
    expect(cfg.basicAuthUsers.get('bob')).toBe(hashBob);
    expect(cfg.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
  });

  it('an empty file or a tls_server_config without cert and key means plain HTTP, like exporter-toolkit', async () => {
    expect((await loadWebConfig(write('empty.yml', ''))).tls).toBeNull();
    expect((await loadWebConfig(write('notls.yml', 'tls_server_config:\n  min_version: TLS12\n'))).tls).toBeNull();
  });

  it('rejects unknown keys with file and line (a typo must not silently turn TLS off)', async () => {
    const e = await loadError('tls_server_config:\n  cert_file: server.crt\n  key_flie: server.key\n');
    expect(e.line).toBe(3);
    expect(e.message).toContain('unknown key "key_flie"');
    expect((await loadError('basic_auth:\n  a: b\n')).line).toBe(1);
    expect((await loadError('http_server_config:\n  headers:\n    X-Powered-By: me\n')).message).toContain('X-Powered-By');
  });

  it('rejects broken YAML, bad hashes, bad versions, a missing key and client CA without auth type', async () => {
    const yamlErr = await loadError('basic_auth_users:\n  alice: [unclosed\n');
    expect(yamlErr.message).toMatch(/invalid YAML/);
    expect(yamlErr.line).not.toBeNull();
    const hashErr = await loadError('basic_auth_users:\n  alice: plaintext-password\n');
    expect(hashErr.line).toBe(2);
    expect(hashErr.message).toContain('not a bcrypt hash');
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n')).line).toBe(4);
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n')).message).toContain('missing one of key or key_file');
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: nope.key\n')).message).toContain('nope.key');
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n')).message).toContain('rejected');
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n')).message)
      .toContain('client_auth_type');
    // Without a CA, RequireAndVerifyClientCert verifies against the system's CAs (as Go does); a bad policy name is refused.
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireSomeCert\n')).message)
      .toContain('invalid ClientAuth');
    expect((await loadError('tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_FOO]\n')).message)
      .toContain('TLS_FOO');
    expect((await loadError('http_server_config:\n  headers:\n    X-Frame-Options: allow\n')).message).toContain('X-Frame-Options');
  });

  it('a missing config file is "not found" naming it, not a stack trace', async () => {
    const p = path.join(dir, 'absent.yml');
    await expect(loadWebConfig(p)).rejects.toMatchObject({ name: 'InputError', path: p, exitCode: 66 });
  });

  it('maps Go cipher suites and curves to OpenSSL names', async () => {
    const cfg = await parseWebConfig(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n  prefer_server_cipher_suites: true\n`,
      path.join(dir, 'inline.yml'),
    );
    expect(cfg.tls?.ciphers).toContain('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(cfg.tls?.ecdhCurve).toBe('X25519:P-256');
    expect(cfg.tls?.honorCipherOrder).toBe(true);
  });
});

describe('basic auth', () => {
  const users = `basic_auth_users:\n  alice: ${hashAlice}\n  bob: ${hashBob}\n`;

  it('accepts the right password ($2a/$2b and htpasswd $2y hashes), refuses everything else', async () => {
    const cfg = await parseWebConfig(users, path.join(dir, 'auth.yml'));
    expect(await checkBasicAuth(basic('alice', 's3cret pass'), cfg)).toBe(true);
    expect(await checkBasicAuth(basic('bob', 'hunter2'), cfg)).toBe(true);
    expect(await checkBasicAuth(basic('alice', 'hunter2'), cfg)).toBe(false);
    expect(await checkBasicAuth(basic('mallory', 's3cret pass'), cfg)).toBe(false);
    expect(await checkBasicAuth(undefined, cfg)).toBe(false);
    expect(await checkBasicAuth('Bearer abc', cfg)).toBe(false);
    expect(await checkBasicAuth('Basic !!!', cfg)).toBe(false);
    expect(await checkBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`, cfg)).toBe(false);
  });

  it('a password with a colon is split at the first colon, as RFC 7617 says', async () => {
    const cfg = await parseWebConfig(`basic_auth_users:\n  carol: ${bcrypt.hashSync('a:b:c', 4)}\n`, path.join(dir, 'c.yml'));
    expect(await checkBasicAuth(basic('carol', 'a:b:c'), cfg)).toBe(true);
    expect(parseBasicAuth(basic('carol', 'a:b:c'))).toEqual(['carol', 'a:b:c']);
  });

  it('no basic_auth_users → every request passes', async () => {
    const cfg = await parseWebConfig('', path.join(dir, 'none.yml'));
    expect(await checkBasicAuth(undefined, cfg)).toBe(true);
  });

  it('caches successes: a scrape every 15 s costs one bcrypt, and 100 concurrent first scrapes too', async () => {
    const cfg = await parseWebConfig(users, path.join(dir, 'auth2.yml'));
    const h = basic('alice', 's3cret pass');
    const results = await Promise.all(Array.from({ length: 100 }, () => checkBasicAuth(h, cfg)));
    expect(results.every(Boolean)).toBe(true);
    for (let i = 0; i < 20; i++) expect(await checkBasicAuth(h, cfg)).toBe(true);
    expect(cfg.authCache.bcryptRuns).toBe(1);
  });

  it('failures are remembered only for a bounded time, and the cache is bounded in size', async () => {
    const cfg = await parseWebConfig(users, path.join(dir, 'auth3.yml'));
    const wrong = basic('alice', 'wrong');
    expect(await checkBasicAuth(wrong, cfg)).toBe(false);
    const key = cfg.authCache.key(wrong);
    expect(cfg.authCache.get(key, Date.now())).toBe(false);
    expect(cfg.authCache.get(key, Date.now() + AuthCache.FAILURE_TTL_MS + 1)).toBeNull();

    const cache = new AuthCache();
    for (let i = 0; i < AuthCache.MAX_ENTRIES * 3; i++) cache.set(cache.key(`h${i}`), i % 2 === 0, 0);
    expect(cache.size).toBeLessThanOrEqual(2 * AuthCache.MAX_ENTRIES);
    // The cache key is an HMAC, never the header (which holds the password).
    expect(cache.key(h0())).not.toContain('alice');
    function h0(): string { return basic('alice', 'pw'); }
  });

  it('a flood of distinct wrong passwords runs at most MAX_INFLIGHT bcrypts at once', async () => {
    const cfg = await parseWebConfig(users, path.join(dir, 'auth4.yml'));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => checkBasicAuth(basic('alice', `guess${i}`), cfg)));
    expect(results.some(Boolean)).toBe(false);
    expect(cfg.authCache.bcryptRuns).toBeLessThanOrEqual(AuthCache.MAX_INFLIGHT);
  });
});

describe('over a real TLS connection', () => {
  it('TLS + basic auth: 200 with the password, 401 without, headers from http_server_config', async () => {
    const cfg = await loadWebConfig(write('tls-auth.yml',
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\nbasic_auth_users:\n  alice: ${hashAlice}\n`));
    const srv = await serve(cfg);
    try {
      const ok = await get(srv.port, { headers: { Authorization: basic('alice', 's3cret pass') } });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      expect((await get(srv.port)).status).toBe(401);
      expect((await get(srv.port, { headers: { Authorization: basic('alice', 'nope') } })).status).toBe(401);
      // The certificate is really checked: a client trusting another CA refuses the server.
      await expect(get(srv.port, { ca: fs.readFileSync(path.join(dir, 'rogue.crt')) })).rejects.toThrow();
    } finally {
      await srv.close();
    }
  });

  it('min_version TLS13 refuses a TLS 1.2-only client', async () => {
    const cfg = await loadWebConfig(write('tls13.yml', 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n'));
    const srv = await serve(cfg);
    try {
      expect((await get(srv.port)).status).toBe(200);
      await expect(get(srv.port, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    } finally {
      await srv.close();
    }
  });

  it('RequireAndVerifyClientCert: no certificate or a foreign one fails, the CA-signed one passes, SANs are checked', async () => {
    const cfg = await loadWebConfig(write('mtls.yml',
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n'));
    expect(cfg.tls?.requestCert).toBe(true);
    expect(cfg.tls?.rejectUnauthorized).toBe(true);
    const srv = await serve(cfg);
    const client = { cert: fs.readFileSync(path.join(dir, 'client.crt')), key: fs.readFileSync(path.join(dir, 'client.key')) };
    try {
      expect((await get(srv.port, client)).status).toBe(200);
      await expect(get(srv.port)).rejects.toThrow();
      await expect(get(srv.port, { cert: fs.readFileSync(path.join(dir, 'rogue.crt')), key: fs.readFileSync(path.join(dir, 'rogue.key')) }))
        .rejects.toThrow();
    } finally {
      await srv.close();
    }

    const sans = await loadWebConfig(write('mtls-sans.yml',
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  client_allowed_sans: [other.example]\n'));
    const srv2 = await serve(sans);
    try {
      expect((await get(srv2.port, client)).status).toBe(403);
    } finally {
      await srv2.close();
    }
  });

  it('RequireAnyClientCert wants some certificate, VerifyClientCertIfGiven verifies one when given', async () => {
    const any = await loadWebConfig(write('any.yml',
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n'));
    const srv = await serve(any);
    const rogue = { cert: fs.readFileSync(path.join(dir, 'rogue.crt')), key: fs.readFileSync(path.join(dir, 'rogue.key')) };
    try {
      expect((await get(srv.port)).status).toBe(403);
      expect((await get(srv.port, rogue)).status).toBe(200);
    } finally {
      await srv.close();
    }
    const ifGiven = await loadWebConfig(write('ifgiven.yml',
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n'));
    const srv2 = await serve(ifGiven);
    try {
      expect((await get(srv2.port)).status).toBe(200);
      expect((await get(srv2.port, rogue)).status).toBe(403);
      expect((await get(srv2.port, { cert: fs.readFileSync(path.join(dir, 'client.crt')), key: fs.readFileSync(path.join(dir, 'client.key')) })).status).toBe(200);
    } finally {
      await srv2.close();
    }
  });
});
