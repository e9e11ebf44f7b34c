#!/usr/bin/env bash
# End-to-end: requests read from other systems' documents (request open
# --from-file --format drp|opendsr) and their status objects (request show
# --format drp|opendsr). The documents in tests/e2e/data/intake/ were written
# from the Data Rights Protocol 1.0 and OpenDSR specifications
# (make_fixtures.py there; DRP requests signed with a test agent key). The
# clock is fixed at 2026-02-02 (DSR_TODAY).
. "$(dirname "$0")/lib.sh"
new_vault intake
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02
D="$DSR_SRC/tests/e2e/data/intake"
dsr register --email dana@example.com --name "Dana Diaz" >/dev/null 2>&1
drp() { run dsr request open --from-file "$D/$1" --format drp --business-id acme "${@:2}"; }

# A signed DRP access request, checked with the agent's key.
drp drp-access.b64 --agent-key "$D/agent.pub" --json
expect_rc 0 "a signed DRP request with the agent's key"
check "opened for the subject with that email" test "$(jget "$OUT" 'd["identity"]["linked"]')" = True
check "an access request under the CCPA, received today" test "$(jget "$OUT" '(d["type"], d["law"], d["received"], d["due"])')" = "('access', 'ccpa', '2026-02-02', '2026-03-19')"
check "the intake is in the history: verified, with the agent's ids" test "$(jget "$OUT" '[(e["detail"]["signature"], e["detail"]["sender"], e["detail"]["external_id"]) for e in d["history"] if e["event"]=="intake"]')" = "[('verified', 'consumer-agent', 'ar-1001')]"
check "the history holds no claimed value" bash -c "! printf '%s' \"\$1\" | grep -q 'dana@example.com'" _ "$(jget "$OUT" 'd["history"]')"
R=$(jget "$OUT" 'd["id"]')

run dsr request show "$R" --format drp
expect_rc 0 "the DRP status object"
check "status open (not yet acknowledged), with our id and the agent's" test "$(jget "$OUT" '(d["request_id"], d["agent_request_id"], d["status"], d["expected_by"])')" = "('$R', 'ar-1001', 'open', '2026-03-19T23:59:59Z')"
check "received_at is an ISO 8601 time of today" bash -c "printf '%s' \"\$1\" | grep -q '\"received_at\": *\"2026-02-02T'" _ "$OUT"
dsr request acknowledge "$R" >/dev/null 2>&1
dsr request extend "$R" --reason 'records in an archive' >/dev/null 2>&1
run dsr request show "$R" --format drp
check "acknowledged: in_progress, the extension given as processing_details" test "$(jget "$OUT" '(d["status"], d["expected_by"], d["processing_details"])')" = "('in_progress', '2026-05-03T23:59:59Z', 'extended on 2026-02-02 to 2026-05-03: records in an archive')"
run dsr request show "$R" --format opendsr
expect_rc 2 "an OpenDSR status of a DRP request is a usage error"

# The same document again is refused, and changes nothing.
drp drp-access.b64 --agent-key "$D/agent.pub"
expect_rc 4 "the same DRP request twice is a conflict"
expect_err "already read as $R" "naming the request"
count() { dsr request list --status all --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
n_before=$(count)

# Rejected documents: exit codes per dsr(1); no request is opened. The refusals
# (exit 7) are attempts worth an audit entry; the usage errors leave the vault
# as it was.
drp drp-tampered.b64 --agent-key "$D/agent.pub"
expect_rc 7 "a bad signature is refused"
expect_err "signature does not verify" "saying so"
drp drp-access.b64 --agent-key "$D/other.pub"
expect_rc 7 "another agent's key is refused"
drp drp-expired.b64 --agent-key "$D/agent.pub"
expect_rc 7 "an expired request is refused"
expect_err "expired at 2026-02-01T10:00:00Z" "naming its expiry"
drp drp-other-business.b64 --agent-key "$D/agent.pub"
expect_rc 7 "a request for another business is refused"
run dsr audit log --json
check "each refused document has its audit entry" test "$(jget "$OUT" 'len([e for e in d if e["command"]=="request intake" and e["outcome"]=="refused"])')" = 4
before=$(sha256sum "$V" | cut -d' ' -f1)
drp drp-unknown-right.b64 --agent-key "$D/agent.pub"
expect_rc 2 "an unknown right is a usage error"
expect_err 'unknown right "sale:sell-more"' "naming it"
drp drp-no-identity.b64 --agent-key "$D/agent.pub"
expect_rc 2 "a request with no identity is a usage error"
expect_err "no identity" "saying so"
drp drp-voluntary.b64 --agent-key "$D/agent.pub"
expect_rc 2 "a voluntary request (no regime) needs --law"
expect_err "give --law" "saying so"
printf 'not base64 at all!\n' >"$TMP/junk"
drp junk
expect_rc 3 "a missing file"
run dsr request open --from-file "$TMP/junk" --format drp --business-id acme
expect_rc 2 "neither JSON nor base64"
run dsr request open --from-file "$D/drp-access.b64" --format drp
expect_rc 2 "DRP without --business-id"
expect_err "business-id" "naming the option"
run dsr request open --from-file "$D/drp-access.b64" --format drp --business-id acme --type access
expect_rc 2 "--type with --from-file"
run dsr request open --from-file "$D/drp-access.b64"
expect_rc 2 "--from-file without --format"
printf 'zz\n' >"$TMP/bad.pub"
run dsr request open --from-file "$D/drp-opt-out.b64" --format drp --business-id acme --agent-key "$TMP/bad.pub"
expect_rc 2 "a key file that holds no key"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "documents refused as usage errors leave the vault unchanged" test "$before" = "$after"
drp drp-deletion.json --agent-key "$D/agent.pub"
expect_rc 7 "plain JSON when a key asks for a signature is refused"
check "no request was opened by any rejected document" test "$(count)" = "$n_before"

# Without the agent's key the signature is not checked, and that is said and recorded.
drp drp-opt-out.b64 --json
expect_rc 0 "a signed request without the key"
expect_err "signature was not checked" "says the signature was not checked"
check "an opt-out (no verification needed under the CCPA)" test "$(jget "$OUT" '(d["type"], d["status"])')" = "('opt-out', 'verified')"
check "recorded as unverified" test "$(jget "$OUT" '[e["detail"]["signature"] for e in d["history"] if e["event"]=="intake"]')" = "['unverified']"
drp drp-voluntary.b64 --law ccpa --json
expect_rc 0 "a voluntary request with --law"
drp drp-voluntary.b64 --law gdpr
expect_rc 4 "read once only, whatever --law says"
drp drp-deletion.json --json
expect_rc 0 "an unsigned JSON request (no key given)"
check "a deletion becomes an erasure request on the claimed phone" test "$(jget "$OUT" '(d["type"], d["identity"]["claimed"], d["identity"]["linked"])')" = "('erasure', ['phone'], False)"
P=$(jget "$OUT" 'd["id"]')
dsr request close "$P" --outcome denied --code no_match --reason 'no customer with that phone' >/dev/null 2>&1
run dsr request show "$P" --format drp
check "denied, with the code as reason" test "$(jget "$OUT" '(d["status"], d["reason"], d["processing_details"])')" = "('denied', 'no_match', 'no customer with that phone')"

# OpenDSR: a controller's erasure request.
run dsr request open --from-file "$D/opendsr-erasure.json" --format opendsr --controller-id ctrl-7 --json
expect_rc 0 "an OpenDSR request"
check "an erasure under the GDPR, received when the subject asked (30 January, +01:00)" test "$(jget "$OUT" '(d["type"], d["law"], d["received"], d["due"])')" = "('erasure', 'gdpr', '2026-01-30', '2026-03-02')"
check "the hashed device id is noted as unused" test "$(jget "$OUT" '[e["detail"].get("unused_identities") for e in d["history"] if e["event"]=="intake"]')" = "[['android_advertising_id/sha256']]"
O=$(jget "$OUT" 'd["id"]')
run dsr request show "$O" --format opendsr
expect_rc 0 "the OpenDSR status object"
check "pending, with the controller's ids" test "$(jget "$OUT" '(d["controller_id"], d["subject_request_id"], d["request_status"], d["expected_completion_time"], d["api_version"])')" = "('ctrl-7', 'a7551968-d5d6-44b2-9831-815ac9017798', 'pending', '2026-03-02T23:59:59Z', '1.0')"
dsr request verify "$O" >/dev/null 2>&1
dsr request close "$O" --outcome fulfilled >/dev/null 2>&1
run dsr request show "$O" --format opendsr
check "completed once fulfilled" test "$(jget "$OUT" 'd["request_status"]')" = completed
run dsr request show "$R" --format drp -q
expect_rc 0 "-q keeps the status object (a result)"
run dsr request open --from-file "$D/opendsr-erasure.json" --format opendsr --controller-id ctrl-7
expect_rc 4 "the same OpenDSR request twice"
before=$(sha256sum "$V" | cut -d' ' -f1)
for f in opendsr-hashed-only.json opendsr-no-identities.json opendsr-rectification.json opendsr-bad-uuid.json; do
  run dsr request open --from-file "$D/$f" --format opendsr --controller-id ctrl-7
  expect_rc 2 "$f is refused as a usage error"
done
run dsr request open --from-file "$D/opendsr-erasure.json" --format opendsr
expect_rc 2 "OpenDSR without --controller-id"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "rejected OpenDSR documents leave the vault unchanged" test "$before" = "$after"
run dsr request show req_1 --format drp
expect_rc 0 "req_1 is the DRP one"
run dsr audit log --json
expect_no_out "dana@example.com|erin@example.com|Dana Diaz" "the audit trail holds no identity from the documents"

finish
