/**
 * The web config at run time: what the server asks per connection and per request (ServerSecurity),
 * answered from the current `--web.config.file`, re-read when it or a file it names changes.
 *
 * exporter-toolkit re-reads the config and the certificates on every new TLS connection
 * (`GetConfigForClient`) and the config on every request, so a renewed certificate is served without
 * a restart. Here every new connection, and every request at most once a second, stats the config
 * and the certificate, key and CA files (concurrent checks share one); only when a size, mtime,
 * ctime or inode changed is anything parsed. A changed file that no longer loads is logged and the
 * last good config stays in force (exporter-toolkit would answer 500 and fail handshakes until it is
 * fixed); so is one that switches TLS on or off, which needs a restart (as it does there).
 */
import fs from 'node:fs/promises';
import type http from 'node:http';
import type tls from 'node:tls';
import { located } from '../errors.js';
import type { AuthAnswer, ServerSecurity, ServerTlsOptions } from './server.js';
import { SILENT, type Logger } from './log.js';
import { RateLimiter } from './rate-limit.js';
import { UNAUTHORIZED_HEADERS, authorizeRequest, checkClientCert, loadWebConfig, type WebConfig } from './web-config.js';

type Stamp = string;

async function stampOf(files: readonly string[]): Promise<Stamp> {
  const parts = await Promise.all(
    files.map(async (f) => {
      try {
        const st = await fs.stat(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      } catch (err) {
        return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
      }
    }),
  );
  return parts.join('|');
}

export interface WebGuardOptions {
  log?: Logger;
  /** Requests re-check the files at most this often, ms (connections always do). */
  requestCheckMs?: number;
  /** Clock for the request-check throttle and the rate limiter (tests). */
  now?: () => number;
}

export class WebGuard implements ServerSecurity {
  private config: WebConfig;
  private stamp: Stamp;
  private generation = 0;
  private checking: Promise<void> | null = null;
  private lastCheck: number;
  private limiter: RateLimiter | null;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly requestCheckMs: number;
  /** Reloads that took effect / were refused (tests, log). */
  reloads = { ok: 0, failed: 0 };
  /** When each user was last warned about a long password (at most once an hour each: a client controls it). */
  private readonly longPasswordWarned = new Map<string, number>();

  private constructor(readonly file: string, config: WebConfig, stamp: Stamp, opts: WebGuardOptions) {
    this.config = config;
    this.stamp = stamp;
    this.log = opts.log ?? SILENT;
    this.now = opts.now ?? (() => performance.now());
    this.requestCheckMs = opts.requestCheckMs ?? 1000;
    this.lastCheck = this.now();
    this.limiter = config.rateLimit ? new RateLimiter(config.rateLimit, this.now) : null;
  }

  /** Load the config (a bad one throws InputError naming file and line: the agent does not start). */
  static async load(file: string, opts: WebGuardOptions = {}): Promise<WebGuard> {
    const config = await loadWebConfig(file);
    const guard = new WebGuard(file, config, await stampOf(config.files), opts);
    guard.logWarnings(config);
    return guard;
  }

  /** The config in force. */
  current(): WebConfig {
    return this.config;
  }

  private logWarnings(c: WebConfig): void {
    for (const w of c.warnings) this.log.warn(w, { file: c.path });
  }

  /** Re-read when any file changed; concurrent callers share one check. */
  check(): Promise<void> {
    this.checking ??= this.doCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async doCheck(): Promise<void> {
    this.lastCheck = this.now();
    const stamp = await stampOf(this.config.files);
    if (stamp === this.stamp) return;
    let next: WebConfig;
    try {
      next = await loadWebConfig(this.file);
    } catch (err) {
      // Remember what failed, so the same broken file is reported once, not at every connection.
      this.stamp = stamp;
      this.reloads.failed++;
      const e = err as { message?: string; path?: string | null; line?: number | null };
      this.log.error('web config not reloaded; the previous one stays in force', { err: located(e.path ?? this.file, e.line ?? null, e.message ?? String(err)) });
      return;
    }
    if ((next.tls === null) !== (this.config.tls === null)) {
      this.stamp = stamp;
      this.reloads.failed++;
      this.log.error('web config not reloaded: turning TLS on or off needs a restart', { file: this.file });
      return;
    }
    this.stamp = await stampOf(next.files);
    const tlsChanged = next.tls !== null;
    this.config = next;
    if (tlsChanged) this.generation++;
    this.limiter = next.rateLimit ? new RateLimiter(next.rateLimit, this.now) : null;
    this.reloads.ok++;
    this.logWarnings(next);
    this.log.info('web config reloaded', { file: this.file, tls: next.tls !== null, users: next.basicAuthUsers.size });
  }

  // ── ServerSecurity ──

  tls(): ServerTlsOptions | null {
    return this.config.tls;
  }

  tlsGeneration(): number {
    return this.generation;
  }

  prepareConnection(): Promise<void> {
    return this.check();
  }

  allowConnection(socket: tls.TLSSocket): boolean {
    return checkClientCert(socket, this.config);
  }

  allowRequest(): boolean {
    return this.limiter === null || this.limiter.allow();
  }

  async authorize(req: http.IncomingMessage): Promise<AuthAnswer> {
    if (this.now() - this.lastCheck >= this.requestCheckMs) await this.check();
    return authorizeRequest(req, this.config, {
      warn: (msg, fields) => {
        const user = String(fields.user ?? '');
        const at = this.now();
        const last = this.longPasswordWarned.get(user);
        if (last !== undefined && at - last < 3_600_000) return;
        if (this.longPasswordWarned.size > 1024) this.longPasswordWarned.clear();
        this.longPasswordWarned.set(user, at);
        this.log.warn(msg, fields);
      },
    });
  }

  headers(): Readonly<Record<string, string>> {
    return this.config.headers;
  }

  unauthorizedHeaders(): Readonly<Record<string, string>> {
    return this.config.basicAuthUsers.size > 0 ? UNAUTHORIZED_HEADERS : {};
  }
}
