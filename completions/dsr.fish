# fish completion for dsr(1). The binary answers: `dsr __complete WORD...`
# prints the candidates from its own command tree (one a line, a TAB before
# any description, then a directive line), so this file never lists a
# command or an option and cannot drift from the dsr it completes.
function __dsr_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd $tokens[1]
    set -e tokens[1]
    set -l out ($cmd __complete $tokens "$cur" 2>/dev/null)
    if contains -- :files $out
        __fish_complete_path "$cur"
        return
    end
    string match -v -r '^:' -- $out
end
complete -c dsr -f -a '(__dsr_complete)'
