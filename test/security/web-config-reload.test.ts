/**
 * The web config at run time: a renewed certificate is served to the next connection without a
 * restart (openssl s_client sees the new one), changed users and headers apply to the next request, a
 * broken edit keeps the last good config; and one file written for node_exporter works unchanged with
 * the real `prometheus-node-exporter --web.config.file` and with `clockdoctor agent`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../agent/daemon/server.js';
import { createLogger } from '../../agent/daemon/log.js';
import { WebGuard } from '../../agent/daemon/web-guard.js';
import { Exposition } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';
import { CLI, ROOT, freePort, start, waitFor } from '../daemon/processes.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-reload-'));
const openssl = (...args: string[]): string => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function makeCert(name: string, cn: string): void {
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${name}.key`, '-out', `${name}.crt`);
}

beforeAll(() => {
  makeCert('one', 'first');
  makeCert('two', 'renewed');
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', ...ec, '-subj', '/CN=prometheus', '-keyout', 'client.key', '-out', 'client.csr');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'subjectAltName=DNS:prometheus.example\nextendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'client.ext', '-out', 'client.crt');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Replace a file the way certbot and config management do: write aside, rename over. */
function replaceFile(file: string, content: string | Buffer): void {
  const tmp = `${file}.new`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** The subject CN of the certificate a new TLS connection is served. */
async function servedCn(port: number): Promise<string> {
  const r = await execa('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts'], { input: '', reject: false, all: true, timeout: 20_000 });
  return /subject=.*CN ?= ?([\w-]+)/.exec(r.all ?? '')?.[1] ?? `none: ${r.all}`;
}

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('reloading --web.config.file', () => {
  it('a renewed certificate is served to the next connection; changed users apply; a broken edit keeps the last good config', async () => {
    fs.copyFileSync(path.join(dir, 'one.crt'), path.join(dir, 'server.crt'));
    fs.copyFileSync(path.join(dir, 'one.key'), path.join(dir, 'server.key'));
    const cfg = path.join(dir, 'web.yml');
    const users = (pw: string): string => `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(pw, 4)}\n`;
    fs.writeFileSync(cfg, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n${users('first-pw')}`);
    const lines: string[] = [];
    const guard = await WebGuard.load(cfg, { log: createLogger({ level: 'debug', write: (l) => lines.push(l) }), requestCheckMs: 0 });
    const view = emptyView(60);
    const srv = await startServer({ host: '127.0.0.1', port: 0 }, { registry: new Exposition(() => view, { processMetrics: false }), isReady: () => true, security: guard });
    const get = (pw: string) => execa('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: ${basic('prometheus', pw)}`, `https://127.0.0.1:${srv.port}/metrics`], { reject: false }).then((r) => r.stdout);
    try {
      expect(await servedCn(srv.port)).toBe('first');
      expect(await get('first-pw')).toBe('200');

      // The certificate and key are renewed in place: the next connection gets the new one.
      replaceFile(path.join(dir, 'server.key'), fs.readFileSync(path.join(dir, 'two.key')));
      replaceFile(path.join(dir, 'server.crt'), fs.readFileSync(path.join(dir, 'two.crt')));
      expect(await servedCn(srv.port)).toBe('renewed');
      expect(guard.reloads.ok).toBe(1);

      // A new password: the old one stops working at the next request, the new one works.
      replaceFile(cfg, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n${users('second-pw')}`);
      expect(await get('first-pw')).toBe('401');
      expect(await get('second-pw')).toBe('200');

      // A broken edit: logged with file and line, and the last good config stays in force.
      replaceFile(cfg, 'tls_server_config:\n  cert_file: server.crt\n  key_flie: server.key\n');
      expect(await get('second-pw')).toBe('200');
      expect(guard.reloads.failed).toBe(1);
      expect(lines.join('')).toContain(`${cfg}:3: unknown key \\"key_flie\\" in tls_server_config`);
      expect(await servedCn(srv.port)).toBe('renewed');
    } finally {
      await srv.close();
    }
  });
});

describe('one web config for node_exporter and clockdoctor', () => {
  it('TLS 1.3 + RequireAndVerifyClientCert + basic auth + headers: the same file, the same answers from both', async () => {
    const cfg = path.join(dir, 'shared-web.yml');
    fs.writeFileSync(cfg, [
      'tls_server_config:',
      '  cert_file: one.crt',
      '  key_file: one.key',
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_ca_file: ca.crt',
      '  min_version: TLS13',
      'http_server_config:',
      '  headers:',
      '    X-Frame-Options: deny',
      'basic_auth_users:',
      `  prometheus: ${bcrypt.hashSync('scrape-me', 4)}`,
      '',
    ].join('\n'));
    const nePort = await freePort();
    const ne = start('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nePort}`, `--web.config.file=${cfg}`, '--collector.disable-defaults', '--collector.time']);
    const cdPort = await freePort();
    const cd = start(process.execPath, [CLI, 'agent', `--web.listen-address=127.0.0.1:${cdPort}`, `--web.config.file=${cfg}`, '--from', path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18'), '--refresh', '1h']);
    const curl = (port: number, args: string[]) => execa('curl', ['-sS', '-o', '/dev/null', '-D', '-', '--cacert', path.join(dir, 'one.crt'), ...args, `https://127.0.0.1:${port}/metrics`], { reject: false, timeout: 20_000 });
    const client = ['--cert', path.join(dir, 'client.crt'), '--key', path.join(dir, 'client.key')];
    try {
      await waitFor('node_exporter', () => (ne.output().includes('TLS is enabled') ? true : null), 30_000);
      await waitFor('clockdoctor', () => (/listening on .*\(TLS\)/.test(cd.output()) ? true : null), 30_000);
      for (const port of [nePort, cdPort]) {
        const ok = await curl(port, [...client, '-u', 'prometheus:scrape-me']);
        expect(ok.stdout, `port ${port}`).toMatch(/^HTTP\/[\d.]+ 200/);
        expect(ok.stdout, `port ${port}`).toMatch(/X-Frame-Options: deny/i);
        const wrong = await curl(port, [...client, '-u', 'prometheus:nope']);
        expect(wrong.stdout, `port ${port}`).toMatch(/^HTTP\/[\d.]+ 401/);
        // (node_exporter answers curl over HTTP/2, the agent over HTTP/1.1: ALPN picks.)
        // Without a client certificate the handshake is refused by both: no HTTP answer at all.
        const noCert = await curl(port, ['-u', 'prometheus:scrape-me']);
        expect(noCert.stdout, `port ${port}`).not.toMatch(/^HTTP/);
        expect(noCert.exitCode, `port ${port}`).not.toBe(0);
        const tls12 = await curl(port, [...client, '-u', 'prometheus:scrape-me', '--tls-max', '1.2']);
        expect(tls12.stdout, `port ${port}`).not.toMatch(/^HTTP/);
      }
    } finally {
      await Promise.all([ne.stop(), cd.stop()]);
    }
  });
});
