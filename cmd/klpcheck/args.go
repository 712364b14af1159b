package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves a subcommand's flags that follow its file arguments in
// front of them, so "klpcheck correlate vmlinux --format json" works like
// "klpcheck correlate --format json vmlinux". The flag library stops at the
// first argument; pipelines written by people do not. A "--" ends flags.
func interspersed(app *cli.App, args []string) []string {
	// The completion protocol looks at the last argument; leave it alone.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	// Find the subcommand: the first argument that names one.
	i := 1
	for ; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			break
		}
	}
	if i >= len(args) {
		return args
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		tv := true
		if d, ok := f.(cli.DocGenerationFlag); ok {
			tv = d.TakesValue()
		}
		for _, n := range f.Names() {
			takesValue[n] = tv
		}
	}
	var flags, positional []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			positional = append(positional, rest[j+1:]...)
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			positional = append(positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		hasValue := strings.Contains(name, "=")
		name, _, _ = strings.Cut(name, "=")
		tv, known := takesValue[name]
		if !known {
			// Leave unknown flags where they are; the library reports them.
			flags = append(flags, a)
			continue
		}
		flags = append(flags, a)
		if tv && !hasValue && j+1 < len(rest) {
			flags = append(flags, rest[j+1])
			j++
		}
	}
	out := append([]string{}, args[:i+1]...)
	out = append(out, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
