#!/usr/bin/env bash
# One command on a fresh machine: Chromium, its headless shell and tini (Debian/Ubuntu packages) when missing,
# the exact dependencies from package-lock.json, the build, then the sandbox run.
set -euo pipefail
cd "$(dirname "$0")/.."

have_browser() {
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] && return 0
  for p in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome-stable /usr/bin/google-chrome; do
    [ -x "$p" ] && return 0
  done
  return 1
}

missing=()
have_browser || missing+=(chromium)
# The headless shell (same Chromium release, no desktop browser around it) is what headless
# logins use when it is there: far lighter and faster (see the benchmark).
[ -x /usr/lib/chromium/chromium-headless-shell ] || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium-headless-shell)
# tini is the container's init; the test suite's container rehearsal runs the real entrypoint.
command -v tini >/dev/null 2>&1 || [ -x /usr/bin/tini ] || missing+=(tini)
# redis-server: the test suite starts a real one on a loopback port (tokens, locks and ledgers in Redis).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  else
    echo "setup: missing ${missing[*]} and no apt-get here: install Chromium (or set CHROMIUM_PATH) and tini" >&2
    exit 2
  fi
fi

npm ci --no-audit --no-fund
npm run build
if [ "${SETUP_SKIP_SANDBOX:-}" != "1" ]; then
  node dist/cli.js sandbox
fi
