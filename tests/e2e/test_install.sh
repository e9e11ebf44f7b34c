#!/usr/bin/env bash
# End-to-end: what `cmake --install` puts where, and the phone-number module:
# dsr itself does not link libphonenumber (it would cost every process its
# start-up), but loads dsr-phone.so the first time it reads a phone number.
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$DSR_BIN")

run ldd "$DSR_BIN"
expect_rc 0 "ldd dsr"
expect_no_out "libphonenumber|libprotobuf|libicu" "dsr does not link libphonenumber, protobuf or ICU"
check "the module is built next to dsr" test -f "$BUILD/dsr-phone.so"
run ldd "$BUILD/dsr-phone.so"
expect_out "libphonenumber" "the module links libphonenumber"

new_vault i
export DSR_DB="$V" DSR_KEY_FILE="$K"
run dsr register --email ph@example.com --name "Phone Person" --phone "+44 20 7946 0958"
expect_rc 0 "register with a phone number (the module loads)"
run dsr show ph@example.com --json
check "the number is stored in E.164" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="phone"][0]')" = "+442079460958"
run dsr register --email ph2@example.com --name "Bad Phone" --phone "+44 20"
expect_rc 2 "an impossible number is refused"
expect_err "phone: .* is not a valid phone number" "and the message names the field"

run cmake --install "$BUILD" --prefix "$TMP/prefix"
expect_rc 0 "cmake --install"
check "the binary" test -x "$TMP/prefix/bin/dsr"
check "the phone module, in PREFIX/lib/dsr" test -f "$TMP/prefix/lib/dsr/dsr-phone.so"
check "bash completion" test -f "$TMP/prefix/share/bash-completion/completions/dsr"
check "zsh completion, where zsh looks under a /usr/local-like prefix" test -f "$TMP/prefix/share/zsh/site-functions/_dsr"
check "and where Debian's zsh looks under /usr" test -f "$TMP/prefix/share/zsh/vendor-completions/_dsr"
check "fish completion" test -f "$TMP/prefix/share/fish/vendor_completions.d/dsr.fish"
check "the man page (scdoc is installed by scripts/install-deps.sh)" test -f "$TMP/prefix/share/man/man1/dsr.1"
check "the systemd units" test -f "$TMP/prefix/lib/systemd/system/dsr-retention.timer"
# The installed binary loads the installed module, never the build tree's.
run env LD_DEBUG=files "$TMP/prefix/bin/dsr" register --email ph3@example.com --name "Installed" --phone "+44 20 7946 0959"
expect_rc 0 "the installed dsr reads a phone number"
expect_err "file=$TMP/prefix/bin/../lib/dsr/dsr-phone.so" "with the installed module"
expect_no_err "file=$BUILD/dsr-phone.so" "never the build tree's"

# The .deb: cpack packs what is built; unpacked into a fresh root it runs.
if command -v dpkg-deb >/dev/null && command -v cpack >/dev/null; then
  run bash -c 'cd "$1" && cpack -G DEB -B "$2/pkg"' bash "$BUILD" "$TMP"
  expect_rc 0 "cpack -G DEB"
  deb=$(ls "$TMP"/pkg/*.deb 2>/dev/null | head -1)
  check "a .deb was made" test -f "$deb"
  run dpkg-deb -c "$deb"
  expect_out "\./usr/bin/dsr$" "dsr in /usr/bin"
  expect_out "\./usr/lib/dsr/dsr-phone.so$" "the module in /usr/lib/dsr"
  expect_out "\./usr/lib/systemd/system/dsr-retention.service$" "the retention service"
  expect_out "\./usr/lib/systemd/system/dsr-retention.timer$" "and its timer"
  run dpkg-deb -f "$deb" Depends
  expect_out "libsodium" "it names its libraries"
  dpkg-deb -x "$deb" "$TMP/root"
  R="$TMP/root/usr"
  run "$R/bin/dsr" --version
  expect_rc 0 "the unpacked binary runs"
  run env LD_DEBUG=files "$R/bin/dsr" register --email ph4@example.com --name "Packaged" --phone "+44 20 7946 0960"
  expect_rc 0 "and reads a phone number"
  expect_err "file=$R/bin/../lib/dsr/dsr-phone.so" "with the packaged module"
  grep -q "LoadCredential=dsr.key:" "$R/lib/systemd/system/dsr-retention.service"
  RC=$?; expect_rc 0 "the service takes the key file through LoadCredential="
  if command -v man >/dev/null; then
    run bash -c 'MANPAGER=cat man -l "$1" 2>&1 | col -b' bash "$R/share/man/man1/dsr.1"
    expect_out "EXIT STATUS" "man -l reads the packaged page"
  fi
  run bash -c 'source "$1"; COMP_WORDS=("$2" list --f); COMP_CWORD=2; _dsr; printf "%s\n" "${COMPREPLY[@]}"' \
    bash "$R/share/bash-completion/completions/dsr" "$R/bin/dsr"
  check "the packaged bash completion answers" test "$OUT" = "--format"
  if command -v zsh >/dev/null; then
    run zsh -f -c 'compdef() { :; }; compadd() { print -r -- "compadd $*"; }
      source "$1"; words=("$2" list --f); CURRENT=3; _dsr' zsh "$R/share/zsh/vendor-completions/_dsr" "$R/bin/dsr"
    expect_out "-- --format$" "the packaged zsh completion answers"
  fi
  if command -v fish >/dev/null; then
    run env PATH="$R/bin:$PATH" fish -N -c "source '$R/share/fish/vendor_completions.d/dsr.fish'; complete -C 'dsr list --f'"
    expect_out "^--format" "the packaged fish completion answers"
  fi
else
  echo "dpkg-deb or cpack missing: the .deb is not tested" >&2
fi

finish
