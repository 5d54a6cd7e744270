/**
 * Node enforces headersTimeout/requestTimeout from a timer that runs every `connectionsCheckingInterval`
 * for as long as the server listens (default 30 s: 2 wake-ups a minute on an idle guest). We push
 * Node's timer out to an hour and run our own check only while connections are open: a connection
 * that has not delivered a complete request head within `headersTimeoutMs` of connecting (or of its
 * previous response finishing) gets a 408 and is closed. We accept no bodies, so a complete head is
 * a complete request and this bounds slow-loris clients too.
 */
import type http from 'node:http';
import type net from 'node:net';

/** Node's own checker: rarely, as a backstop. */
export const NODE_CHECK_INTERVAL_MS = 3_600_000;

interface Tracked {
  /** When the connection started waiting for a request head; null while a request is being answered. */
  waitingSince: number | null;
  /** socket.bytesRead then: unchanged means an idle connection, closed silently rather than with a 408. */
  bytesAtWait: number;
}

export function enforceHeaderDeadline(server: http.Server, headersTimeoutMs: number, tls: boolean, checkEveryMs = Math.max(250, Math.min(1000, headersTimeoutMs / 4))): void {
  const open = new Map<net.Socket, Tracked>();
  let timer: NodeJS.Timeout | null = null;

  // No connection, no timer: an idle agent must not wake the guest.
  const stopWhenIdle = (): void => {
    if (open.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };

  const check = (): void => {
    const now = Date.now();
    for (const [socket, t] of open) {
      if (t.waitingSince !== null && now - t.waitingSince > headersTimeoutMs) {
        open.delete(socket);
        // A kept-alive connection that sent nothing is just idle: close it without an unsolicited
        // response (clients may read a 408 as the answer to their next request). A partial head gets 408.
        const partial = socket.bytesRead > t.bytesAtWait;
        if (socket.writable) {
          if (partial) socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          else socket.end();
        }
        socket.destroySoon();
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    }
    stopWhenIdle();
  };

  const onConnection = (socket: net.Socket): void => {
    open.set(socket, { waitingSince: Date.now(), bytesAtWait: 0 });
    socket.once('close', () => {
      open.delete(socket);
      stopWhenIdle();
    });
    if (!timer) {
      timer = setInterval(check, checkEveryMs);
      timer.unref();
    }
  };
  // Requests arrive on the TLS socket, which a TLS server hands out in 'secureConnection' (the
  // handshake itself is bounded by handshakeTimeout).
  server.on(tls ? 'secureConnection' : 'connection', onConnection);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t = open.get(req.socket as net.Socket);
    if (t) t.waitingSince = null;
    res.once('finish', () => {
      const u = open.get(req.socket as net.Socket);
      if (u) {
        u.waitingSince = Date.now();
        u.bytesAtWait = req.socket.bytesRead;
      }
    });
  });
}
