#!/usr/bin/env bash
# Set up the browser tests on Debian: chromium from apt (Playwright cannot download browsers
# here; tests launch /usr/bin/chromium) and the pinned Playwright packages into .venv.
# Run after envs/setup.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! dpkg -s chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
[ -x .venv/bin/pip ] || { echo "no .venv: run envs/setup.sh first" >&2; exit 1; }
.venv/bin/pip install -q --disable-pip-version-check -r envs/browser-requirements.txt
echo "browser test setup done: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
