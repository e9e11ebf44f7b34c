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
check "the phone module" test -f "$(ls "$TMP"/prefix/lib*/dsr/dsr-phone.so "$TMP"/prefix/lib/*/dsr/dsr-phone.so 2>/dev/null | head -1)"
check "bash completion" test -f "$TMP/prefix/share/bash-completion/completions/dsr"
check "zsh completion" test -f "$TMP/prefix/share/zsh/vendor-completions/_dsr"
check "fish completion" test -f "$TMP/prefix/share/fish/vendor_completions.d/dsr.fish"
check "the man page (scdoc is installed by scripts/install-deps.sh)" test -f "$TMP/prefix/share/man/man1/dsr.1"

finish
