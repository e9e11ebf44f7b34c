# bash completion for dsr(1)
_dsr() {
  local cur prev words cword
  _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  local globals="--db --key-file --passphrase-file --passphrase-fd --passphrase-command --slot --lock-timeout --json -q --quiet --no-input --no-color -y --yes --help --version"
  local commands="init info check register show find list correct export deactivate reactivate delete disclose disclosures recipients hold audit request report policy choice contacts inventory holidays batch import retention key rekey backup restore"
  local -A opts=(
    [init]="--new-key-file --name --kdf"
    [info]="" [check]=""
    [register]="--email --name --username --phone --address --zip --contact-preference --interest --account-type --card-number --card-expiry --card-token --attr --source --request"
    [show]="" [find]="--limit --format"
    [list]="--status --format --limit --offset"
    [correct]="--set --unset --source --request"
    [export]="-o --output --request"
    [deactivate]="--reason --request" [reactivate]="--request"
    [delete]="--reason -n --dry-run --request"
    [disclose]="--subjects-file --recipient --recipient-type --recipient-address --categories --purpose --basis --reference --date --withhold-until --rules"
    [disclosures]="--since --format" [recipients]="--format"
    [hold]="place release list --reason --reference --format"
    [audit]="log verify --subject --actor --since --limit --format"
    [request]="open list show verify acknowledge start extend appeal appeal-decision pause resume link close --type --law --received --channel --verified --email --phone --name --jurisdiction --duplicate-of --overdue --due-within --status --subject --format --reason --outcome --code"
    [holidays]="import list --jurisdiction --format"
    [report]="requests --from --to --law --format"
    [policy]="add list affected --effective --material --summary --purpose --format"
    [choice]="--new-uses" [contacts]="--purpose --format" [inventory]=""
    [batch]="--atomic --chunk -n --dry-run"
    [import]="-n --dry-run --atomic --chunk --format"
    [retention]="show set run -n --dry-run"
    [key]="add list remove passwd --role --new-key-file --new-passphrase-file --kdf --format -n --dry-run"
    [rekey]="-n --dry-run" [backup]="--verify" [restore]=""
  )
  case $prev in
    --db|--key-file|--passphrase-file|--new-key-file|--new-passphrase-file|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --role) COMPREPLY=($(compgen -W "admin support billing auditor" -- "$cur")); return ;;
    --format) if [[ " ${words[*]} " == *" import "* ]]; then COMPREPLY=($(compgen -W "summary ndjson" -- "$cur"))
              else COMPREPLY=($(compgen -W "table json ndjson csv" -- "$cur")); fi; return ;;
    set) [[ " ${words[*]} " == *" retention "* ]] && { COMPREPLY=($(compgen -W "deactivated_subjects disclosure_records request_records suppression_hashes tombstones audit_trail" -- "$cur")); return; } ;;
    --status) if [[ " ${words[*]} " == *" request "* ]]; then
                COMPREPLY=($(compgen -W "received verified in_progress fulfilled denied cancelled open closed all" -- "$cur"))
              else COMPREPLY=($(compgen -W "active deactivated erased all" -- "$cur")); fi; return ;;
    --type) COMPREPLY=($(compgen -W "access rectification erasure restriction portability objection opt-out" -- "$cur")); return ;;
    --law) COMPREPLY=($(compgen -W "gdpr uk-gdpr ccpa lgpd pipeda vcdpa cpa ctdpa hipaa-access hipaa-accounting" -- "$cur")); return ;;
    --code) COMPREPLY=($(compgen -W "suspected_fraud insuf_verification no_match claim_not_covered outside_jurisdiction too_many_requests other" -- "$cur")); return ;;
    --channel) COMPREPLY=($(compgen -W "email phone mail web in-person" -- "$cur")); return ;;
    --outcome) if [[ " ${words[*]} " == *" appeal-decision "* ]]; then COMPREPLY=($(compgen -W "granted denied" -- "$cur"))
               else COMPREPLY=($(compgen -W "fulfilled denied cancelled" -- "$cur")); fi; return ;;
    --new-uses) COMPREPLY=($(compgen -W "accept decline" -- "$cur")); return ;;
    --purpose) [[ " ${words[*]} " == *" contacts "* ]] && COMPREPLY=($(compgen -W "service-announcement policy-change business-transition" -- "$cur")); return ;;
    --recipient-type) COMPREPLY=($(compgen -W "processor authority partner acquirer other" -- "$cur")); return ;;
    --basis) COMPREPLY=($(compgen -W "legal-obligation contract consent legitimate-interests vital-interests public-task" -- "$cur")); return ;;
    --categories) COMPREPLY=($(compgen -W "identity contact billing payment survey supplemental preferences" -- "$cur")); return ;;
    --subjects-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --kdf) COMPREPLY=($(compgen -W "interactive moderate sensitive" -- "$cur")); return ;;
    --contact-preference) COMPREPLY=($(compgen -W "email phone" -- "$cur")); return ;;
    --account-type) COMPREPLY=($(compgen -W "individual corporate" -- "$cur")); return ;;
    --set|--unset) COMPREPLY=($(compgen -W "name email username phone address zip contact_preference interests account_type card_number card_expiry card_token" -- "$cur")); return ;;
  esac
  local cmd="" w
  for w in "${words[@]:1:cword-1}"; do
    [[ " $commands " == *" $w "* ]] && { cmd=$w; break; }
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "${opts[$cmd]} $globals" -- "$cur"))
    # backup FILE, restore FILE: the file itself
    [[ ($cmd == backup || $cmd == restore) && $cur != -* ]] && COMPREPLY+=($(compgen -f -- "$cur"))
  fi
}
complete -F _dsr dsr
