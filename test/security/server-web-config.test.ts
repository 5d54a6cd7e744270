/**
 * The web config wired into the agent's real HTTP server (agent/daemon/server.ts): TLS from the
 * config, basic auth through authorizeRequest, client certificates, configured headers — over real
 * connections with certificates made by openssl at test time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHORIZED_HEADERS, authorizeRequest, loadWebConfig, type WebConfig } from '../../agent/daemon/web-config.js';
import { startServer, type AgentServer } from '../../agent/daemon/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-srvcfg-'));
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

beforeAll(() => {
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'server.key', '-out', 'server.crt');
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', ...ec, '-subj', '/CN=prometheus', '-keyout', 'client.key', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.crt');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function registry(): Registry {
  const r = new Registry();
  new Gauge({ name: 'clockdoctor_build_info', help: 'build', labelNames: ['version'], registers: [r] }).set({ version: 'test' }, 1);
  return r;
}

async function serve(cfg: WebConfig): Promise<AgentServer> {
  return startServer({ host: '127.0.0.1', port: 0 }, {
    registry: registry(),
    isReady: () => true,
    ...(cfg.tls ? { tls: cfg.tls } : {}),
    authorize: (req) => authorizeRequest(req, cfg),
    headers: cfg.headers,
    unauthorizedHeaders: UNAUTHORIZED_HEADERS,
  });
}

function get(port: number, opts: https.RequestOptions = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/metrics', ca: fs.readFileSync(path.join(dir, 'server.crt')), agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('agent server with --web.config.file', () => {
  it('TLS + basic auth: metrics only with the password; 401 carries WWW-Authenticate; configured headers sent', async () => {
    fs.writeFileSync(path.join(dir, 'web.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nhttp_server_config:\n  headers:\n    Strict-Transport-Security: max-age=63072000\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('scrape-me', 4)}\n`);
    const cfg = await loadWebConfig(path.join(dir, 'web.yml'));
    const srv = await serve(cfg);
    try {
      const ok = await get(srv.port, { headers: { Authorization: basic('prometheus', 'scrape-me') } });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('clockdoctor_build_info{version="test"} 1');
      expect(ok.headers['strict-transport-security']).toBe('max-age=63072000');
      const no = await get(srv.port);
      expect(no.status).toBe(401);
      expect(no.headers['www-authenticate']).toMatch(/^Basic/);
      expect(no.body).not.toContain('clockdoctor_build_info');
      expect((await get(srv.port, { headers: { Authorization: basic('prometheus', 'wrong') } })).status).toBe(401);
      // 20 more scrapes with the right password: one bcrypt in total.
      for (let i = 0; i < 20; i++) expect((await get(srv.port, { headers: { Authorization: basic('prometheus', 'scrape-me') } })).status).toBe(200);
      expect(cfg.authCache.bcryptRuns).toBe(2);
    } finally {
      await srv.close();
    }
  });

  it('200 concurrent first TLS scrapes share one bcrypt; a wrong-password flood does not starve later scrapes', async () => {
    fs.writeFileSync(path.join(dir, 'load.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('scrape-me', 8)}\n`);
    const cfg = await loadWebConfig(path.join(dir, 'load.yml'));
    const srv = await serve(cfg);
    try {
      const good = await Promise.all(Array.from({ length: 200 }, () => get(srv.port, { headers: { Authorization: basic('prometheus', 'scrape-me') } })));
      expect(good.filter((r) => r.status === 200)).toHaveLength(200);
      expect(cfg.authCache.bcryptRuns).toBe(1);
      // Then a flood of wrong guesses beside more scrapes: the scrapes are cached and never wait for bcrypt.
      const more = Array.from({ length: 100 }, () => get(srv.port, { headers: { Authorization: basic('prometheus', 'scrape-me') } }));
      const bad = Array.from({ length: 100 }, (_, i) => get(srv.port, { headers: { Authorization: basic('prometheus', `guess-${i}`) } }));
      const [m, b] = await Promise.all([Promise.all(more), Promise.all(bad)]);
      expect(m.filter((r) => r.status === 200)).toHaveLength(100);
      expect(b.every((r) => r.status === 401)).toBe(true);
      // Each distinct guess costs at most one bcrypt, never more than MAX_INFLIGHT at a time.
      expect(cfg.authCache.bcryptRuns).toBeLessThanOrEqual(1 + 100);
      expect(cfg.authCache.inflight).toBe(0);
    } finally {
      await srv.close();
    }
  });

  it('RequireAndVerifyClientCert: only the CA-signed client gets through the handshake', async () => {
    fs.writeFileSync(path.join(dir, 'mtls.yml'), 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n');
    const srv = await serve(await loadWebConfig(path.join(dir, 'mtls.yml')));
    try {
      expect((await get(srv.port, { cert: fs.readFileSync(path.join(dir, 'client.crt')), key: fs.readFileSync(path.join(dir, 'client.key')) })).status).toBe(200);
      await expect(get(srv.port)).rejects.toThrow();
    } finally {
      await srv.close();
    }
  });
});

describe('clockdoctor agent --web.config.file (the real CLI)', () => {
  const CLI = path.resolve(import.meta.dirname, '../../dist/agent/cli.js');
  const CAPTURE = path.resolve(import.meta.dirname, '../fixtures/capture/firecracker-kvm-6.18');

  async function startTlsAgent(config: string): Promise<{ port: number; stop: () => void; output: () => string }> {
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('../../bench/load.js');
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'agent', '--from', CAPTURE, `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${config}`, '--refresh', '1h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/listening on .*\(TLS\)/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`agent did not start with TLS:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { port, stop: () => child.kill('SIGTERM'), output: () => out };
  }

  it('serves metrics over TLS to the right password only', async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
    const cfg = path.join(dir, 'agent-web.yml');
    fs.writeFileSync(cfg, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('scrape-me', 4)}\n`);
    const agent = await startTlsAgent(cfg);
    try {
      const ok = await get(agent.port, { headers: { Authorization: basic('prometheus', 'scrape-me') } });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('clockdoctor_build_info');
      expect((await get(agent.port)).status).toBe(401);
      expect((await get(agent.port, { headers: { Authorization: basic('prometheus', 'nope') } })).status).toBe(401);
      await expect(get(agent.port, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    } finally {
      agent.stop();
    }
  });

  it('a bad web config stops the agent at start with file:line, exit 64, no stack trace', async () => {
    const { spawnSync } = await import('node:child_process');
    const cfg = path.join(dir, 'typo.yml');
    fs.writeFileSync(cfg, 'tls_server_config:\n  cert_file: server.crt\n  key_flie: server.key\n');
    const r = spawnSync(process.execPath, [CLI, 'agent', '--from', CAPTURE, '--web.listen-address=127.0.0.1:0', `--web.config.file=${cfg}`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain(`${cfg}:3: unknown key "key_flie"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
