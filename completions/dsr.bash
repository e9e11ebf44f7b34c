# bash completion for dsr(1)
_dsr() {
  local cur prev words cword
  _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  local globals="--db --key-file --passphrase-file --passphrase-fd --slot --lock-timeout --json -q --quiet --no-input --no-color -y --yes --help --version"
  local commands="init info check register show find list correct export deactivate reactivate delete disclose disclosures recipients hold"
  local -A opts=(
    [init]="--new-key-file --name --kdf"
    [info]="" [check]=""
    [register]="--email --name --username --phone --address --zip --contact-preference --interest --account-type --card-number --card-expiry --card-token --attr --source"
    [show]="" [find]="--limit --format"
    [list]="--status --format --limit --offset"
    [correct]="--set --unset --source"
    [export]="-o --output"
    [deactivate]="--reason" [reactivate]=""
    [delete]="--reason -n --dry-run"
    [disclose]="--subjects-file --recipient --recipient-type --recipient-address --categories --purpose --basis --reference --date --withhold-until --rules"
    [disclosures]="--since --format" [recipients]="--format"
    [hold]="place release list --reason --reference --format"
  )
  case $prev in
    --db|--key-file|--passphrase-file|--new-key-file|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "table json ndjson csv" -- "$cur")); return ;;
    --status) COMPREPLY=($(compgen -W "active deactivated erased all" -- "$cur")); return ;;
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
  fi
}
complete -F _dsr dsr
