# bash completion for dsr(1). The binary answers: `dsr __complete WORD...`
# prints the candidates from its own command tree (one a line, a TAB before
# any description, then a directive line), so this file never lists a
# command or an option and cannot drift from the dsr it completes.
_dsr() {
  local cur=${COMP_WORDS[COMP_CWORD]} line directive=":none"
  local -a out=()
  while IFS= read -r line; do
    case $line in
      :*) directive=$line ;;
      *) out+=("${line%%$'\t'*}") ;;
    esac
  done < <("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  [ "$cur" = "=" ] && cur=""
  case $directive in
    :files)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    :nospace)
      compopt -o nospace 2>/dev/null
      COMPREPLY=("${out[@]}") ;;
    *) COMPREPLY=("${out[@]}") ;;
  esac
}
complete -F _dsr dsr
