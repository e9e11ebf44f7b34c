#!/usr/bin/env bash
# End-to-end: completions are generated from the command tree. The binary
# answers `dsr __complete WORD...`; each shell's script only relays, so a
# command added anywhere completes in every shell with no edit here.
. "$(dirname "$0")/lib.sh"
new_vault c
export DSR_DB="$V" DSR_KEY_FILE="$K"
dsr register --email alice@example.com --name "Alice Doe" --username alice </dev/null >/dev/null
ID=$(dsr -q list --format csv </dev/null | sed -n 2p | cut -d, -f1)
C="$DSR_SRC/completions"
cands() { printf '%s\n' "$OUT" | grep -v '^:' | cut -f1; }

run dsr __complete ""
expect_rc 0 "__complete"
expect_out "^register	" "commands, with a description"
expect_no_out "^__complete" "the hidden command is not offered"
check "the directive comes last" test "$(printf '%s\n' "$OUT" | tail -1)" = ":none"
run dsr __complete list --
expect_out "^--status" "list's own options"
expect_out "^--db" "and the global options"
expect_no_out "^--email" "never another command's options"
run dsr __complete register --
expect_out "^--email" "register's options"
expect_no_out "^--status" "not list's"
run dsr __complete key ""
check "a group's commands" test "$(cands | tr '\n' ' ')" = "add list remove passwd "

# Value lists are the ones the binary accepts: each one offered passes.
for spec in "list --format" "list --status" "import - --format" "request open x --law" "key add x --role"; do
  run dsr __complete $spec ""
  vals=$(cands)
  check "values for $spec" test -n "$vals"
  for v in $vals; do
    run dsr __complete $spec "$v"
    check "$spec $v is offered for its prefix" test "$(cands | head -1)" = "$v"
  done
done
run dsr __complete import - --format ""
check "import's formats are its own" test "$(cands | tr '\n' ' ')" = "summary ndjson "
for f in $(dsr __complete list --format "" | grep -v '^:'); do
  run dsr list --format "$f"
  expect_rc 0 "list --format $f (offered) is accepted"
done
run dsr __complete --format=js
run dsr __complete list --format=js
check "--format=js completes as one word" test "$(cands)" = "--format=json"

run dsr __complete correct alice --set na
check "--set na completes name=" test "$(cands)" = "name="
expect_out "^:nospace$" "and no space after the ="
run dsr __complete export alice -o ""
expect_out "^:files$" "-o completes file names"

# Dynamic values: with a key file, never with a passphrase (no prompt, ever).
run dsr __complete show al
expect_out "^alice@example.com" "subjects by email"
expect_out "^alice	" "and by username"
run dsr __complete show "$(printf '%s' "$ID" | cut -c1-5)"
expect_out "^$ID" "and by id"
run dsr __complete key remove ""
expect_out "^admin	admin" "slot names for key remove"
run dsr __complete --slot ""
expect_out "^admin" "and for --slot"
printf 'pw\n' > "$TMP/pw"
run env -u DSR_KEY_FILE DSR_PASSPHRASE_FILE="$TMP/pw" timeout 10 "$DSR_BIN" __complete show al
expect_rc 0 "with a passphrase source"
check "no subject is offered (no key derivation at a TAB)" test -z "$(cands)"
run env -u DSR_KEY_FILE timeout 10 "$DSR_BIN" __complete show al
check "no key at all: nothing, and no prompt" test -z "$(cands)"

# The scripts are thin: they name no command.
for f in dsr.bash _dsr dsr.fish; do
  check "completions/$f lists no command" test -z "$(grep -wE 'register|retention|disclose' "$C/$f")"
done

# bash
bash_complete() { # bash_complete WORD...: COMPREPLY for the line, current word last
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dsr; printf "%s\n" "${COMPREPLY[@]}"' \
    bash "$C/dsr.bash" "$@"
}
OUT=$(bash_complete "$DSR_BIN" list --f); RC=0
check "bash: list --f completes --format" test "$OUT" = "--format"
OUT=$(bash_complete "$DSR_BIN" list --format ""); RC=0
check "bash: list --format values" test "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "table json ndjson csv "
OUT=$(bash_complete "$DSR_BIN" correct alice --set na); RC=0
check "bash: --set na gives name=" test "$OUT" = "name="
OUT=$(bash_complete "$DSR_BIN" list --format = n); RC=0
check "bash: --format=n (split at the = as bash does)" test "$OUT" = "ndjson"
OUT=$(bash_complete "$DSR_BIN" show al); RC=0
expect_out "^alice@example.com$" "bash: a subject"
mkdir -p "$TMP/d" && touch "$TMP/d/pkg.json"
OUT=$(cd "$TMP/d" && bash_complete "$DSR_BIN" export alice -o p); RC=0
check "bash: -o completes files" test "$OUT" = "pkg.json"

# zsh: compadd and _files stand in for the completion system's own.
if command -v zsh >/dev/null; then
  zsh_complete() {
    zsh -f -c 'compdef() { :; }; compadd() { print -r -- "compadd $*"; }; _files() { print -r -- "_files"; }
      source "$1"; shift; words=("$@"); CURRENT=$#; _dsr' zsh "$C/_dsr" "$@"
  }
  OUT=$(zsh_complete "$DSR_BIN" list --f); RC=0
  expect_out "^compadd .* -- --format$" "zsh: list --f completes --format"
  OUT=$(zsh_complete "$DSR_BIN" list --format ""); RC=0
  expect_out "-- table json ndjson csv$" "zsh: list --format values"
  OUT=$(zsh_complete "$DSR_BIN" correct alice --set na); RC=0
  expect_out "^compadd -Q -S  .* -- name=$" "zsh: --set na gives name= with no suffix"
  OUT=$(zsh_complete "$DSR_BIN" export alice -o ""); RC=0
  check "zsh: -o completes files" test "$OUT" = "_files"
else
  echo "zsh not installed: its completion is not tested" >&2
fi

# fish: complete -C asks fish's own completion machinery.
if command -v fish >/dev/null; then
  fish_complete() { PATH="$(dirname "$DSR_BIN"):$PATH" fish -N -c "source '$C/dsr.fish'; complete -C '$1'"; }
  OUT=$(fish_complete "dsr list --f"); RC=0
  expect_out "^--format	" "fish: list --f completes --format"
  expect_no_out "^--email" "fish: not register's options"
  OUT=$(fish_complete "dsr list --format "); RC=0
  check "fish: list --format values" test "$(printf '%s\n' "$OUT" | cut -f1 | sort | tr '\n' ' ')" = "csv json ndjson table "
  OUT=$(fish_complete "dsr correct alice --set na"); RC=0
  expect_out "^name=" "fish: --set na gives name="
  OUT=$(fish_complete "dsr show al"); RC=0
  expect_out "^alice@example.com" "fish: a subject"
else
  echo "fish not installed: its completion is not tested" >&2
fi
finish
