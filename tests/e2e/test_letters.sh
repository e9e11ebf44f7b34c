#!/usr/bin/env bash
# End-to-end: letters to requesters (dsr letter) from the default templates and
# from templates kept in the vault (dsr template), compared byte for byte with
# the golden files in tests/e2e/data/letters/ (the clock fixed with DSR_TODAY).
# Each letter is recorded in the request's history; the requester's name and
# email appear in the letter, never in the history or the audit trail.
# DSR_UPDATE_GOLDEN=1 rewrites the golden files instead (then review the diff).
. "$(dirname "$0")/lib.sh"
new_vault letters
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02
G="$DSR_SRC/tests/e2e/data/letters"

# golden NAME: stdout of the last run is the golden file NAME, byte for byte.
golden() {
  if [ "${DSR_UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/out" "$G/$1"; ok; return; fi
  if cmp -s "$TMP/out" "$G/$1"; then ok; else bad "$1 differs from the golden file"; diff "$G/$1" "$TMP/out" | head -20 >&2; fi
}

dsr register --email alice@example.com --name "Alice O'Hara & <Co>" >/dev/null 2>&1
dsr request open alice@example.com --type access --law gdpr --received 2026-01-30 --channel email >/dev/null 2>&1

run dsr letter req_1 --kind ack
expect_rc 0 "an acknowledgement letter"
golden ack-gdpr.txt
expect_out "^Dear Alice O'Hara & <Co>,$" "addressed to the subject by name (text: as is)"
expect_out "will answer by 2026-03-02" "with the due date"
expect_out "the supervisory authority of the Member State" "and the regulator"

run dsr letter req_1 --kind extend
expect_rc 4 "an extension letter for a request not extended is a conflict"
expect_err "was not extended" "that says why"

dsr request extend req_1 --reason 'records in three systems & an archive <2019>' >/dev/null 2>&1
run dsr letter req_1 --kind extend --format html
expect_rc 0 "an extension letter in HTML"
golden extend-gdpr.html
expect_out "Alice O&#39;Hara &amp; &lt;Co&gt;" "the name HTML-escaped"
expect_out "three systems &amp; an archive &lt;2019&gt;" "the reason HTML-escaped"
expect_no_out "<Co>|<2019>" "nothing filled in raw"
expect_out "will answer by 2026-04-30" "with the extended due date (three months from 30 January)"

# A denial under the VCDPA, its appeal and the decision.
dsr request open alice@example.com --type erasure --law vcdpa --received 2026-01-05 >/dev/null 2>&1
dsr request close req_2 --outcome denied --code insuf_verification --reason 'the email on file did not answer' >/dev/null 2>&1
run dsr letter req_2 --kind deny
expect_rc 0 "a denial letter"
golden deny-vcdpa.txt
expect_out "insuf_verification" "with the denial code"
expect_out "appeal this decision" "and the appeal the law gives"
expect_out "the Virginia Attorney General" "and the regulator"
dsr request appeal req_2 --received 2026-02-02 >/dev/null 2>&1
run dsr letter req_2 --kind appeal-decision
expect_rc 4 "an appeal-decision letter before the decision is a conflict"
dsr request appeal-decision req_2 --outcome denied --reason 'the exemption for fraud prevention applies' >/dev/null 2>&1
run dsr letter req_2 --kind appeal-decision
expect_rc 0 "an appeal-decision letter"
golden appeal-decision-vcdpa.txt
expect_out "Your appeal is denied" "it tells the outcome"
expect_out "you may contact the Virginia Attorney General" "and whom to contact"

# Someone not in the vault: the claimed name and email, and "nothing is held".
dsr request open --email sam@example.net --name "Sam Stranger" --type access --law ccpa --received 2026-01-20 >/dev/null 2>&1
dsr request verify req_3 >/dev/null 2>&1
dsr request close req_3 --outcome fulfilled >/dev/null 2>&1
run dsr letter req_3 --kind complete --format html
expect_rc 0 "a completion letter to a claimed identity"
golden complete-ccpa-stranger.html
expect_out "Dear Sam Stranger," "addressed by the claimed name"
expect_out "No personal data is held" "with the answer: nothing is held"
run dsr letter req_3 --kind deny
expect_rc 4 "a denial letter for a fulfilled request is a conflict"

# -o: a new private file, never one that exists. (Since the extension the
# acknowledgement gives the extended due date.)
run dsr letter req_1 --kind ack
cp "$TMP/out" "$TMP/ack-stdout.txt"
expect_out "will answer by 2026-04-30" "a letter tells the due date in force"
run dsr letter req_1 --kind ack -o "$TMP/ack.txt"
expect_rc 0 "a letter to a file"
expect_err "wrote the ack letter for req_1" "says where"
check "the file is the letter stdout gets" cmp -s "$TMP/ack.txt" "$TMP/ack-stdout.txt"
check "mode 0600" test "$(stat -c %a "$TMP/ack.txt")" = 600
run dsr letter req_1 --kind ack -o "$TMP/ack.txt"
expect_rc 4 "an existing file is not overwritten"

# Bad input.
run dsr letter req_1 --kind thanks
expect_rc 2 "an unknown kind"
run dsr letter req_9 --kind ack
expect_rc 3 "an unknown request"
run dsr letter req_1 --kind ack --format pdf
expect_rc 2 "an unknown format"

# The history records each letter (kind, format, template), never its text.
run dsr request show req_1 --json
check "four letters recorded for req_1 (the refused ones are not)" test "$(jget "$OUT" '[(e["detail"]["kind"], e["detail"]["format"], e["detail"]["template"]) for e in d["history"] if e["event"]=="letter"]')" = "[('ack', 'text', 'default'), ('extend', 'html', 'default (text)'), ('ack', 'text', 'default'), ('ack', 'text', 'default')]"
run dsr request show req_1
expect_out "letter  .*kind=ack" "request show lists the letters"
run dsr request show req_3 --json
check "the history holds no name or email" bash -c "! printf '%s' \"\$1\" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d[\"history\"]))' | grep -Eq 'Sam|sam@|Alice|alice@'" _ "$OUT"
run dsr audit log --json
expect_rc 0 "the audit log"
expect_no_out "Alice|alice@|Sam Stranger|sam@example" "the audit trail holds no name or email"
expect_out '"command": ?"letter"' "letters are audited"

# Templates: the defaults, a template of the vault's own, back to the default.
run dsr template list --json
check "ten templates (5 kinds x 2 formats), all defaults (html from the text one)" test "$(jget "$OUT" '(len(d), sorted(set((t["format"], t["source"]) for t in d)))')" = "(10, [('html', 'default (text)'), ('text', 'default')])"
run dsr template show deny
expect_rc 0 "template show"
expect_out "\{\{regulator\}\}" "prints the default with its fields"
expect_err "the default deny template" "and says which it is"
printf 'Request {{request_id}} denied on {{closed_on}}: {{close_reason}}.\n{{#can_appeal}}\nAppeal within {{appeal_period}}.\n{{/can_appeal}}\nComplain to {{regulator}}.\n' >"$TMP/deny.txt"
run dsr template set deny "$TMP/deny.txt"
expect_rc 0 "set a template"
run dsr letter req_2 --kind deny
expect_rc 0 "a letter from the vault's template"
golden deny-vcdpa-custom.txt
run dsr request show req_2 --json
check "the history says the vault's template was used" test "$(jget "$OUT" '[e["detail"]["template"] for e in d["history"] if e["event"]=="letter"][-1]')" = vault
printf '<p>Dear {{name}}</p>\n<p>{{close_reason}}</p>\n' >"$TMP/deny.html"
run dsr template set deny "$TMP/deny.html" --format html
expect_rc 0 "set an HTML template"
dsr request open alice@example.com --type access --law ccpa --received 2026-01-26 >/dev/null 2>&1
dsr request close req_4 --outcome denied --code other --reason 'see <attached> & "signed" letter' >/dev/null 2>&1
run dsr letter req_4 --kind deny --format html
expect_rc 0 "an HTML letter from an HTML template"
check "its values escaped, its markup kept" test "$OUT" = "$(printf '<p>Dear Alice O&#39;Hara &amp; &lt;Co&gt;</p>\n<p>see &lt;attached&gt; &amp; &quot;signed&quot; letter</p>')"
before=$(sha256sum "$V" | cut -d' ' -f1)
printf 'Hello {{nmae}}\n' >"$TMP/typo.txt"
run dsr template set ack "$TMP/typo.txt"
expect_rc 2 "an unknown field"
expect_err 'line 1: no field "nmae"' "names the line and the field"
printf 'one\n{{#can_appeal}}\nAppeal.\n' >"$TMP/open.txt"
run dsr template set ack "$TMP/open.txt"
expect_rc 2 "a section not closed"
expect_err "line 2: section \{\{#can_appeal\}\} is not closed" "names where it opened"
printf '{{#name}}x{{/email}}\n' >"$TMP/cross.txt"
run dsr template set ack "$TMP/cross.txt"
expect_rc 2 "sections closed out of order"
run dsr template set ack "$TMP/none.txt"
expect_rc 3 "a missing file"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "refused templates leave the vault unchanged" test "$before" = "$after"
run dsr template list --json
check "two templates are the vault's" test "$(jget "$OUT" 'sorted((t["kind"], t["format"]) for t in d if t["source"]=="vault")')" = "[('deny', 'html'), ('deny', 'text')]"
run dsr template reset deny
expect_rc 0 "reset the text template"
run dsr template reset deny
expect_rc 0 "a second reset is not an error"
expect_err "no text template of deny letters was set" "but says so"
run dsr letter req_2 --kind deny
golden deny-vcdpa.txt
run dsr template fields --json
check "the fields are listed" test "$(jget "$OUT" '"regulator" in [f["field"] for f in d]')" = True

finish
