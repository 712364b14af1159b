package check

import (
	"regexp"
	"strings"
	"testing"

	"klpcheck/probe"
)

// cliFlag matches a command-line flag in prose: "--ld", "(--build".
var cliFlag = regexp.MustCompile(`(^|[\s(])--[a-z]`)

// command is a klpcheck command line a next step suggests running
// ("`klpcheck probe --all` lists..."): a command to type, not a flag of
// the call that made the decision, so its flags are left out of the check.
var command = regexp.MustCompile("`klpcheck [^`]*`|klpcheck lint --[a-z]+ ?[A-Z0-9]*")

// TestNextAsksNameNoFlag decides cases whose next steps ask for an input
// (a linker, the build directory, a real kernel): the decision's own text
// names no CLI flag, and RenderNext puts a CLI's words in each of them.
func TestNextAsksNameNoFlag(t *testing.T) {
	broken := &probe.Report{Linkers: []probe.Result{{Path: "ld.lld-99", Error: "ld.lld-99 not found"}}}
	tests := []struct {
		name string
		in   Inputs
		want Ask
	}{
		{"no linker probed", Inputs{}, AskLinker},
		{"the linker could not be run", Inputs{Probe: broken}, AskLinker},
		{"the demo", Inputs{Probe: refusing(), Demo: true}, AskKernel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.in)
			for _, n := range d.Next {
				if cliFlag.MatchString(command.ReplaceAllString(n, "")) {
					t.Errorf("next step names a CLI flag: %q", n)
				}
			}
			d.RenderNext(func(a Ask) string {
				if a == tc.want {
					return "pass --x"
				}
				return "pass --other"
			})
			if !strings.Contains(strings.Join(d.Next, "\n"), "pass --x") {
				t.Errorf("rendered next steps %q: none asks for %v", d.Next, tc.want)
			}
		})
	}
}
