package lint

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/eval"
	"klpcheck/lint/rules"
)

// semanticCases are Makefiles, each about one rule of GNU make's reading,
// compared with GNU make in every configuration. unknown names the
// variables the evaluator must not claim to know.
var semanticCases = []struct {
	file    string
	unknown []string
}{
	{file: "sem-override.mk"},
	{file: "sem-shell-assign.mk"},
	{file: "sem-call.mk"},
	{file: "sem-eval.mk", unknown: compared},
	{file: "sem-ifdef.mk"},
	{file: "sem-maybe.mk"},
}

// covers checks a value that holds maybe text against what GNU make
// computed: every word make has must be there, and every word make does
// not have must be marked maybe (the evaluator keeps each outcome of a
// condition it cannot decide, and says so).
func covers(v eval.Value, want string) error {
	have := map[string]int{}
	for _, w := range strings.Fields(want) {
		have[w]++
	}
	got := map[string]bool{}
	for _, w := range v.Words() {
		got[w.Text()] = true
		if have[w.Text()] == 0 && !w.Maybe() {
			return fmt.Errorf("%q is certain, GNU make does not have it", w.Text())
		}
	}
	for w := range have {
		if !got[w] {
			return fmt.Errorf("GNU make has %q, the evaluator has not even maybe", w)
		}
	}
	return nil
}

func TestMakeDifferentialSemantics(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	for _, tc := range semanticCases {
		t.Run(tc.file, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join("testdata", "make", tc.file))
			s, err := prepare(Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			// The cases do not depend on the configuration: the first
			// and the last of the matrix are enough.
			for _, c := range []*rules.Evaluated{s.configs[0], s.configs[len(s.configs)-1]} {
				want := runMake(t, makePath, dir, path, c.Config.Toolchain, c.Symbols)
				for _, name := range compared {
					v := c.Values[name]
					isUnknown := false
					for _, u := range tc.unknown {
						isUnknown = isUnknown || u == name
					}
					switch {
					case isUnknown:
						if !v.HasUnknown() {
							t.Errorf("%s: %s is %q, want unknown (GNU make: %q)", c.Config, name, v.String(), want[name])
						}
					case v.Exact():
						if got := normalizeSpace(v.String()); got != want[name] {
							t.Errorf("%s: %s\n evaluator: %q\n GNU make:  %q", c.Config, name, got, want[name])
						}
					default:
						if err := covers(v, want[name]); err != nil {
							t.Errorf("%s: %s: %v (evaluator %q)", c.Config, name, err, v.String())
						}
					}
				}
			}
		})
	}
}

// TestMaybeFindingsAreNotes: a finding that holds only if something
// klpcheck does not model holds is a note that says what it depends on;
// unknown values never make an error by themselves.
func TestMaybeFindingsAreNotes(t *testing.T) {
	res, err := Run(Options{Path: filepath.Join("testdata", "make", "maybe-note.mk")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if f.Rule != rules.LTO001.ID {
			continue
		}
		n++
		if f.Severity != string(rules.Note) || !strings.Contains(f.Message, "$(wildcard arch/x86/Makefile.lto)") || !strings.Contains(f.Message, "klpcheck does not model") {
			t.Errorf("%s %s: %s", f.Rule, f.Severity, f.Message)
		}
	}
	if n == 0 {
		t.Errorf("no LTO001 finding: the test checks nothing")
	}
	if res.ExitCode(false) != 0 {
		t.Errorf("exit %d, want 0: notes never count", res.ExitCode(false))
	}
}
