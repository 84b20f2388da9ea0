#!/usr/bin/env bash
# Sets up a fresh Debian 12 + Node 20 machine for mg-workhorse: the Debian packages the worker, its tests
# and its demo use (gearmand, perl, monitoring-plugins, ...), the npm dependencies and the build.
# Every step checks first, so a second run on a ready machine does nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: gearmand and its CLI (tests, demo), perl (the EPN farm), Proc::FastSpawn (the vfork
# launchers, spawner=vfork), the standard plugins the demo
# and golden tests run (check_dummy, check_file_age), tmux (terminal tests of gearman_top), and what node-gyp
# builds node-pty and our native spawner addon with (make, g++, python3).
DEB_PACKAGES=(gearman-job-server gearman-tools perl libproc-fastspawn-perl libmonitoring-plugin-perl libppi-perl monitoring-plugins-basic monitoring-plugins-standard tmux make g++ python3)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  # No daemon start during install: tests and the demo start their own gearmand on a free port.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    remove_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "${remove_policy:-0}" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

# npm dependencies: npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Build when dist/ is missing or any source is newer than the last build.
if [ ! -f dist/.built ] || [ -n "$(find src native -newer dist/.built -print -quit)" ]; then
  echo "setup: building"
  npm run --silent build
  touch dist/.built
fi
