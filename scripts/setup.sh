#!/usr/bin/env bash
# One command on a fresh machine: Chromium, its headless shell and tini (Debian/Ubuntu packages) when missing,
# the servers the tests start (never as services), Node 24 for the project when the machine's is older, the
# exact dependencies from package-lock.json, the build, then the sandbox run.
set -euo pipefail
cd "$(dirname "$0")/.."

have_browser() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] && return 0
  for p in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome-stable /usr/bin/google-chrome; do
    [ -x "$p" ] && return 0
  done
  return 1
}

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

missing=()
have_browser || missing+=(chromium)
# The headless shell (same Chromium release, no desktop browser around it) is what headless
# logins use when it is there: far lighter and faster (see the benchmark).
[ -x /usr/lib/chromium/chromium-headless-shell ] || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium-headless-shell)
# tini is the container's init; the test suite's container rehearsal runs the real entrypoint.
command -v tini >/dev/null 2>&1 || [ -x /usr/bin/tini ] || missing+=(tini)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  else
    echo "setup: missing ${missing[*]} and no apt-get here: install Chromium (or set CHROMIUM_PATH) and tini" >&2
    exit 2
  fi
fi

# redis-server and PostgreSQL: the test suite starts its own, on loopback ports in temporary
# folders, and stops them; promtool (Debian's prometheus) checks the metrics and the alert
# rules. They are installed for the tests only: never started, never enabled at boot, no
# default database cluster made (a VPS running this tool gets no service it did not ask for).
servers=()
command -v redis-server >/dev/null 2>&1 || servers+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || servers+=(postgresql)
command -v promtool >/dev/null 2>&1 || servers+=(prometheus)
if [ ${#servers[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: the tests need ${servers[*]} (redis-server, PostgreSQL 13 or newer, promtool); install them, then run setup again" >&2
    exit 2
  fi
  echo "setup: installing for the tests only (not started, not enabled at boot): ${servers[*]}"
  # Debian's own switch: a policy-rc.d that answers 101 keeps every package's service from starting.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # No "main" cluster: the tests make their own in a temporary folder.
  $SUDO mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf \
    || echo 'create_main_cluster = false' | $SUDO tee -a /etc/postgresql-common/createcluster.conf >/dev/null
  was_enabled=" "
  if command -v systemctl >/dev/null 2>&1; then
    for unit in redis-server postgresql prometheus; do
      if systemctl is-enabled --quiet "$unit" 2>/dev/null; then was_enabled="$was_enabled$unit "; fi
    done
  fi
  status=0
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${servers[@]}"; } || status=$?
  if [ -n "$made_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  [ "$status" -eq 0 ] || exit "$status"
  # The packages enable their service at boot even when it was not started: undone, unless it was enabled before.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in redis-server postgresql prometheus; do
      case "$was_enabled" in *" $unit "*) continue ;; esac
      $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
    done
  fi
fi

# Node: the project supports Node 24 LTS (package.json engines; the image runs the same). A
# machine whose own Node is another major (older, or a newer one not yet supported) keeps it: Node 24 is put in .runtime/ for this project only,
# from the npm registry (the `node` package: no other download), and ./kite-autologin and CI use it.
NODE_PIN=24.21.0
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm is missing; install Node.js 24 LTS (https://nodejs.org, or your distribution's nodejs and npm), then run setup again" >&2
  exit 2
fi
if [ "$(node_major node)" != 24 ]; then
  local_node="$PWD/.runtime/node_modules/node/bin/node"
  if [ ! -x "$local_node" ] || [ "$("$local_node" -v)" != "v$NODE_PIN" ]; then
    echo "setup: this machine's Node is $(node -v 2>/dev/null || echo 'missing'), not the supported Node 24 LTS;"
    echo "setup: installing Node $NODE_PIN for this project only, into .runtime/ (the npm package \"node\"); the system's Node is left as it is"
    npm install --prefix .runtime --no-audit --no-fund --no-package-lock --loglevel=error "node@$NODE_PIN"
  fi
  export PATH="$PWD/.runtime/node_modules/node/bin:$PATH"
  echo "setup: using Node $(node -v) from .runtime/ (./kite-autologin uses it; for your shell: export PATH=\"$PWD/.runtime/node_modules/node/bin:\$PATH\")"
fi

npm ci --no-audit --no-fund
npm run build
if [ "${SETUP_SKIP_SANDBOX:-}" != "1" ]; then
  ./kite-autologin sandbox
fi
echo "setup: done. Run the tool as ./kite-autologin from here (or link it onto your PATH: ln -s \"$PWD/kite-autologin\" ~/.local/bin/); the tests: npm test"
