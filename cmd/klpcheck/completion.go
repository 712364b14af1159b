package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/style"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

// completeCommand is the hidden command the completion scripts run:
// "klpcheck __complete WORD... CURRENT" prints the candidates for CURRENT,
// one a line, and a last line ":files" or ":dirs" when the shell should
// offer file or directory names as well. It is answered before the CLI
// library parses anything, so that no word of the line is taken as a flag
// of klpcheck itself.
const completeCommand = "__complete"

// File-name directives of the __complete protocol.
const (
	completeFiles = ":files"
	completeDirs  = ":dirs"
)

// All three scripts ask klpcheck itself for candidates, so they never go
// stale when commands, flags, rules or the installed LLVMs change.
const bashCompletion = `# bash completion for klpcheck; load with: source <(klpcheck completion bash)
_klpcheck_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]} w files=
	local IFS=$'\n'
	local -a out=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
	COMPREPLY=()
	for w in "${out[@]}"; do
		case $w in
		:files) files=f ;;
		:dirs) files=d ;;
		*) COMPREPLY+=("$w") ;;
		esac
	done
	if [[ -n $files ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY+=($(compgen -"$files" -- "$cur"))
	fi
}
complete -F _klpcheck_complete klpcheck
`

const zshCompletion = `#compdef klpcheck
# zsh completion for klpcheck; load with: source <(klpcheck completion zsh)
_klpcheck() {
	local -a out cands
	local w files=
	out=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	for w in "${out[@]}"; do
		case $w in
		:files) files=f ;;
		:dirs) files=d ;;
		'') ;;
		*) cands+=("$w") ;;
		esac
	done
	(( ${#cands} )) && compadd -Q -- "${cands[@]}"
	[[ $files == f ]] && _files
	[[ $files == d ]] && _files -/
	return 0
}
compdef _klpcheck klpcheck
`

const fishCompletion = `# fish completion for klpcheck; load with: klpcheck completion fish | source
function __klpcheck_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	for w in ($tokens[1] __complete $tokens[2..-1] "$cur" 2>/dev/null)
		switch $w
			case :files
				__fish_complete_path "$cur"
			case :dirs
				__fish_complete_directories "$cur"
			case '*'
				echo $w
		end
	end
end
complete -c klpcheck -f -a '(__klpcheck_complete)'
`

const completionDescription = `Prints a completion script for bash, zsh or fish. It completes commands,
flags, flag values (--format, --color, --severity, the rule IDs of --explain,
--enable and --disable, the --llvm values of the LLVMs installed here, the
shells of this command) and file and directory names, by asking klpcheck
itself, so it never goes stale.

Examples:
   source <(klpcheck completion bash)              # in ~/.bashrc
   klpcheck completion bash > /etc/bash_completion.d/klpcheck
   source <(klpcheck completion zsh)               # in ~/.zshrc
   klpcheck completion fish > ~/.config/fish/completions/klpcheck.fish

Exit status: 0 printed, 2 no or an unknown shell.`

var completionShells = []string{"bash", "zsh", "fish"}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:        "completion",
		Usage:       "print a shell completion script (bash, zsh or fish)",
		ArgsUsage:   "bash|zsh|fish",
		Description: completionDescription,
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
				fmt.Fprint(c.App.Writer, fishCompletion)
			default:
				return usageError("completion: unknown shell %q: use bash, zsh or fish", shell)
			}
			return nil
		},
	}
}

// runComplete answers "klpcheck __complete WORD..." on w.
func runComplete(app *cli.App, words []string, w io.Writer) int {
	if len(words) == 0 {
		words = []string{""}
	}
	cands, files := complete(app, words)
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(c)
		b.WriteByte('\n')
	}
	if files != "" {
		b.WriteString(files + "\n")
	}
	io.WriteString(w, b.String())
	return 0
}

// complete is the candidates for the last of words (the words after
// "klpcheck", the one being completed last) and the file directive.
func complete(app *cli.App, words []string) ([]string, string) {
	cur := words[len(words)-1]
	before := words[:len(words)-1]
	var cmd *cli.Command
	for _, w := range before {
		if w == "--" {
			break
		}
		if !strings.HasPrefix(w, "-") {
			cmd = app.Command(w)
			break
		}
	}
	var names []string
	for _, c := range app.VisibleCommands() {
		names = append(names, c.Name)
	}
	if cmd == nil {
		if strings.HasPrefix(cur, "-") {
			return matching(cur, []string{"--help", "--version"}), ""
		}
		return matching(cur, names), ""
	}
	flags := flagsByName(cmd)
	// A flag's value: "--format <TAB>" or "--format=<TAB>".
	if name, val, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(name, "-") {
		if f := flags[strings.TrimLeft(name, "-")]; f != nil {
			cands, files := flagValues(cmd.Name, f, val)
			return prefixed(name+"=", cands), files
		}
	}
	if len(before) > 0 {
		prev := before[len(before)-1]
		// bash splits "--format=j" into "--format", "=", "j" (= is in
		// COMP_WORDBREAKS).
		if prev == "=" && len(before) > 1 {
			prev = before[len(before)-2]
		}
		if f := flags[strings.TrimLeft(prev, "-")]; strings.HasPrefix(prev, "-") && f != nil && takesValue(f) {
			return flagValues(cmd.Name, f, cur)
		}
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		for _, f := range cmd.VisibleFlags() {
			names = append(names, "--"+f.Names()[0])
		}
		return matching(cur, append(names, "--help")), ""
	}
	switch cmd.Name {
	case "completion":
		return matching(cur, completionShells), ""
	case "help":
		return matching(cur, names), ""
	case "lint", "correlate":
		return nil, completeFiles
	}
	return nil, ""
}

func flagsByName(cmd *cli.Command) map[string]cli.Flag {
	out := map[string]cli.Flag{}
	for _, f := range cmd.VisibleFlags() {
		for _, n := range f.Names() {
			out[n] = f
		}
	}
	return out
}

func takesValue(f cli.Flag) bool {
	d, ok := f.(cli.DocGenerationFlag)
	return ok && d.TakesValue()
}

// fileFlags are the flags whose value is a file or a directory.
var fileFlags = map[string]string{
	"patch": completeFiles, "config": completeFiles, "orig": completeFiles, "against": completeFiles,
	"llvm-nm": completeFiles, "ld": completeFiles, "cc": completeFiles,
	"build": completeDirs, "tree": completeDirs,
}

// flagValues are the candidates for the value of flag f of command cmd.
func flagValues(cmd string, f cli.Flag, cur string) ([]string, string) {
	switch name := f.Names()[0]; name {
	case "format":
		if cmd == "probe" {
			return matching(cur, []string{"text", "json"}), ""
		}
		return matching(cur, []string{"text", "json", "sarif"}), ""
	case "color":
		return matching(cur, style.Modes()), ""
	case "severity":
		return matching(cur, []string{"error", "warning", "note"}), ""
	case "explain":
		return matching(strings.ToUpper(cur), rules.IDs()), ""
	case "enable", "disable":
		// A comma list: complete its last ID.
		done, last := "", cur
		if i := strings.LastIndexByte(cur, ','); i >= 0 {
			done, last = cur[:i+1], cur[i+1:]
		}
		return prefixed(done, matching(strings.ToUpper(last), rules.IDs())), ""
	case "llvm":
		return matching(cur, installedLLVMValues(os.Getenv("PATH"), probe.DefaultLLVMDirs)), ""
	default:
		return nil, fileFlags[name]
	}
}

var llvmDir = regexp.MustCompile(`llvm-(\d+)/bin$`)

// installedLLVMValues are the LLVM= values of the LLVMs installed here:
// 1, -N for every ld.lld-N (or llvm-N directory), and PREFIX/ for every
// directory holding a plain ld.lld.
func installedLLVMValues(path string, dirGlobs []string) []string {
	seen := map[string]bool{"1": true}
	out := []string{"1"}
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, p := range probe.FindLLDs(path, dirGlobs) {
		dir, base := filepath.Split(p)
		if suffix, ok := strings.CutPrefix(base, "ld.lld-"); ok {
			add("-" + suffix)
			continue
		}
		if m := llvmDir.FindStringSubmatch(filepath.Clean(dir)); m != nil {
			add("-" + m[1])
		}
		add(dir)
	}
	// The prefix form of an install directory whose ld.lld the PATH
	// entry above stood for.
	for _, g := range dirGlobs {
		dirs, _ := filepath.Glob(g)
		for _, d := range dirs {
			if info, err := os.Stat(filepath.Join(d, "ld.lld")); err == nil && info.Mode()&0o111 != 0 {
				add(d + "/")
			}
		}
	}
	sort.Strings(out[1:])
	return out
}

// matching keeps the candidates that start with cur.
func matching(cur string, cands []string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	return out
}

func prefixed(prefix string, cands []string) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = prefix + c
	}
	return out
}
