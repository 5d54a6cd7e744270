/** `host:port` with an IPv6 host in brackets (`[::1]:9717`), as listen addresses and URLs write it. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
