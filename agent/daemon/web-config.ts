/**
 * `--web.config.file`: the exporter-toolkit web configuration every Prometheus exporter shares
 * (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md, read here
 * against its web/tls_config.go and web/handler.go), so one file turns on TLS, client certificates,
 * basic auth and rate limiting for clockdoctor exactly as for node_exporter.
 *
 * A bad file at start stops the agent with a message naming the file and line: an exporter that
 * silently falls back to plain HTTP is worse than one that does not start. Like exporter-toolkit
 * (`yaml.UnmarshalStrict`) unknown keys are errors, so a typo such as `cert_flie` cannot disable TLS
 * unnoticed. The file and the certificates it names are re-read when they change (web-guard.ts).
 *
 * Where this differs from exporter-toolkit, on purpose (docs/security.md lists it): bcrypt costs
 * outside 4–14 are refused (a cost 18 hash takes minutes per compare under the unit's --jitless); a
 * client CA file that holds no certificate is an error, not an empty pool nobody can pass;
 * `min_version` above `max_version` is an error at load, not at every handshake; HTTP/2 is not
 * served (`http2` is accepted; ALPN offers http/1.1, which every scraper negotiates).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { AuthCache, checkBasicAuth as checkUsers, dummyHashFor, type BasicAuthUsers, type CheckOptions } from './basic-auth.js';

export { AuthCache, parseBasicAuth, UNAUTHORIZED_HEADERS, BCRYPT_MAX_PASSWORD_BYTES } from './basic-auth.js';

/** exporter-toolkit's `client_auth_type` values (Go's tls.ClientAuthType names; RequireClientCert is its old alias). */
export type ClientAuthType =
  | 'NoClientCert'
  | 'RequestClientCert'
  | 'RequireAnyClientCert'
  | 'VerifyClientCertIfGiven'
  | 'RequireAndVerifyClientCert';

const CLIENT_AUTH_TYPES: Readonly<Record<string, ClientAuthType>> = {
  '': 'NoClientCert',
  NoClientCert: 'NoClientCert',
  RequestClientCert: 'RequestClientCert',
  RequireAnyClientCert: 'RequireAnyClientCert',
  // "Preserved for backwards compatibility" in exporter-toolkit's ConfigToTLSConfig.
  RequireClientCert: 'RequireAnyClientCert',
  VerifyClientCertIfGiven: 'VerifyClientCertIfGiven',
  RequireAndVerifyClientCert: 'RequireAndVerifyClientCert',
};

/** Options for a TLS server: a secure context plus the client-certificate request policy. */
export interface WebTlsOptions extends tls.SecureContextOptions {
  /** Ask the client for a certificate (any policy but NoClientCert). */
  requestCert: boolean;
  /** Fail the handshake unless the client certificate verifies (RequireAndVerifyClientCert). */
  rejectUnauthorized: boolean;
}

/** `rate_limit`: a token bucket, golang.org/x/time/rate's semantics (web/tls_config.go `rate.NewLimiter`). */
export interface RateLimit {
  /** One token per interval, ms. */
  intervalMs: number;
  /** Bucket size (and the tokens it starts with); 0 refuses every request. */
  burst: number;
}

/** A loaded web config. Treat as immutable; the basic-auth cache lives inside. */
export interface WebConfig extends BasicAuthUsers {
  /** Absolute path of the file it was read from (for messages). */
  path: string;
  /** TLS server options, or null to serve plain HTTP (no TLS setting in `tls_server_config`). */
  tls: WebTlsOptions | null;
  clientAuthType: ClientAuthType;
  /** SANs a client certificate must carry one of (`client_allowed_sans`); empty = no SAN check. */
  clientAllowedSans: readonly string[];
  /** Extra response headers from `http_server_config.headers` (only the ones exporter-toolkit allows). */
  headers: Readonly<Record<string, string>>;
  /** `http_server_config.http2` (default true; the agent serves HTTP/1.1 either way). */
  http2: boolean;
  /** `rate_limit`, or null when off (no interval, or one ≤ 0). */
  rateLimit: RateLimit | null;
  /** The config file and every file it names: a change to any of them reloads the config. */
  files: readonly string[];
  /** Things that load but deserve a log line (e.g. both cert and cert_file set). */
  warnings: readonly string[];
}

/** A web config is a few lines (inline PEMs: a few KB); anything bigger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** bcrypt costs accepted (exporter-toolkit takes 4–31; past 14 a compare takes minutes under --jitless). */
export const BCRYPT_COSTS = { min: 4, max: 14 } as const;

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'] as const;
const TLS_KEYS = [
  'cert_file', 'key_file', 'cert', 'key', 'client_auth_type', 'client_ca_file', 'client_ca', 'client_allowed_sans',
  'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
] as const;
const HTTP_KEYS = ['http2', 'headers'] as const;
const RATE_KEYS = ['interval', 'burst'] as const;

/** exporter-toolkit accepts exactly these response headers, some with a fixed set of values (web/handler.go). */
const ALLOWED_HEADERS: Readonly<Record<string, readonly string[] | null>> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

const TLS_VERSIONS: Readonly<Record<string, tls.SecureVersion>> = {
  TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3',
};
const VERSION_ORDER: readonly tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The names Go's `tls.CipherSuites()` lists (the only ones exporter-toolkit accepts) → OpenSSL names.
 * The TLS 1.3 suites are accepted and, as in Go, not configurable: a list restricts TLS 1.2 and below.
 */
const CIPHER_SUITES: Readonly<Record<string, string | null>> = {
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
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
};
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

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

  int(node: YamlNode | null | undefined, what: string): number | null {
    if (isUnset(node)) return null;
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) this.fail(`${what} must be a whole number`, node as YamlNode);
    return (node as Scalar<number>).value;
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
 * config file's directory (as exporter-toolkit does). Throws InputError (exit 64, or 66 when the file
 * is missing) naming the file and line for anything it does not accept.
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
  const warnings: string[] = [];
  const files = [file];

  const tlsOut = await readTls(reader, top.get('tls_server_config'), dir, warnings, files);
  const { headers, http2 } = readHttp(reader, top.get('http_server_config'));
  const users = readUsers(reader, top.get('basic_auth_users'));
  const rateLimit = readRateLimit(reader, top.get('rate_limit'));

  return {
    path: file,
    tls: tlsOut?.options ?? null,
    clientAuthType: tlsOut?.clientAuthType ?? 'NoClientCert',
    clientAllowedSans: tlsOut?.allowedSans ?? [],
    basicAuthUsers: users,
    dummyHash: dummyHashFor(users.values()),
    headers,
    http2,
    rateLimit,
    files,
    warnings,
    authCache: new AuthCache(),
  };
}

/** Go's `TLSConfig.IsEnabled`: any certificate, key, client CA or client auth setting turns TLS on. */
const TLS_ENABLING = ['cert_file', 'key_file', 'cert', 'key', 'client_ca_file', 'client_ca', 'client_auth_type'] as const;

async function readTls(
  reader: ConfigReader,
  node: YamlNode | null | undefined,
  dir: string,
  warnings: string[],
  files: string[],
): Promise<{ options: WebTlsOptions; clientAuthType: ClientAuthType; allowedSans: string[] } | null> {
  if (isUnset(node)) return null;
  const m = reader.map(node, 'tls_server_config', TLS_KEYS);
  // An empty string is Go's zero value: the same as not set.
  const str = (k: string): string | null => {
    const v = reader.string(m.get(k), `tls_server_config.${k}`);
    return v === '' ? null : v;
  };
  if (!TLS_ENABLING.some((k) => str(k) !== null)) {
    // Versions, ciphers and curves alone do not turn TLS on (exporter-toolkit serves plain HTTP).
    return null;
  }
  const certFile = str('cert_file');
  const keyFile = str('key_file');
  const certInline = str('cert');
  const keyInline = str('key');
  if (!certFile && !certInline) reader.fail('tls_server_config: missing one of cert or cert_file', node);
  if (!keyFile && !keyInline) reader.fail('tls_server_config: missing one of key or key_file', node);
  if (certFile && certInline) warnings.push('tls_server_config sets both cert_file and cert; cert_file is used (as exporter-toolkit does)');
  if (keyFile && keyInline) warnings.push('tls_server_config sets both key_file and key; key_file is used (as exporter-toolkit does)');

  const fileOrInline = async (k: string, fileName: string | null, inline: string | null): Promise<Buffer> => {
    if (!fileName) return Buffer.from(inline ?? '');
    const abs = path.resolve(dir, fileName);
    files.push(abs);
    return readFileFor(reader, abs, k, m.get(k));
  };
  const cert = await fileOrInline('cert_file', certFile, certInline);
  const key = await fileOrInline('key_file', keyFile, keyInline);

  const authRaw = str('client_auth_type') ?? '';
  const clientAuthType = CLIENT_AUTH_TYPES[authRaw];
  if (clientAuthType === undefined) {
    reader.fail(`invalid ClientAuth "${authRaw}" in client_auth_type (one of ${Object.keys(CLIENT_AUTH_TYPES).filter(Boolean).join(', ')})`, m.get('client_auth_type'));
  }
  const caFile = str('client_ca_file');
  const caInline = str('client_ca');
  // Read before the policy check, as exporter-toolkit does (a missing file is reported as missing).
  // Without a client CA, verifying policies check against the system's trusted CAs, as Go does.
  const ca = caFile ? await fileOrInline('client_ca_file', caFile, null) : caInline !== null ? Buffer.from(caInline) : undefined;
  if (ca !== undefined && clientAuthType === 'NoClientCert') {
    reader.fail("client CA's have been configured without a Client Auth Policy (set client_auth_type)", m.get('client_ca_file') ?? m.get('client_ca'));
  }
  if (ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(ca.toString('latin1'))) {
    reader.fail('the client CA holds no PEM certificate', m.get('client_ca_file') ?? m.get('client_ca'));
  }

  const version = (k: 'min_version' | 'max_version', dflt: tls.SecureVersion): tls.SecureVersion => {
    const v = str(k);
    if (v === null) return dflt;
    return TLS_VERSIONS[v] ?? reader.fail(`unknown TLS version "${v}" in ${k} (one of ${Object.keys(TLS_VERSIONS).join(', ')})`, m.get(k));
  };
  // exporter-toolkit's defaults: TLS12 .. TLS13.
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (VERSION_ORDER.indexOf(maxVersion) < VERSION_ORDER.indexOf(minVersion)) {
    reader.fail('max_version is below min_version: no TLS version would be left', m.get('max_version'));
  }

  const prefer = reader.bool(m.get('prefer_server_cipher_suites'), 'tls_server_config.prefer_server_cipher_suites');
  const options: WebTlsOptions = {
    cert,
    key,
    minVersion,
    maxVersion,
    // exporter-toolkit's default is true.
    honorCipherOrder: prefer ?? true,
    ...(ca !== undefined ? { ca } : {}),
    requestCert: clientAuthType !== 'NoClientCert',
    // Node verifies the chain in the handshake only when told to reject; the softer policies are
    // enforced right after the handshake by checkClientCert.
    rejectUnauthorized: clientAuthType === 'RequireAndVerifyClientCert',
  };

  const suitesNode = m.get('cipher_suites');
  const suites = reader.strings(suitesNode, 'tls_server_config.cipher_suites');
  if (suites.length > 0) {
    const mapped: string[] = [];
    for (const s of suites) {
      if (!(s in CIPHER_SUITES)) reader.fail(`unknown cipher: ${s} (Go's tls.CipherSuites() names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`, suitesNode);
      const o = CIPHER_SUITES[s];
      if (o) mapped.push(o);
    }
    if (mapped.length > 0) options.ciphers = `${TLS13_SUITES}:${mapped.join(':')}`;
  }
  const curvesNode = m.get('curve_preferences');
  const curves = reader.strings(curvesNode, 'tls_server_config.curve_preferences');
  if (curves.length > 0) {
    options.ecdhCurve = curves.map((c) => CURVES[c] ?? reader.fail(`unknown curve: ${c} (one of ${Object.keys(CURVES).join(', ')})`, curvesNode)).join(':');
  }
  const allowedSans = reader.strings(m.get('client_allowed_sans'), 'tls_server_config.client_allowed_sans');

  // Fail now, naming the file, rather than at the first connection: a wrong key or a garbage PEM.
  try {
    tls.createSecureContext(options);
  } catch (err) {
    reader.fail(`TLS certificate/key rejected: ${err instanceof Error ? err.message : String(err)}`, node);
  }
  return { options, clientAuthType: clientAuthType!, allowedSans };
}

function readHttp(reader: ConfigReader, node: YamlNode | null | undefined): { headers: Record<string, string>; http2: boolean } {
  const headers: Record<string, string> = {};
  if (isUnset(node)) return { headers, http2: true };
  const http = reader.map(node, 'http_server_config', HTTP_KEYS);
  const http2 = reader.bool(http.get('http2'), 'http_server_config.http2') ?? true;
  const h = http.get('headers');
  if (isUnset(h)) return { headers, http2 };
  if (!isMap(h)) reader.fail('http_server_config.headers must be a mapping', h as YamlNode);
  for (const pair of (h as YAMLMap).items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : reader.fail('header names must be strings', pair.key as YamlNode);
    if (!(name in ALLOWED_HEADERS)) reader.fail(`HTTP header "${name}" can not be configured (allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')})`, pair.key as YamlNode);
    if (name in headers) reader.fail(`duplicate header "${name}"`, pair.key as YamlNode);
    const vnode = pair.value as YamlNode | null;
    const value = isScalar(vnode) && vnode.value !== null ? String(vnode.value) : reader.string(vnode, `header ${name}`) ?? '';
    const allowed = ALLOWED_HEADERS[name];
    if (allowed && !allowed.includes(value)) reader.fail(`invalid value for ${name}. Expected one of: ${allowed.map((a) => `"${a}"`).join(', ')}, but got: "${value}"`, vnode);
    if (/[\r\n\0]/.test(value)) reader.fail(`header ${name} must be one line`, vnode);
    // "Unset if blank" (exporter-toolkit's docs).
    if (value !== '') headers[name] = value;
  }
  return { headers, http2 };
}

function readUsers(reader: ConfigReader, node: YamlNode | null | undefined): Map<string, string> {
  const users = new Map<string, string>();
  if (isUnset(node)) return users;
  if (!isMap(node)) return reader.fail('basic_auth_users must be a mapping of user: bcrypt-hash', node as YamlNode);
  for (const pair of node.items) {
    const user = isScalar(pair.key) ? String(pair.key.value) : reader.fail('basic_auth_users: user names must be strings', pair.key as YamlNode);
    const hash = reader.string(pair.value as YamlNode, `basic_auth_users.${user}`) ?? '';
    if (user.includes(':')) reader.fail(`basic_auth_users: user "${user}" must not contain ":"`, pair.key as YamlNode);
    const m = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash);
    if (!m) {
      reader.fail(`basic_auth_users.${user} is not a bcrypt hash (expected $2y$10$ followed by 53 characters; make one with htpasswd -nBC 10 "" | tr -d ':\\n')`, pair.value as YamlNode);
    }
    const cost = Number(m[1]);
    if (cost < BCRYPT_COSTS.min || cost > BCRYPT_COSTS.max) {
      reader.fail(`basic_auth_users.${user}: bcrypt cost ${cost} is outside ${BCRYPT_COSTS.min}–${BCRYPT_COSTS.max} (one compare at cost ${cost} takes ~${costSeconds(cost)} under the unit's --jitless; 10 is the usual)`, pair.value as YamlNode);
    }
    if (users.has(user)) reader.fail(`duplicate user "${user}" in basic_auth_users`, pair.key as YamlNode);
    users.set(user, hash);
  }
  return users;
}

/** Rough compare time under --jitless on a small guest (~2 s at cost 10, doubling per step), for messages. */
function costSeconds(cost: number): string {
  const s = 2 * 2 ** (cost - 10);
  return s >= 120 ? `${Math.round(s / 60)} min` : s >= 1 ? `${Math.round(s)} s` : `${Math.round(s * 1000)} ms`;
}

const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (`1s`, `1.5m`, `1h30m`, `300ms`, `0`), in ms; null when it is not one. */
export function parseGoDuration(text: string): number | null {
  const t = text.trim();
  if (t === '0' || t === '+0' || t === '-0') return 0;
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(t);
  if (!m) return null;
  let ms = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(part[1]) * (GO_UNITS[part[2]!] ?? 0);
  return m[1] === '-' ? -ms : ms;
}

function readRateLimit(reader: ConfigReader, node: YamlNode | null | undefined): RateLimit | null {
  if (isUnset(node)) return null;
  const m = reader.map(node, 'rate_limit', RATE_KEYS);
  const iv = m.get('interval');
  let intervalMs = 0;
  if (!isUnset(iv)) {
    if (isScalar(iv) && typeof iv.value === 'number' && Number.isSafeInteger(iv.value)) {
      // yaml.v2 decodes a bare integer into a time.Duration as nanoseconds.
      intervalMs = iv.value / 1e6;
    } else {
      const t = reader.string(iv, 'rate_limit.interval') ?? '';
      const parsed = parseGoDuration(t);
      if (parsed === null) reader.fail(`rate_limit.interval: "${t}" is not a duration (e.g. 1s, 100ms, 1m30s)`, iv);
      intervalMs = parsed;
    }
  }
  const burst = reader.int(m.get('burst'), 'rate_limit.burst') ?? 0;
  if (burst < 0) reader.fail('rate_limit.burst must not be negative', m.get('burst'));
  // exporter-toolkit builds a limiter only for a non-zero interval; a negative one allows everything.
  return intervalMs > 0 ? { intervalMs, burst } : null;
}

// ─────────────────────────────────── client certificates ───────────────────────────────────

/** The parts of a TLS socket checkClientCert reads (a `tls.TLSSocket` has them). */
export interface PeerCertSource {
  authorized?: boolean;
  getPeerCertificate?(detailed?: boolean): { subjectaltname?: string; raw?: Buffer } | Record<string, never>;
}

/** Split Node's `subjectaltname` ("DNS:a, IP Address:1.2.3.4, URI:\"x,y\"") into values. */
function sanValues(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|,\s*)(DNS|IP Address|email|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    let v = m[2] ?? '';
    if (v.startsWith('"')) {
      try {
        v = JSON.parse(v) as string;
      } catch {
        continue;
      }
    }
    out.push(m[1] === 'IP Address' ? canonicalIp(v) : v);
  }
  return out;
}

/** IPs as Go's net.IP.String() writes them (IPv6 compressed, lower case). */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return ip.toLowerCase();
  }
}

/**
 * The client-certificate policy for what Node's handshake does not decide on its own:
 * RequireAnyClientCert (some certificate), VerifyClientCertIfGiven (a given one verifies) and
 * `client_allowed_sans` (for any policy, as exporter-toolkit's VerifyPeerCertificate: a certificate
 * carrying one of the listed DNS, IP, e-mail or URI SANs; no certificate fails). True = allowed.
 */
export function checkClientCert(socket: PeerCertSource | null | undefined, config: Pick<WebConfig, 'tls' | 'clientAuthType' | 'clientAllowedSans'>): boolean {
  if (config.tls === null) return true;
  const peer = socket?.getPeerCertificate?.(false);
  const hasCert = peer !== undefined && 'raw' in peer && peer.raw !== undefined;
  const t = config.clientAuthType;
  if (t === 'RequireAnyClientCert' && !hasCert) return false;
  if (t === 'VerifyClientCertIfGiven' && hasCert && socket?.authorized !== true) return false;
  if (t === 'RequireAndVerifyClientCert' && (!hasCert || socket?.authorized !== true)) return false;
  if (config.clientAllowedSans.length === 0) return true;
  if (!hasCert) return false;
  const sans = sanValues((peer as { subjectaltname?: string }).subjectaltname ?? '');
  const allowed = config.clientAllowedSans.map((s) => (/^[0-9a-fA-F:]+$/.test(s) && s.includes(':') ? canonicalIp(s) : s));
  return sans.some((v) => allowed.includes(v));
}

// ─────────────────────────────────── basic auth ───────────────────────────────────

/** Basic auth against this config's users (basic-auth.ts). */
export function checkBasicAuth(authorizationHeader: string | undefined, config: WebConfig, opts: CheckOptions = {}): Promise<boolean> {
  return checkUsers(authorizationHeader, config, opts);
}

/** What the server should do with a request under the web config. */
export type AuthVerdict = 'ok' | 'unauthorized' | 'forbidden';

/**
 * The whole per-request check: client-certificate policy first (403 — a password cannot make up for a
 * missing certificate; the server normally refused such a connection after its handshake already),
 * then basic auth (401 with UNAUTHORIZED_HEADERS), queued fairly by the client's address.
 */
export async function authorizeRequest(
  req: { headers: { authorization?: string | undefined }; socket: unknown },
  config: WebConfig,
  opts: Omit<CheckOptions, 'lane'> = {},
): Promise<AuthVerdict> {
  if (!checkClientCert(req.socket as PeerCertSource, config)) return 'forbidden';
  const lane = (req.socket as { remoteAddress?: string } | null)?.remoteAddress ?? '';
  return (await checkUsers(req.headers.authorization, config, { ...opts, lane })) ? 'ok' : 'unauthorized';
}
