package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask klpcheck itself for candidates through the
// CLI library's hidden --generate-bash-completion flag, so they never go
// stale when commands or flags change. Fish gets a static script generated
// from the same command definitions.
const bashCompletion = `# bash completion for klpcheck; load with: source <(klpcheck completion bash)
_klpcheck_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local -a line=("${COMP_WORDS[@]:0:COMP_CWORD}")
	local candidates
	if [[ $cur == -* ]]; then
		candidates=$("${line[@]}" "$cur" --generate-bash-completion 2>/dev/null)
	else
		candidates=$("${line[@]}" --generate-bash-completion 2>/dev/null)
	fi
	COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o bashdefault -o default -F _klpcheck_complete klpcheck
`

const zshCompletion = `#compdef klpcheck
# zsh completion for klpcheck; load with: source <(klpcheck completion zsh)
_klpcheck() {
	local -a candidates
	local cur=${words[CURRENT]}
	if [[ $cur == -* ]]; then
		candidates=("${(@f)$(${words[1,CURRENT-1]} $cur --generate-bash-completion 2>/dev/null)}")
	else
		candidates=("${(@f)$(${words[1,CURRENT-1]} --generate-bash-completion 2>/dev/null)}")
	fi
	if (( ${#candidates[@]} )) && [[ -n ${candidates[1]} ]]; then
		compadd -a candidates
	else
		_files
	fi
}
compdef _klpcheck klpcheck
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		UsageText: "source <(klpcheck completion bash)   # or zsh; fish: klpcheck completion fish | source",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("completion: name one shell: bash, zsh or fish")
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				fmt.Fprint(c.App.Writer, bashCompletion)
			case "zsh":
				fmt.Fprint(c.App.Writer, zshCompletion)
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return couldNotRun(fmt.Errorf("completion fish: %v", err))
				}
				fmt.Fprint(c.App.Writer, script)
			default:
				return usageError("completion: unknown shell %q: use bash, zsh or fish", shell)
			}
			return nil
		},
	}
}
