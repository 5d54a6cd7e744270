/**
 * `--web.systemd-socket`: listen on the sockets systemd passed (socket activation, sd_listen_fds(3)):
 * `LISTEN_PID` names this process, `LISTEN_FDS` counts the descriptors, which start at 3. The
 * variables are removed once read (sd_listen_fds' unset_environment), so the commands the collectors
 * run do not think the sockets are theirs.
 */
import { UsageError } from '../errors.js';

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;

/** The inherited listening descriptors, or a UsageError saying why there are none. */
export function takeSystemdListenFds(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number[] {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (!listenPid || !listenFds) {
    throw new UsageError('--web.systemd-socket: no socket activation file descriptors found (LISTEN_FDS and LISTEN_PID are not set: start the agent from a .socket unit)');
  }
  if (!/^\d+$/.test(listenPid) || Number(listenPid) !== pid) {
    throw new UsageError(`--web.systemd-socket: the sockets were passed to process ${JSON.stringify(listenPid)}, not to this one (${pid})`);
  }
  const n = /^\d+$/.test(listenFds) ? Number(listenFds) : 0;
  if (n < 1 || n > 64) throw new UsageError(`--web.systemd-socket: LISTEN_FDS=${JSON.stringify(listenFds)} is not a count of sockets`);
  return Array.from({ length: n }, (_, i) => SD_LISTEN_FDS_START + i);
}
