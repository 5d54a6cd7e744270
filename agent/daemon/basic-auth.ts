/**
 * Basic auth against the web config's `basic_auth_users` (bcrypt hashes), as exporter-toolkit does it
 * — a verified result cached, an unknown user hashed against a dummy of the same cost so response
 * times do not tell which names exist — with the compares in a worker thread (bcrypt-worker.ts).
 */
import crypto from 'node:crypto';
import { sharedVerifier, type BcryptVerifier } from './bcrypt-worker.js';

/** bcrypt reads at most this many bytes of a password; the rest is ignored (by every implementation). */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * Remembers which Authorization headers verified, so a Prometheus scraping every 15 s pays one bcrypt
 * per process, not one per scrape. Keys are an HMAC of the header under a per-process random key, so
 * the cache never holds a password. Failures are remembered only briefly (a bounded TTL keeps the rule
 * "never cache failures forever"); identical headers arriving together share one verification.
 */
export class AuthCache {
  static readonly MAX_ENTRIES = 1024;
  static readonly SUCCESS_TTL_MS = 60 * 60 * 1000;
  static readonly FAILURE_TTL_MS = 10 * 1000;
  /** Verifications one client address can have at once: one running, one waiting (bcrypt-worker.ts). */
  static readonly MAX_INFLIGHT = 2;
  private readonly secret = crypto.randomBytes(32);
  private readonly ok = new Map<string, number>();
  private readonly bad = new Map<string, number>();
  /** Verifications under way, by key: a burst of identical scrapes waits for one bcrypt. */
  readonly pending = new Map<string, Promise<boolean>>();
  /** bcrypt verifications run for this config (tests and the docs' numbers). */
  bcryptRuns = 0;

  /** Verifications of this config still under way. */
  get inflight(): number {
    return this.pending.size;
  }

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

/** The users of a web config, and what an unknown user is hashed against. */
export interface BasicAuthUsers {
  /** user → bcrypt hash. Empty = no basic auth. */
  basicAuthUsers: ReadonlyMap<string, string>;
  /** A syntactically valid hash of nothing, at the users' usual cost (see dummyHashFor). */
  dummyHash: string;
  readonly authCache: AuthCache;
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A hash no password matches, at the cost most users have (ties: the higher): comparing against it
 * takes as long as comparing against a real user's hash, so an unknown name is not faster. It is
 * random text in bcrypt's alphabet, not the hash of anything — building a real one at cost 14 would
 * take half a minute under --jitless.
 */
export function dummyHashFor(hashes: Iterable<string>): string {
  const counts = new Map<number, number>();
  for (const h of hashes) {
    const cost = Number(/^\$2[aby]?\$(\d\d)\$/.exec(h)?.[1] ?? 10);
    counts.set(cost, (counts.get(cost) ?? 0) + 1);
  }
  let cost = 10;
  let best = 0;
  for (const [c, n] of counts) if (n > best || (n === best && c > cost)) [cost, best] = [c, n];
  const bytes = crypto.randomBytes(53);
  const body = Array.from(bytes, (b) => BCRYPT_ALPHABET[b % 64]).join('');
  return `$2b$${String(cost).padStart(2, '0')}$${body}`;
}

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

export interface CheckOptions {
  /** The client address: verifications are queued fairly between addresses. */
  lane?: string;
  /** Told about a password longer than bcrypt reads (the rest of it is ignored). */
  warn?: (msg: string, fields: Record<string, string | number>) => void;
  verifier?: BcryptVerifier;
}

/**
 * Resolves true when the request may proceed. With no `basic_auth_users` every request passes. The
 * daemon answers false with 401 and `WWW-Authenticate: Basic`. Cached verdicts resolve without a
 * compare; a compare runs in the worker, or is refused at once when the queue is full (false).
 */
export async function checkBasicAuth(authorizationHeader: string | undefined, config: BasicAuthUsers, opts: CheckOptions = {}): Promise<boolean> {
  if (config.basicAuthUsers.size === 0) return true;
  const creds = parseBasicAuth(authorizationHeader);
  if (creds === null || authorizationHeader === undefined) return false;
  const cache = config.authCache;
  const key = cache.key(authorizationHeader);
  const cached = cache.get(key, Date.now());
  if (cached !== null) return cached;
  const pending = cache.pending.get(key);
  if (pending !== undefined) return pending;
  const run = verify(creds, config, key, opts).finally(() => cache.pending.delete(key));
  cache.pending.set(key, run);
  return run;
}

async function verify([user, pass]: [string, string], config: BasicAuthUsers, key: string, opts: CheckOptions): Promise<boolean> {
  const cache = config.authCache;
  let hash = config.dummyHash;
  let known = false;
  for (const [u, h] of config.basicAuthUsers) {
    // Compare against every user so the time does not depend on where (or whether) the name matches.
    if (timingSafeStringEqual(u, user)) {
      hash = h;
      known = true;
    }
  }
  const bytes = Buffer.byteLength(pass, 'utf8');
  if (known && bytes > BCRYPT_MAX_PASSWORD_BYTES) {
    opts.warn?.(`password longer than ${BCRYPT_MAX_PASSWORD_BYTES} bytes: bcrypt ignores the rest of it`, { user, bytes });
  }
  const verifier = opts.verifier ?? sharedVerifier();
  const result = await verifier.verify(pass, hash, opts.lane ?? '');
  // Busy: answered 401 now, remembered not at all (the next scrape gets its verification).
  if (result === 'busy') return false;
  cache.bcryptRuns++;
  const ok = result && known;
  cache.set(key, ok, Date.now());
  return ok;
}

/** Response headers for a 401 (the realm is what browsers show). */
export const UNAUTHORIZED_HEADERS: Readonly<Record<string, string>> = { 'WWW-Authenticate': 'Basic realm="clockdoctor"' };
