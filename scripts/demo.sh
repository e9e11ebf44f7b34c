#!/usr/bin/env bash
# Installs what is needed, builds dsr, and runs a short tour against a vault
# of its own, demo.dsr beside the default one ($XDG_DATA_HOME/dsr/demo.dsr),
# unlocked by a key file: the demo's card holder never lands in your real
# vault (DSR_DB set in your shell is not used either).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
dsr() { echo "+ dsr $*" >&2; ./build/dsr "$@"; }

data=${XDG_DATA_HOME:-$HOME/.local/share}/dsr
mkdir -p "$data"
export DSR_DB="$data/demo.dsr"
export DSR_KEY_FILE=${DSR_KEY_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/dsr/demo.key}
mkdir -p "$(dirname "$DSR_KEY_FILE")"
if [ ! -e "$DSR_DB" ]; then
  rm -f "$DSR_KEY_FILE"
  DSR_KEY_FILE= dsr init --new-key-file "$DSR_KEY_FILE" --name demo-admin
fi
dsr info

# Register a customer (a second run finds her already there).
id=$(./build/dsr show demo.alice@example.com --json 2>/dev/null | sed -n 's/^  "id": "\(.*\)",$/\1/p' || true)
if [ -z "$id" ]; then
  id=$(dsr register --email demo.alice@example.com --name "Alice Demo" --username demo_alice \
       --phone "+1 415 555 0100" --interest newsletter --contact-preference email \
       --card-number 4111111111111111 --card-expiry 12/30 --card-token tok_demo)
fi
dsr show "$id"
dsr correct "$id" --set zip=94110 --source "Address Verifier Inc"
dsr find demo.
export_json=$(dsr export "$id")   # (not piped into head: a reader that stops early would kill dsr with SIGPIPE)
sed -n 1,20p <<<"$export_json"
echo "... (the whole access package is JSON; try: ./build/dsr export $id)"
dsr list --format table
dsr check
