#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh Debian machine, then installs the npm packages
# (npm ci: the lock, exactly).
# The tests start real components (Prometheus, node_exporter, chronyd), so they must be installed:
# no mocks where the real thing runs. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus >/dev/null || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
command -v chronyd >/dev/null || need+=(chrony)
command -v phc_ctl >/dev/null || need+=(linuxptp)
command -v systemd-analyze >/dev/null || need+=(systemd)
# systemd-nspawn boots the shipped unit in a container for the systemd end-to-end test.
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v openssl >/dev/null || need+=(openssl)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
if [ ${#need[@]} -gt 0 ]; then
  # shellcheck disable=SC2207
  need=($(printf '%s\n' "${need[@]}" | sort -u))
  echo "setup-tests: installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "setup-tests: need root to install ${need[*]} (apt-get install -y ${need[*]})" >&2; exit 1
    fi
  else SUDO=""; fi
  # Packages would try to start their services; this is a test machine, keep them stopped.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

echo "setup-tests: npm ci"
# Exactly the versions package-lock.json pins, as a user's fresh clone gets them. The lock lists every
# platform's optional packages (rollup, esbuild) as npm 11 writes it; npm ci installs this platform's.
npm ci --no-audit --no-fund
