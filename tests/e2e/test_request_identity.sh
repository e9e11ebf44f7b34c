#!/usr/bin/env bash
# End-to-end: requests from people the vault does not know (a claimed email,
# phone or name) and from erased subjects: opened, answered ("nothing is
# held" / what is still kept and why), linked when a match appears; duplicates;
# denial codes. The clock is set with DSR_TODAY (test builds only).
. "$(dirname "$0")/lib.sh"
new_vault id
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02

# A stranger's access request: opened on the claimed email (GDPR Art. 15(1) "whether or not").
run dsr request open stranger@example.com --type access --law gdpr --received 2026-01-30
expect_rc 0 "a request from someone not in the vault opens"
expect_out '^req_1$' "and prints its id"
expect_err "matches no subject" "saying it stands on the claimed identity"
run dsr request show req_1 --json
check "it names no subject" test "$(jget "$OUT" 'd["subject"]')" = None
check "identity: not linked, email claimed" test "$(jget "$OUT" '(d["identity"]["linked"], d["identity"]["claimed"])')" = "(False, ['email'])"
check "the claim is shown to staff" test "$(jget "$OUT" 'd["claims"][0]["value"]')" = stranger@example.com
check "the answer: nothing is held" test "$(jget "$OUT" 'd["answer"]["held"]')" = nothing
check "with a statement to send" bash -c "printf '%s' \"\$1\" | grep -q 'No personal data is held'" _ "$OUT"
check "which cites the request's law (GDPR Art. 15(1))" test "$(jget "$OUT" '"GDPR Art. 15(1)" in d["answer"]["statement"]')" = True
check "the due date runs as for anyone" test "$(jget "$OUT" 'd["due"]')" = 2026-03-02
check "the history keeps the kind of claim, not its value" test "$(jget "$OUT" 'd["history"][0]["detail"]["claimed"]')" = "['email']"
run dsr audit log --json
expect_no_out "stranger@example.com" "the audit trail holds no claimed value"
run dsr request show req_1
expect_out "no subject \(claimed identity\)" "show says who it is for"
expect_out "answer: No personal data is held" "and the answer"

# Subject commands cannot act for it until it names a subject.
run dsr request verify req_1
run dsr register --email carol@example.com --name "Carol Poe"
run dsr correct carol@example.com --set zip=94110 --request req_1
expect_rc 2 "an action for an unlinked request is a usage error"
expect_err "dsr request link req_1" "that says how to link it"

# The stranger registers: the request is linked to the new subject.
run dsr register --email Stranger@Example.com --name "Stan Ger" --json
expect_rc 0 "the stranger registers"
S=$(jget "$OUT" 'd["id"]')
check "register --json names the linked request" test "$(jget "$OUT" 'd["linked_requests"]')" = "['req_1']"
expect_err "linked req_1" "and says so"
run dsr request show req_1 --json
check "the request now names the subject" test "$(jget "$OUT" 'd["subject"]')" = "$S"
check "its claims are gone (the subject's record holds them)" test "$(jget "$OUT" '"claims" in d')" = False
check "no 'nothing held' answer any more" test "$(jget "$OUT" '"answer" in d')" = False
check "the link is in the history" test "$(jget "$OUT" '[e["detail"]["by"] for e in d["history"] if e["event"]=="linked"]')" = "['matching email']"

# A claimed phone links when a subject with that phone is registered.
run dsr request open --phone "+1 415 555 0100" --type erasure --law ccpa --json
expect_rc 0 "a request on a claimed phone"
P=$(jget "$OUT" 'd["id"]')
check "claimed: phone" test "$(jget "$OUT" 'd["identity"]["claimed"]')" = "['phone']"
run dsr register --email pat@example.com --name "Pat Lee" --phone "+1 (415) 555-0100"
expect_err "linked $P" "registering the phone links it"

# A name alone never links; staff link it by hand.
run dsr request open --name "Zed Zulu" --type access --law gdpr --json
Z=$(jget "$OUT" 'd["id"]')
dsr register --email zed@example.com --name "Zed Zulu" >/dev/null 2>&1
run dsr request show "$Z" --json
check "a name alone does not link" test "$(jget "$OUT" 'd["identity"]["linked"]')" = False
run dsr request link "$Z" zed@example.com --json
expect_rc 0 "request link"
check "linked by hand" test "$(jget "$OUT" 'd["identity"]["linked"]')" = True
run dsr request link "$Z" carol@example.com
expect_rc 4 "linking twice is a conflict"

# What cannot be opened.
run dsr request open nobody --type access --law gdpr
expect_rc 3 "an unknown username is not found"
expect_err "--email, --phone or --name" "and the error says how to open for someone not in the vault"
run dsr request open --type access --law gdpr
expect_rc 2 "no subject and no claim"
run dsr request open --email not-an-email --type access --law gdpr
expect_rc 2 "a claimed email is validated"

# An erased subject asks what is held: the answer lists what is kept and why.
D=$(dsr register --email dave@example.com --name "Dave Doe")
run dsr disclose "$D" --recipient "MailCo" --recipient-type processor --categories contact,identity --purpose email-delivery --basis contract --date 2026-01-10
expect_rc 0 "a disclosure before the erasure"
dsr delete dave@example.com --yes --reason "erasure request" >/dev/null 2>&1
run dsr request open dave@example.com --type access --law gdpr --json
expect_rc 0 "a request from an erased subject opens"
R=$(jget "$OUT" 'd["id"]')
check "it is linked to the tombstone" test "$(jget "$OUT" 'd["subject"]')" = "$D"
run dsr request show "$R" --json
check "identity: erased" test "$(jget "$OUT" 'd["identity"]["subject_status"]')" = erased
check "the answer says what is kept" test "$(jget "$OUT" 'd["answer"]["held"]')" = kept_after_erasure
check "the tombstone, the disclosure log, the suppression hash, the request records" test "$(jget "$OUT" '[k["record"] for k in d["answer"]["kept"]]')" = "['tombstone', 'disclosure_log', 'suppression_hash', 'request_records']"
check "each with the rule that deletes it" test "$(jget "$OUT" '[k["retention"]["rule"] for k in d["answer"]["kept"]]')" = "['tombstones', 'disclosure_records', 'suppression_hashes', 'request_records']"
check "and when (tombstones: 6 years after the erasure)" test "$(jget "$OUT" 'd["answer"]["kept"][0]["retention"]["deleted_from"]')" = 2032-02-02
check "the email is not stored again as a claim" test "$(jget "$OUT" '"claims" in d')" = False
run dsr request show "$R"
expect_out "kept: suppression_hash" "show lists what is kept"

# export of an erased subject says what is kept (no longer "nothing is held").
dsr request verify "$R" >/dev/null 2>&1
run dsr export "$D" --request "$R" -o "$TMP/dave.json"
expect_rc 0 "export of an erased subject, for the request"
check "status erased" test "$(jget "$(cat "$TMP/dave.json")" 'd["subject"]["status"]["status"]')" = erased
check "no data" test "$(jget "$(cat "$TMP/dave.json")" 'd["data"]')" = "[]"
check "the kept records" test "$(jget "$(cat "$TMP/dave.json")" 'len(d["kept"])')" = 4
check "the recipients from the disclosure log" test "$(jget "$(cat "$TMP/dave.json")" 'd["recipients"][0]["recipient"]')" = "MailCo"
if python3 -c 'import jsonschema' 2>/dev/null; then
  run python3 "$DSR_SRC/tests/e2e/validate_export.py" "$DSR_SRC/schema/export.schema.json" "$TMP/dave.json"
  expect_rc 0 "the erased package matches schema/export.schema.json"
fi
run dsr request show "$R" --json
check "the export is recorded against the request" test "$(jget "$OUT" '[e["detail"].get("action") for e in d["history"] if e["event"]=="action"]')" = "['export']"

# Duplicates: a second open request of one type for one person says so.
dsr request open carol@example.com --type erasure --law gdpr >/dev/null 2>&1
run dsr request open carol@example.com --type erasure --law gdpr --json
check "a second open erasure request is a duplicate" test "$(jget "$OUT" 'd["duplicate_of"]')" != None
run dsr request open carol@example.com --type erasure --law gdpr
expect_err "duplicates req_" "and the message says so"

# Every denial carries a Data Rights Protocol code.
C=$(dsr request open carol@example.com --type access --law ccpa 2>/dev/null)
before=$(sha256sum "$V" | cut -d' ' -f1)
run dsr request close "$C" --outcome denied --reason "could not verify"
expect_rc 2 "a denial without --code"
expect_err "insuf_verification" "lists the codes"
run dsr request close "$C" --outcome denied --reason "could not verify" --code bogus
expect_rc 2 "an unknown code"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "refused closes change nothing" test "$before" = "$after"
run dsr request close "$C" --outcome denied --reason "could not verify" --code insuf_verification --json
expect_rc 0 "a denial with its code"
check "the code is kept" test "$(jget "$OUT" 'd["denial_code"]')" = insuf_verification
dsr request open ghost@example.com --type erasure --law ccpa >/dev/null 2>&1
run dsr report requests --json
check "the report counts denials by code" test "$(jget "$OUT" 'd["total"]["denial_codes"]')" = "{'insuf_verification': 1}"
check "and requests that still name no one" test "$(jget "$OUT" 'd["total"]["unlinked"]')" = 1

# A third access request by one person within 12 months is flagged (it may be denied: too_many_requests).
run dsr request open carol@example.com --type access --law gdpr --received 2026-01-15 --json
check "a second access request is not flagged" test "$(jget "$OUT" 'd["frequent"]')" = False
run dsr request open carol@example.com --type access --law gdpr --json
check "the third within 12 months is" test "$(jget "$OUT" 'd["frequent"]')" = True
F=$(jget "$OUT" 'd["id"]')
run dsr request open carol@example.com --type access --law gdpr
expect_err "access request number 4 .* too_many_requests" "the message says so and names the code"
run dsr request show "$F" --json
check "show flags it too" test "$(jget "$OUT" 'd["frequent"]')" = True
check "its history counts, never names" test "$(jget "$OUT" 'd["history"][0]["detail"]["frequent"]')" = 3
# Under another law the statement cites that law, never the GDPR (a CCPA request to know).
RQC=$(dsr request open ccpa-stranger@example.com --type access --law ccpa --received 2026-01-30 2>/dev/null)
run dsr request show "$RQC" --json
check "a CCPA stranger's answer: nothing is held" test "$(jget "$OUT" 'd["answer"]["held"]')" = nothing
check "and its statement cites no GDPR article" test "$(jget "$OUT" '"GDPR" in d["answer"]["statement"]')" = False
RQV=$(dsr request open va-stranger@example.com --type access --law vcdpa --received 2026-01-30 2>/dev/null)
run dsr request show "$RQV" --json
check "a VCDPA stranger's statement cites Virginia's right to confirm" test "$(jget "$OUT" '"Va. Code 59.1-577(A)(1)" in d["answer"]["statement"]')" = True
finish
