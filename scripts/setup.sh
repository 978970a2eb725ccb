#!/usr/bin/env bash
# One command on a fresh machine: Chromium (Debian/Ubuntu package) when no browser is found,
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

if ! have_browser; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium (apt-get)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
  else
    echo "setup: no Chromium found and no apt-get here: install Chromium or Chrome and set CHROMIUM_PATH" >&2
    exit 2
  fi
fi

npm ci --no-audit --no-fund
npm run build
if [ "${SETUP_SKIP_SANDBOX:-}" != "1" ]; then
  node dist/cli.js sandbox
fi
