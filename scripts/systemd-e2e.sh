#!/usr/bin/env bash
# clockdoctor under real systemd: boots systemd in a systemd-nspawn container over a throw-away
# overlay of this machine's root (nothing touches the real root: the overlay's upper layer is a tmpfs
# in a private mount namespace, gone when this script ends), installs clockdoctor from `npm pack`
# as docs/deploy.md says, and runs scripts/systemd-e2e/checks.sh inside as a unit of the container's
# systemd: start, ready, metrics, each collector under the sandbox vs as root, restart, kill -9,
# reload, credentials, IP and file fences, exposure, /etc/default/clockdoctor and every drop-in.
#
# Prints one line per check ("ok NAME" / "FAIL NAME: why") and a summary; exits 0 only if every check
# passed, 1 if one failed, 77 if this machine cannot run it (not root, no systemd-nspawn, no overlay),
# saying why. Needs: root, systemd-nspawn (systemd-container), overlayfs, unshare, a built dist/.
# The container has its own network namespace (--private-network: loopback only), so nothing it
# serves is reachable from outside, and its ports never clash with the host's.
#
# Usage: scripts/systemd-e2e.sh            (CD_E2E_TIMEOUT=seconds, default 900; CD_E2E_KEEP=1 keeps
#        the boot log in /tmp for debugging)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$REPO/scripts/systemd-e2e"
TIMEOUT="${CD_E2E_TIMEOUT:-900}"

cannot() { echo "systemd-e2e: CANNOT RUN: $*" >&2; exit 77; }

if [ -z "${CD_E2E_INNER:-}" ]; then
  [ "$(id -u)" -eq 0 ] || cannot "needs root (systemd-nspawn and mounts)"
  command -v systemd-nspawn >/dev/null || cannot "systemd-nspawn is not installed (apt-get install systemd-container)"
  command -v unshare >/dev/null || cannot "unshare (util-linux) is not installed"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || cannot "the kernel has no overlayfs"
  [ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ] || cannot "systemd is not installed on this root (the container boots it)"
  [ -f "$REPO/dist/agent/cli.js" ] || cannot "dist/ is not built (npm run build)"
  # A private mount namespace: the overlay and its tmpfs vanish with this process, whatever happens.
  exec unshare --mount --propagation private env CD_E2E_INNER=1 "$0" "$@"
fi

WORK="$(mktemp -d /tmp/cd-systemd-e2e.XXXXXX)"
mount -t tmpfs -o size=3g,mode=0700 cd-e2e "$WORK"
mkdir -p "$WORK/upper" "$WORK/work" "$WORK/root" "$WORK/pkg"
mount -t overlay cd-e2e-root -o "lowerdir=/,upperdir=$WORK/upper,workdir=$WORK/work" "$WORK/root" \
  || cannot "cannot mount an overlay of / here"
ROOT="$WORK/root"
NSPAWN_PID=""
BOOTLOG="$WORK/boot.log"
cleanup() {
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    kill -TERM "$NSPAWN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null || true
  fi
  if [ -n "${CD_E2E_KEEP:-}" ] && [ -f "$BOOTLOG" ]; then cp "$BOOTLOG" "/tmp/cd-systemd-e2e-boot.$$.log"; echo "systemd-e2e: boot log kept in /tmp/cd-systemd-e2e-boot.$$.log"; fi
  umount -l "$ROOT" 2>/dev/null || true
  umount -l "$WORK" 2>/dev/null || true
  rmdir "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# The package, as a user gets it (dist is built already; `prepare` would only rebuild it).
(cd "$REPO" && npm pack --ignore-scripts --silent --pack-destination "$WORK/pkg" >/dev/null)
TGZ="$(ls "$WORK/pkg"/clockdoctor-*.tgz)"
E2E="$ROOT/root/cd-e2e"
mkdir -p "$E2E"
cp "$TGZ" "$E2E/"
cp "$HERE/checks.sh" "$E2E/checks.sh"

# Services of this machine that the container does not need (and that would slow its boot or try
# the host's clock); node_exporter stays: the textfile drop-in is checked against it.
for u in postgresql.service postgresql@15-main.service prometheus.service apt-daily.timer apt-daily-upgrade.timer \
  man-db.timer e2scrub_all.timer e2scrub_reap.service dpkg-db-backup.timer fstrim.timer console-getty.service \
  getty@.service systemd-pstore.service; do
  ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
rm -f "$ROOT/etc/systemd/system/clockdoctor.service" "$ROOT/etc/default/clockdoctor"
rm -rf "$ROOT/etc/systemd/system/clockdoctor.service.d" "$ROOT/etc/clockdoctor"

# Step 1 of docs/deploy.md, "sudo npm install -g clockdoctor-0.1.0.tgz", in the container's file
# system, before it boots: the booted container has no network (--private-network), npm needs the registry.
echo "systemd-e2e: npm install -g $(basename "$TGZ") (inside the overlay)"
systemd-nspawn -q -D "$ROOT" --register=no --keep-unit -E HOME=/root -- \
  npm install -g --prefer-offline --no-audit --no-fund --loglevel=error "/root/cd-e2e/$(basename "$TGZ")" >"$WORK/npm.log" 2>&1 \
  || { echo "FAIL install: npm install -g failed:"; tail -20 "$WORK/npm.log"; exit 1; }

# The checks run as a unit of the container's systemd once it has booted.
cat > "$ROOT/etc/systemd/system/cd-e2e.service" <<UNIT
[Unit]
Description=clockdoctor systemd e2e checks
After=multi-user.target
[Service]
Type=simple
ExecStart=/bin/bash /root/cd-e2e/checks.sh /root/cd-e2e/$(basename "$TGZ")
StandardOutput=append:/root/cd-e2e/results
StandardError=append:/root/cd-e2e/results
UNIT
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -sf ../cd-e2e.service "$ROOT/etc/systemd/system/multi-user.target.wants/cd-e2e.service"
: > "$E2E/results"

echo "systemd-e2e: booting $(systemd-nspawn --version | head -1) in a container over an overlay of /"
# CAP_SYSLOG is not in nspawn's default set; a real host's root has it (the unit hands it on).
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -q -D "$ROOT" --boot --register=no --keep-unit --private-network --capability=CAP_SYSLOG --system-call-filter=bpf \
  --console=read-only -M "cd-e2e-$$" >"$BOOTLOG" 2>&1 &
NSPAWN_PID=$!

# Stream the results as they come; the checks end with a "DONE <failures>" line and power off.
printed=0
deadline=$(( $(date +%s) + TIMEOUT ))
status=""
while :; do
  if [ -f "$E2E/results" ]; then
    total=$(wc -l < "$E2E/results")
    if [ "$total" -gt "$printed" ]; then
      sed -n "$((printed + 1)),${total}p" "$E2E/results" | grep -v '^DONE ' || true
      printed=$total
    fi
    status=$(grep -m1 '^DONE ' "$E2E/results" | cut -d' ' -f2 || true)
    [ -n "$status" ] && break
  fi
  if ! kill -0 "$NSPAWN_PID" 2>/dev/null; then
    echo "FAIL container: systemd-nspawn exited before the checks finished; its log:"; tail -30 "$BOOTLOG"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "FAIL timeout: the checks did not finish within ${TIMEOUT}s; boot log tail:"; tail -30 "$BOOTLOG"
    exit 1
  fi
  sleep 1
done
# The checks power the container off; wait for that (bounded) so the overlay can go.
for _ in $(seq 1 60); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.5; done
[ "$status" = "0" ] && exit 0 || exit 1
