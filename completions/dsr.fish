# fish completion for dsr(1)
set -l commands init info check register show find list correct export deactivate reactivate delete disclose disclosures recipients hold audit request report policy choice contacts inventory holidays batch import retention key rekey backup restore
complete -c dsr -f
complete -c dsr -l db -r -F -d 'Vault file'
complete -c dsr -l key-file -r -F -d 'Unlock with a key file'
complete -c dsr -l passphrase-file -r -F -d 'Passphrase from the first line of FILE'
complete -c dsr -l passphrase-fd -x -d 'Passphrase from file descriptor N'
complete -c dsr -l passphrase-command -x -d 'Passphrase from the first line a command prints'
complete -c dsr -l slot -x -d 'Try only this key slot'
complete -c dsr -l lock-timeout -x -d 'Seconds to wait for the lock'
complete -c dsr -l json -d 'One JSON document on stdout'
complete -c dsr -s q -l quiet -d 'Only errors'
complete -c dsr -l no-input -d 'Never prompt'
complete -c dsr -l no-color -d 'Plain output'
complete -c dsr -s y -l yes -d 'Answer yes to confirmations'
complete -c dsr -l version -d 'Print the version'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a init -d 'Create a new vault'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a info -d 'Path, format, slots, counts'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a check -d 'Authenticate every page'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a register -d 'Register a data subject'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a show -d 'Show one subject'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a find -d 'Find subjects'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a list -d 'List subjects'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a correct -d 'Correct or update values'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a export -d 'Access package as JSON'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a deactivate -d 'Restrict a subject'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a reactivate -d 'Lift a restriction'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a delete -d 'Erase a subject'
complete -c dsr -n '__fish_seen_subcommand_from init' -l new-key-file -r -F -d 'Generate a key file'
complete -c dsr -n '__fish_seen_subcommand_from init' -l name -x -d 'Slot name'
complete -c dsr -n '__fish_seen_subcommand_from init' -l kdf -x -a 'interactive moderate sensitive'
complete -c dsr -n '__fish_seen_subcommand_from register' -l email -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l name -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l username -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l phone -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l address -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l zip -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l contact-preference -x -a 'email phone'
complete -c dsr -n '__fish_seen_subcommand_from register' -l interest -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l account-type -x -a 'individual corporate'
complete -c dsr -n '__fish_seen_subcommand_from register' -l card-number -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l card-expiry -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l card-token -x
complete -c dsr -n '__fish_seen_subcommand_from register' -l attr -x
complete -c dsr -n '__fish_seen_subcommand_from register correct' -l source -x
complete -c dsr -n '__fish_seen_subcommand_from find list' -l format -x -a 'table json ndjson csv'
complete -c dsr -n '__fish_seen_subcommand_from find list' -l limit -x
complete -c dsr -n '__fish_seen_subcommand_from list' -l status -x -a 'active deactivated erased all'
complete -c dsr -n '__fish_seen_subcommand_from list' -l offset -x
complete -c dsr -n '__fish_seen_subcommand_from correct' -l set -x
complete -c dsr -n '__fish_seen_subcommand_from correct' -l unset -x -a 'name email username phone address zip contact_preference interests account_type card_number card_expiry card_token'
complete -c dsr -n '__fish_seen_subcommand_from export' -s o -l output -r -F
complete -c dsr -n '__fish_seen_subcommand_from deactivate delete' -l reason -x
complete -c dsr -n '__fish_seen_subcommand_from delete' -s n -l dry-run -d 'Show what would be erased'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a disclose -d 'Log a disclosure'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a disclosures -d 'Accounting of disclosures'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a recipients -d 'Recipients of a subject'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a hold -d 'Legal holds'
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l subjects-file -r -F
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l recipient -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l recipient-type -x -a 'processor authority partner acquirer other'
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l recipient-address -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l categories -x -a 'identity contact billing payment survey supplemental preferences'
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l purpose -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l basis -x -a 'legal-obligation contract consent legitimate-interests vital-interests public-task'
complete -c dsr -n '__fish_seen_subcommand_from disclose hold' -l reference -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l date -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l withhold-until -x
complete -c dsr -n '__fish_seen_subcommand_from disclose' -l rules -d 'Print the sharing rules'
complete -c dsr -n '__fish_seen_subcommand_from disclosures' -l since -x
complete -c dsr -n '__fish_seen_subcommand_from disclosures recipients hold' -l format -x -a 'table json ndjson csv'
complete -c dsr -n '__fish_seen_subcommand_from hold; and not __fish_seen_subcommand_from place release list' -a 'place release list'
complete -c dsr -n '__fish_seen_subcommand_from hold' -l reason -x
complete -c dsr -n '__fish_seen_subcommand_from register correct export deactivate reactivate delete' -l request -x -d 'Record against request ID'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a request -d 'Requests with deadlines'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a report -d 'Reports'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a policy -d 'Policy versions'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a choice -d 'Choice about new uses'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a contacts -d 'Whom to tell, by preferred contact'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a inventory -d 'Record of processing'
complete -c dsr -n '__fish_seen_subcommand_from request; and not __fish_seen_subcommand_from open list show verify acknowledge start extend appeal appeal-decision pause resume link close' -a 'open list show verify acknowledge start extend appeal appeal-decision pause resume link close'
complete -c dsr -n '__fish_seen_subcommand_from request' -l email -x -d 'Claimed email'
complete -c dsr -n '__fish_seen_subcommand_from request' -l phone -x -d 'Claimed phone'
complete -c dsr -n '__fish_seen_subcommand_from request' -l name -x -d 'Claimed name'
complete -c dsr -n '__fish_seen_subcommand_from request' -l duplicate-of -x -d 'Duplicate of request ID'
complete -c dsr -n '__fish_seen_subcommand_from request' -l code -x -a 'suspected_fraud insuf_verification no_match claim_not_covered outside_jurisdiction too_many_requests other'
complete -c dsr -n '__fish_seen_subcommand_from request holidays' -l jurisdiction -x -d 'ISO 3166 code or EU'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a holidays -d 'Public holidays by jurisdiction'
complete -c dsr -n '__fish_seen_subcommand_from holidays; and not __fish_seen_subcommand_from import list' -a 'import list'
complete -c dsr -n '__fish_seen_subcommand_from holidays' -l format -x -a 'table json ndjson csv'
complete -c dsr -n '__fish_seen_subcommand_from request' -l type -x -a 'access rectification erasure restriction portability objection opt-out'
complete -c dsr -n '__fish_seen_subcommand_from request report' -l law -x -a 'gdpr uk-gdpr ccpa lgpd pipeda vcdpa cpa ctdpa hipaa-access hipaa-accounting'
complete -c dsr -n '__fish_seen_subcommand_from request' -l received -x
complete -c dsr -n '__fish_seen_subcommand_from request' -l channel -x -a 'email phone mail web in-person'
complete -c dsr -n '__fish_seen_subcommand_from request' -l verified -d 'Identity verified at intake'
complete -c dsr -n '__fish_seen_subcommand_from request' -l overdue -d 'Only overdue requests'
complete -c dsr -n '__fish_seen_subcommand_from request' -l due-within -x
complete -c dsr -n '__fish_seen_subcommand_from request' -l status -x -a 'received verified in_progress fulfilled denied cancelled open closed all'
complete -c dsr -n '__fish_seen_subcommand_from request' -l subject -x
complete -c dsr -n '__fish_seen_subcommand_from request' -l reason -x
complete -c dsr -n '__fish_seen_subcommand_from request' -l outcome -x -a 'fulfilled denied cancelled granted'
complete -c dsr -n '__fish_seen_subcommand_from request policy contacts' -l format -x -a 'table json ndjson csv'
complete -c dsr -n '__fish_seen_subcommand_from report; and not __fish_seen_subcommand_from requests' -a requests
complete -c dsr -n '__fish_seen_subcommand_from report' -l from -x
complete -c dsr -n '__fish_seen_subcommand_from report' -l to -x
complete -c dsr -n '__fish_seen_subcommand_from report' -l format -x -a 'table json csv'
complete -c dsr -n '__fish_seen_subcommand_from policy; and not __fish_seen_subcommand_from add list affected' -a 'add list affected'
complete -c dsr -n '__fish_seen_subcommand_from policy' -l effective -x
complete -c dsr -n '__fish_seen_subcommand_from policy' -l material -d 'A material change'
complete -c dsr -n '__fish_seen_subcommand_from policy' -l summary -x
complete -c dsr -n '__fish_seen_subcommand_from policy' -l purpose -x
complete -c dsr -n '__fish_seen_subcommand_from choice' -l new-uses -x -a 'accept decline'
complete -c dsr -n '__fish_seen_subcommand_from contacts' -l purpose -x -a 'service-announcement policy-change business-transition'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a audit -d 'The audit trail'
complete -c dsr -n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from log verify' -a 'log verify'
complete -c dsr -n '__fish_seen_subcommand_from audit' -l subject -x
complete -c dsr -n '__fish_seen_subcommand_from audit' -l actor -x
complete -c dsr -n '__fish_seen_subcommand_from audit' -l since -x
complete -c dsr -n '__fish_seen_subcommand_from audit' -l limit -x
complete -c dsr -n '__fish_seen_subcommand_from audit' -l format -x -a 'table json ndjson csv'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a batch -d 'NDJSON operations, one result per line'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a import -d 'Register subjects from CSV'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a retention -d 'Retention rules and cleanup'
complete -c dsr -n '__fish_seen_subcommand_from batch import' -l atomic -d 'All or nothing'
complete -c dsr -n '__fish_seen_subcommand_from batch import' -l chunk -x -d 'Lines per transaction'
complete -c dsr -n '__fish_seen_subcommand_from batch import' -F
complete -c dsr -n '__fish_seen_subcommand_from import' -l format -x -a 'summary ndjson'
complete -c dsr -n '__fish_seen_subcommand_from batch import retention' -s n -l dry-run -d 'Keep nothing'
complete -c dsr -n '__fish_seen_subcommand_from retention; and not __fish_seen_subcommand_from show set run' -a 'show set run'
complete -c dsr -n '__fish_seen_subcommand_from retention; and __fish_seen_subcommand_from set' -a 'deactivated_subjects disclosure_records request_records suppression_hashes tombstones audit_trail'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a key -d 'Key slots'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a rekey -d 'New data key, every page re-encrypted'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a backup -d 'Verified encrypted backup'
complete -c dsr -n "not __fish_seen_subcommand_from $commands" -a restore -d 'Restore a backup into a new --db'
complete -c dsr -n '__fish_seen_subcommand_from key; and not __fish_seen_subcommand_from add list remove passwd' -a 'add list remove passwd'
complete -c dsr -n '__fish_seen_subcommand_from key' -l role -x -a 'admin support billing auditor'
complete -c dsr -n '__fish_seen_subcommand_from key' -l new-key-file -r -F -d 'Generate a key file for the new slot'
complete -c dsr -n '__fish_seen_subcommand_from key' -l new-passphrase-file -r -F -d 'The new passphrase, first line of FILE'
complete -c dsr -n '__fish_seen_subcommand_from key' -l kdf -x -a 'interactive moderate sensitive'
complete -c dsr -n '__fish_seen_subcommand_from key' -l format -x -a 'table json ndjson csv'
complete -c dsr -n '__fish_seen_subcommand_from key rekey' -s n -l dry-run -d 'Change nothing'
complete -c dsr -n '__fish_seen_subcommand_from backup' -l verify -d 'Check an existing backup'
complete -c dsr -n '__fish_seen_subcommand_from backup restore' -F
