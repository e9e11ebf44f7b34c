#!/usr/bin/env bash
# Installs what dsr needs to build, test and document itself on Debian 12.
# Idempotent: does nothing when everything is already installed.
# Usage: scripts/install-deps.sh [--fuzz]   (--fuzz: also clang and libFuzzer,
# which only scripts/fuzz.sh uses; CI's run does not need them)
set -euo pipefail
PKGS=(build-essential cmake pkg-config
      libcli11-dev libsqlitecpp-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libsodium-dev doctest-dev
      libphonenumber-dev libutf8proc-dev
      scdoc groff-base mandoc python3 python3-jsonschema time
      zsh fish man-db)  # the completion tests (each shell); man -l on the .deb's page
if [ "${1:-}" = "--fuzz" ]; then
  PKGS+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)  # the fuzz harnesses (scripts/fuzz.sh)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
