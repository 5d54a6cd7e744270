/**
 * `--web.listen-address` as node_exporter spells it: `:9717` (every address), `127.0.0.1:9717`,
 * `[::1]:9717`, `localhost:9717`. Port 0 asks the kernel for a free port (tests).
 */
import { UsageError } from '../errors.js';

export interface ListenAddress {
  /** Host to bind, or undefined for every address (IPv6 and IPv4 where the system allows). */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new UsageError(`--web.listen-address: ${JSON.stringify(text)} is not HOST:PORT (e.g. :9717, 127.0.0.1:9717, [::1]:9717)`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--web.listen-address: port ${port} is out of range (0..65535)`);
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port };
}
