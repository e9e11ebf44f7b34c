#!/usr/bin/env bash
# The man page and the completions describe every command and option the binary has
# (the completions ask the binary itself: `dsr __complete`, tested in test_completion.sh).
. "$(dirname "$0")/lib.sh"
MAN="$DSR_SRC/man/dsr.1.scd"
scdoc < "$MAN" > "$TMP/dsr.1"
RC=$?; OUT=""; ERR=""
expect_rc 0 "the man page source builds with scdoc"
# scdoc's own output always draws mandoc's "PP after SH" notes, so groff is the judge.
run groff -ww -z -man "$TMP/dsr.1"
expect_rc 0 "the man page is groff -ww clean"
check "groff printed no warning" test -z "$ERR"
# Every long option of a command (or of a group's subcommand: check_options
# GROUP SUB) appears in the man page and in each completion. One --help and
# one completion run per command: under AddressSanitizer each run costs a
# third of a second, and there are about 900 options.
check_options() {
  local o opts offered
  opts=$("$DSR_BIN" "$@" --help 2>/dev/null | grep -E '^  -' | grep -oE -- '--[a-z][a-z-]+' | sort -u)
  offered=$("$DSR_BIN" __complete "$@" -- | cut -f1)
  for o in $opts; do
    case $o in --help|--version) continue ;; esac
    [[ $mantext == *"$o"* ]] || { RC=1; OUT=""; ERR=""; bad "man page mentions $o ($*)"; continue; }; ok
    [[ $'\n'$offered$'\n' == *$'\n'"$o"$'\n'* ]] || { RC=1; OUT=""; ERR=""; bad "completion offers $o ($*)"; continue; }; ok
  done
}
mantext=$(<"$MAN")
# Every command group and command in --help (and every subcommand of a group).
commands=$("$DSR_BIN" --help | awk '/^Subcommands:/{on=1;next} on && /^$/{on=0} on && /^  [a-z]/{print $1}')
check "dsr --help lists commands" test -n "$commands"
top=$("$DSR_BIN" __complete "" | cut -f1)
for c in $commands; do
  grep -qE "^\*$c(\*| )" "$MAN" || { RC=1; OUT=""; ERR=""; bad "man page documents '$c'"; continue; }; ok
  grep -qx "$c" <<<"$top" || { RC=1; OUT=""; ERR=""; bad "completion offers '$c'"; }; ok
  subs=$("$DSR_BIN" "$c" --help 2>/dev/null | awk '/^Subcommands:/{on=1;next} on && /^$/{on=0} on && /^  [a-z]/{print $1}')
  for s in $subs; do
    grep -q "^\*$c $s\*" "$MAN" || { RC=1; OUT=""; ERR=""; bad "man page documents '$c $s'"; continue; }; ok
    check_options "$c" "$s"  # `request open --type`, `key add --role`, ...
  done
  check_options "$c"
done
bash -n "$DSR_SRC/completions/dsr.bash"; RC=$?; expect_rc 0 "the bash completion parses"
finish
