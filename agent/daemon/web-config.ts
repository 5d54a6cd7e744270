/**
 * `--web.config.file`: the exporter-toolkit web configuration Prometheus exporters share
 * (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), so one file
 * format turns on TLS, client certificates and basic auth for clockdoctor as for node_exporter.
 *
 * Read once at start: a bad file stops the agent with a message naming the file and line, because an
 * exporter that silently falls back to plain HTTP is worse than one that does not start. Like
 * exporter-toolkit (which unmarshals strictly) unknown keys are errors, so a typo such as `cert_flie`
 * cannot disable TLS unnoticed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

/** exporter-toolkit's `client_auth_type` values (Go's tls.ClientAuthType names). */
export type ClientAuthType =
  | 'NoClientCert'
  | 'RequestClientCert'
  | 'RequireAnyClientCert'
  | 'VerifyClientCertIfGiven'
  | 'RequireAndVerifyClientCert';

const CLIENT_AUTH_TYPES: readonly ClientAuthType[] = [
  'NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert',
];

/** Options for `https.createServer` / `tls.createServer`: a secure context plus client-certificate policy. */
export interface WebTlsOptions extends tls.SecureContextOptions {
  /** Ask the client for a certificate (any policy but NoClientCert). */
  requestCert: boolean;
  /** Reject the handshake when the client certificate does not verify against `ca` (RequireAndVerifyClientCert). */
  rejectUnauthorized: boolean;
}

/** A loaded web config. Treat as immutable; the basic-auth cache lives inside. */
export interface WebConfig {
  /** Absolute path of the file it was read from (for messages). */
  path: string;
  /** TLS server options, or null to serve plain HTTP (no `tls_server_config`, or one without cert and key). */
  tls: WebTlsOptions | null;
  clientAuthType: ClientAuthType;
  /**
   * SANs a client certificate must carry one of (`client_allowed_sans`); empty = any verified certificate.
   * Checked by `checkClientCert`.
   */
  clientAllowedSans: readonly string[];
  /** user → bcrypt hash. Empty = no basic auth. */
  basicAuthUsers: ReadonlyMap<string, string>;
  /** Extra response headers from `http_server_config.headers` (only the ones exporter-toolkit allows). */
  headers: Readonly<Record<string, string>>;
  /** @internal verification cache, see checkBasicAuth. */
  readonly authCache: AuthCache;
}

// ─────────────────────────────────── loading ───────────────────────────────────

/** A web config is a few lines (inline PEMs: a few KB); anything bigger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users'] as const;
const TLS_KEYS = [
  'cert_file', 'key_file', 'cert', 'key', 'client_auth_type', 'client_ca_file', 'client_ca', 'client_allowed_sans',
  'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
] as const;
const HTTP_KEYS = ['http2', 'headers'] as const;

/** exporter-toolkit accepts exactly these response headers (web/tls_config.go validateHeaderConfig). */
const ALLOWED_HEADERS: Record<string, ((v: string) => boolean) | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': (v) => v === 'nosniff',
  'X-Frame-Options': (v) => v.toLowerCase() === 'deny' || v.toLowerCase() === 'sameorigin',
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

const TLS_VERSIONS: Record<string, tls.SecureVersion> = {
  TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3',
};

/**
 * Go's cipher suite names (the only ones exporter-toolkit accepts) → OpenSSL names. TLS 1.3 suites are
 * not configurable in Go either, so a list here restricts TLS 1.2 and below only.
 */
const CIPHER_SUITES: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
};
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/** Absent, or a YAML null (an empty value, `~`, `null`): either way the setting is not given. */
function isUnset(node: unknown): node is null | undefined | Scalar<null> {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** Where in the YAML a problem is, for `file:line: message` errors. */
class ConfigReader {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  lineOf(node: YamlNode | null | undefined): number | null {
    const start = node?.range?.[0];
    return start === undefined ? null : this.lines.linePos(start).line;
  }

  fail(message: string, node?: YamlNode | null): never {
    throw new InputError(message, EXIT.usage, this.file, this.lineOf(node));
  }

  /** A mapping with only the given keys (exporter-toolkit unmarshals strictly). */
  map(node: unknown, what: string, keys: readonly string[]): Map<string, YamlNode | null> {
    if (!isMap(node)) this.fail(`${what} must be a mapping`, node as YamlNode);
    const out = new Map<string, YamlNode | null>();
    for (const pair of (node as YAMLMap).items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : null;
      if (k === null) this.fail(`${what}: keys must be plain strings`, pair.key as YamlNode);
      if (!keys.includes(k)) {
        this.fail(`unknown key "${k}" in ${what} (known: ${keys.join(', ')})`, pair.key as YamlNode);
      }
      if (out.has(k)) this.fail(`duplicate key "${k}" in ${what}`, pair.key as YamlNode);
      out.set(k, (pair.value ?? null) as YamlNode | null);
    }
    return out;
  }

  string(node: YamlNode | null | undefined, what: string): string | null {
    if (node === null || node === undefined) return null;
    if (!isScalar(node)) this.fail(`${what} must be a string`, node);
    if (node.value === null) return null;
    if (typeof node.value !== 'string') this.fail(`${what} must be a string`, node);
    return node.value;
  }

  bool(node: YamlNode | null | undefined, what: string): boolean | null {
    if (node === null || node === undefined) return null;
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(`${what} must be true or false`, node);
    return node.value;
  }

  strings(node: YamlNode | null | undefined, what: string): string[] {
    if (isUnset(node)) return [];
    if (!isSeq(node)) this.fail(`${what} must be a list`, node);
    return node.items.map((item) => this.string(item as YamlNode, `${what} entry`) ?? this.fail(`${what}: empty entry`, item as YamlNode));
  }
}

async function readFileFor(reader: ConfigReader, file: string, what: string, node: YamlNode | null | undefined): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return reader.fail(`cannot read ${what} ${file}: ${code}`, node);
  }
}

/**
 * Read and validate an exporter-toolkit web config. Relative file names in it are resolved against the
 * config file's directory (as exporter-toolkit does). Throws InputError (exit 64) naming the file and
 * line for anything it does not accept.
 */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    const st = await fs.stat(abs);
    if (st.isDirectory()) throw new InputError('is a directory, not a web config file', EXIT.noInput, abs);
    if (st.size > MAX_CONFIG_BYTES) throw new InputError(`web config is ${st.size} bytes; more than ${MAX_CONFIG_BYTES} is not a web config`, EXIT.usage, abs);
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'web config file not found' : `cannot read web config: ${code ?? String(err)}`, EXIT.noInput, abs);
  }
  return parseWebConfig(text, abs);
}

/** Parse the text of a web config (`file` names it in messages and anchors relative paths). */
export async function parseWebConfig(text: string, file: string): Promise<WebConfig> {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new InputError(`web config is ${text.length} bytes; more than ${MAX_CONFIG_BYTES} is not a web config`, EXIT.usage, file);
  }
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    // The yaml parser recurses; pathological input (found by fuzzing) overflows the stack.
    throw new InputError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage, file);
  }
  const reader = new ConfigReader(file, lines);
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const line = firstError.linePos?.[0]?.line ?? lines.linePos(firstError.pos[0]).line;
    throw new InputError(`invalid YAML: ${firstError.message.split('\n')[0] ?? ''}`, EXIT.usage, file, line);
  }
  const dir = path.dirname(file);
  const root = doc.contents;
  const top = isUnset(root) ? new Map<string, YamlNode | null>() : reader.map(root, 'web config', TOP_KEYS);

  const tlsNode = top.get('tls_server_config');
  const tlsOut = tlsNode ? await readTls(reader, tlsNode, dir) : null;

  const headers: Record<string, string> = {};
  const httpNode = top.get('http_server_config');
  if (!isUnset(httpNode)) {
    const http = reader.map(httpNode, 'http_server_config', HTTP_KEYS);
    // HTTP/2 is a Go server toggle; Node's http server speaks HTTP/1.1 only, so `http2` is accepted and ignored.
    reader.bool(http.get('http2'), 'http_server_config.http2');
    const h = http.get('headers');
    if (!isUnset(h)) {
      const hm = reader.map(h, 'http_server_config.headers', Object.keys(ALLOWED_HEADERS));
      for (const [name, vnode] of hm) {
        const value = reader.string(vnode, `header ${name}`) ?? '';
        const check = ALLOWED_HEADERS[name];
        if (check && !check(value)) reader.fail(`invalid value "${value}" for header ${name}`, vnode);
        if (/[\r\n]/.test(value)) reader.fail(`header ${name} must be one line`, vnode);
        headers[name] = value;
      }
    }
  }

  const users = new Map<string, string>();
  const authNode = top.get('basic_auth_users');
  if (!isUnset(authNode)) {
    if (!isMap(authNode)) return reader.fail('basic_auth_users must be a mapping of user: bcrypt-hash', authNode);
    for (const pair of authNode.items) {
      const user = isScalar(pair.key) ? String(pair.key.value) : reader.fail('basic_auth_users: user names must be strings', pair.key as YamlNode);
      const hash = reader.string(pair.value as YamlNode, `basic_auth_users.${user}`) ?? '';
      if (user.includes(':')) reader.fail(`basic_auth_users: user "${user}" must not contain ":"`, pair.key as YamlNode);
      if (!/^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
        reader.fail(`basic_auth_users.${user} is not a bcrypt hash (expected $2y$10$ followed by 53 characters; make one with htpasswd -nBC 10 "" | tr -d ':\\n')`, pair.value as YamlNode);
      }
      if (users.has(user)) reader.fail(`duplicate user "${user}" in basic_auth_users`, pair.key as YamlNode);
      users.set(user, hash);
    }
  }

  return {
    path: file,
    tls: tlsOut?.options ?? null,
    clientAuthType: tlsOut?.clientAuthType ?? 'NoClientCert',
    clientAllowedSans: tlsOut?.allowedSans ?? [],
    basicAuthUsers: users,
    headers,
    authCache: new AuthCache(),
  };
}

async function readTls(
  reader: ConfigReader,
  node: YamlNode,
  dir: string,
): Promise<{ options: WebTlsOptions; clientAuthType: ClientAuthType; allowedSans: string[] } | null> {
  if (isUnset(node)) return null;
  const m = reader.map(node, 'tls_server_config', TLS_KEYS);
  const str = (k: string): string | null => reader.string(m.get(k), `tls_server_config.${k}`);
  const certFile = str('cert_file');
  const keyFile = str('key_file');
  const certInline = str('cert');
  const keyInline = str('key');
  const clientCaFile = str('client_ca_file');
  const clientCaInline = str('client_ca');
  const authRaw = str('client_auth_type');

  // exporter-toolkit serves plain HTTP when neither certificate nor key is given.
  if (!certFile && !keyFile && !certInline && !keyInline) {
    if (clientCaFile || authRaw) reader.fail('tls_server_config sets client authentication but no cert_file/key_file', node);
    return null;
  }
  if (certFile && certInline) reader.fail('tls_server_config: set cert_file or cert, not both', m.get('cert'));
  if (keyFile && keyInline) reader.fail('tls_server_config: set key_file or key, not both', m.get('key'));
  if (!certFile && !certInline) reader.fail('tls_server_config: missing cert_file', node);
  if (!keyFile && !keyInline) reader.fail('tls_server_config: missing key_file', node);

  const cert = certFile ? await readFileFor(reader, path.resolve(dir, certFile), 'cert_file', m.get('cert_file')) : Buffer.from(certInline ?? '');
  const key = keyFile ? await readFileFor(reader, path.resolve(dir, keyFile), 'key_file', m.get('key_file')) : Buffer.from(keyInline ?? '');

  const clientAuthType = (authRaw ?? 'NoClientCert') as ClientAuthType;
  if (!CLIENT_AUTH_TYPES.includes(clientAuthType)) {
    reader.fail(`invalid client_auth_type "${authRaw}" (one of ${CLIENT_AUTH_TYPES.join(', ')})`, m.get('client_auth_type'));
  }
  const hasCa = Boolean(clientCaFile || clientCaInline);
  if (hasCa && clientAuthType === 'NoClientCert') {
    reader.fail("client CA configured without a client_auth_type (exporter-toolkit refuses this too)", m.get('client_ca_file') ?? m.get('client_ca'));
  }
  if (!hasCa && (clientAuthType === 'RequireAndVerifyClientCert' || clientAuthType === 'VerifyClientCertIfGiven')) {
    reader.fail(`client_auth_type ${clientAuthType} needs client_ca_file`, m.get('client_auth_type'));
  }
  const ca = clientCaFile
    ? await readFileFor(reader, path.resolve(dir, clientCaFile), 'client_ca_file', m.get('client_ca_file'))
    : clientCaInline !== null ? Buffer.from(clientCaInline) : undefined;

  const version = (k: 'min_version' | 'max_version'): tls.SecureVersion | undefined => {
    const v = str(k);
    if (v === null) return undefined;
    const mapped = TLS_VERSIONS[v];
    if (mapped === undefined) reader.fail(`invalid ${k} "${v}" (one of ${Object.keys(TLS_VERSIONS).join(', ')})`, m.get(k));
    return mapped;
  };
  // exporter-toolkit defaults min_version to TLS12.
  const minVersion = version('min_version') ?? 'TLSv1.2';
  const maxVersion = version('max_version');
  if (maxVersion !== undefined && maxVersion < minVersion) reader.fail('max_version is below min_version', m.get('max_version'));

  const options: WebTlsOptions = {
    cert,
    key,
    minVersion,
    ...(maxVersion !== undefined ? { maxVersion } : {}),
    ...(ca !== undefined ? { ca } : {}),
    requestCert: clientAuthType !== 'NoClientCert',
    // Node verifies the chain in the handshake only when told to reject; the softer policies are
    // enforced per request by checkClientCert.
    rejectUnauthorized: clientAuthType === 'RequireAndVerifyClientCert',
  };

  const suites = reader.strings(m.get('cipher_suites'), 'tls_server_config.cipher_suites');
  if (suites.length > 0) {
    const mapped = suites.map((s) => CIPHER_SUITES[s] ?? reader.fail(`unknown cipher suite "${s}"`, m.get('cipher_suites')));
    options.ciphers = `${TLS13_SUITES}:${mapped.join(':')}`;
  }
  const curves = reader.strings(m.get('curve_preferences'), 'tls_server_config.curve_preferences');
  if (curves.length > 0) {
    options.ecdhCurve = curves.map((c) => CURVES[c] ?? reader.fail(`unknown curve "${c}"`, m.get('curve_preferences'))).join(':');
  }
  const prefer = reader.bool(m.get('prefer_server_cipher_suites'), 'tls_server_config.prefer_server_cipher_suites');
  if (prefer !== null) options.honorCipherOrder = prefer;

  const allowedSans = reader.strings(m.get('client_allowed_sans'), 'tls_server_config.client_allowed_sans');
  if (allowedSans.length > 0 && clientAuthType !== 'RequireAndVerifyClientCert') {
    reader.fail('client_allowed_sans needs client_auth_type RequireAndVerifyClientCert', m.get('client_allowed_sans'));
  }

  // Fail now, naming the file, rather than at the first connection: a wrong key or a garbage PEM.
  try {
    const { createSecureContext } = await import('node:tls');
    createSecureContext(options);
  } catch (err) {
    reader.fail(`TLS certificate/key rejected: ${err instanceof Error ? err.message : String(err)}`, node);
  }
  return { options, clientAuthType, allowedSans };
}

// ─────────────────────────────────── client certificates ───────────────────────────────────

/** The parts of a TLS socket checkClientCert reads (a `tls.TLSSocket` has them). */
export interface PeerCertSource {
  authorized?: boolean;
  getPeerCertificate?(detailed?: boolean): { subjectaltname?: string; raw?: Buffer } | Record<string, never>;
}

/**
 * Per-request client-certificate policy for the policies Node's handshake cannot express on its own
 * (RequireAnyClientCert, VerifyClientCertIfGiven) and the `client_allowed_sans` list. True = allowed.
 */
export function checkClientCert(socket: PeerCertSource | null | undefined, config: WebConfig): boolean {
  if (config.tls === null) return true;
  const t = config.clientAuthType;
  if (t === 'NoClientCert' || t === 'RequestClientCert') return true;
  const peer = socket?.getPeerCertificate?.(false);
  const hasCert = peer !== undefined && 'raw' in peer && peer.raw !== undefined;
  if (t === 'RequireAnyClientCert') return hasCert;
  if (t === 'VerifyClientCertIfGiven') return !hasCert || socket?.authorized === true;
  // RequireAndVerifyClientCert: the handshake already rejected unverified peers.
  if (!hasCert || socket?.authorized !== true) return false;
  if (config.clientAllowedSans.length === 0) return true;
  const sans = ((peer as { subjectaltname?: string }).subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address|email|URI):/, ''));
  return config.clientAllowedSans.some((allowed) => sans.includes(allowed));
}

// ─────────────────────────────────── basic auth ───────────────────────────────────

/**
 * Remembers which Authorization headers verified, so a Prometheus scraping every 15 s pays one bcrypt
 * (~70 ms of CPU at cost 10) per process, not one per scrape. Keys are SHA-256 of the header under a
 * per-process random key, so the cache never holds a password. Failures are remembered only briefly
 * (a wrong password cannot become right under the same config, but a bounded TTL keeps the rule
 * "never cache failures forever"), and at most MAX_INFLIGHT bcrypt runs happen at once so a flood of
 * bad passwords cannot eat the CPU the scrapes need.
 */
export class AuthCache {
  static readonly MAX_ENTRIES = 1024;
  static readonly SUCCESS_TTL_MS = 60 * 60 * 1000;
  static readonly FAILURE_TTL_MS = 10 * 1000;
  static readonly MAX_INFLIGHT = 2;
  private readonly secret = crypto.randomBytes(32);
  private readonly ok = new Map<string, number>();
  private readonly bad = new Map<string, number>();
  inflight = 0;
  /** Verifications under way, by key: a burst of identical scrapes waits for one bcrypt. */
  readonly pending = new Map<string, Promise<boolean>>();
  /** bcrypt verifications run (for tests and the docs' numbers). */
  bcryptRuns = 0;

  key(header: string): string {
    return crypto.createHmac('sha256', this.secret).update(header).digest('base64');
  }

  get(key: string, now: number): boolean | null {
    const okUntil = this.ok.get(key);
    if (okUntil !== undefined) {
      if (okUntil > now) return true;
      this.ok.delete(key);
    }
    const badUntil = this.bad.get(key);
    if (badUntil !== undefined) {
      if (badUntil > now) return false;
      this.bad.delete(key);
    }
    return null;
  }

  set(key: string, verdict: boolean, now: number): void {
    const map = verdict ? this.ok : this.bad;
    if (map.size >= AuthCache.MAX_ENTRIES) {
      // Drop the oldest insertion (Map keeps insertion order): bounded memory whatever clients send.
      const first = map.keys().next();
      if (!first.done) map.delete(first.value);
    }
    map.set(key, now + (verdict ? AuthCache.SUCCESS_TTL_MS : AuthCache.FAILURE_TTL_MS));
  }

  get size(): number {
    return this.ok.size + this.bad.size;
  }
}

// A valid hash of a random password: unknown users cost the same bcrypt as known ones, so response
// time does not tell an attacker which user names exist.
const DUMMY_HASH = '$2b$10$' + 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

function timingSafeStringEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** `Basic base64(user:pass)` → [user, pass], or null when malformed. */
export function parseBasicAuth(header: string | undefined): [string, string] | null {
  if (header === undefined) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!m?.[1] || m[1].length > 4096) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/**
 * Asynchronous (bcrypt takes tens of ms; the async form yields so scrapes keep flowing): resolves true
 * when the request may proceed. With no `basic_auth_users` every request passes. The daemon answers
 * false with 401 and `WWW-Authenticate: Basic`.
 */
export async function checkBasicAuth(authorizationHeader: string | undefined, config: WebConfig): Promise<boolean> {
  if (config.basicAuthUsers.size === 0) return true;
  const creds = parseBasicAuth(authorizationHeader);
  if (creds === null || authorizationHeader === undefined) return false;
  const cache = config.authCache;
  const key = cache.key(authorizationHeader);
  const now = Date.now();
  const cached = cache.get(key, now);
  if (cached !== null) return cached;
  const pending = cache.pending.get(key);
  if (pending !== undefined) return pending;
  if (cache.inflight >= AuthCache.MAX_INFLIGHT) return false;
  const run = verify(creds, config, key).finally(() => cache.pending.delete(key));
  cache.pending.set(key, run);
  return run;
}

async function verify([user, pass]: [string, string], config: WebConfig, key: string): Promise<boolean> {
  const cache = config.authCache;
  let hash = DUMMY_HASH;
  let known = false;
  for (const [u, h] of config.basicAuthUsers) {
    // Compare against every user so the time does not depend on where (or whether) the name matches.
    if (timingSafeStringEqual(u, user)) {
      hash = h;
      known = true;
    }
  }
  cache.inflight++;
  cache.bcryptRuns++;
  let ok: boolean;
  try {
    ok = (await bcrypt.compare(pass, hash)) && known;
  } catch {
    ok = false;
  } finally {
    cache.inflight--;
  }
  cache.set(key, ok, Date.now());
  return ok;
}

/** Response headers for a 401 (the realm is what browsers show). */
export const UNAUTHORIZED_HEADERS: Readonly<Record<string, string>> = { 'WWW-Authenticate': 'Basic realm="clockdoctor"' };

/** What the server should do with a request under the web config. */
export type AuthVerdict = 'ok' | 'unauthorized' | 'forbidden';

/**
 * The whole per-request check for the HTTP server: client-certificate policy first (403 — a
 * password cannot make up for a missing certificate), then basic auth (401 with UNAUTHORIZED_HEADERS).
 * Asynchronous because bcrypt is; cached verdicts resolve without running it.
 */
export async function authorizeRequest(
  req: { headers: { authorization?: string | undefined }; socket: unknown },
  config: WebConfig,
): Promise<AuthVerdict> {
  if (!checkClientCert(req.socket as PeerCertSource, config)) return 'forbidden';
  return (await checkBasicAuth(req.headers.authorization, config)) ? 'ok' : 'unauthorized';
}
