#!/usr/bin/env bash
# Install the system packages the build and the tests need, when they are missing:
# a CJK font (figure labels, screenshots of Chinese text) and Chromium (browser tests).
# Fast when everything is there: two look-ups and no package manager.
set -euo pipefail

need_font=true
# (grep without -q reads all input: with -q, fc-list may die of SIGPIPE and pipefail would say "missing")
if fc-list : family 2>/dev/null | grep "Noto Sans CJK" >/dev/null; then need_font=false; fi
need_chromium=true
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then need_chromium=false; fi

$need_font || $need_chromium || exit 0

if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
  # GitHub's Ubuntu runners: sudo for apt; Playwright's own Chromium build (Ubuntu has no chromium deb).
  if $need_font; then sudo apt-get update -qq && sudo apt-get install -y -qq fonts-noto-cjk; fi
  if $need_chromium; then .venv/bin/python -m playwright install --with-deps chromium; fi
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system-packages: missing fonts-noto-cjk or chromium; install them as root:" >&2
  echo "  apt-get install fonts-noto-cjk chromium" >&2
  exit 1
fi
packages=()
$need_font && packages+=(fonts-noto-cjk)
$need_chromium && packages+=(chromium)
echo "system-packages: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
