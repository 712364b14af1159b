package rules

import (
	"fmt"
	"strings"
	"testing"

	"klpcheck/lint/kconfig"
)

// TestKCFG001: a Kconfig line that does not parse is a warning at its
// file:line, a keyword klpcheck does not know a note, a Kconfig macro
// nothing (valid Kconfig klpcheck does not expand), and the lines of a
// hunk that did not apply nothing (PATCH001 reports the hunk).
func TestKCFG001(t *testing.T) {
	src := `config A
	bool
	depends on B &&
config C
	bool
	default $(cc-option,-fsanitize=kcfi)
	depends on $(success,$(NM) --help | head -n 1 | grep -qi llvm)
config D
	bool
	frobnicate yes
`
	fragment := kconfig.Parse("arch/Kconfig (hunk 2)", []byte("config X\n\tdepends on (\n"))
	fragment.Fragment = true
	if len(fragment.Problems) == 0 {
		t.Fatal("the fragment has no problem: the test checks nothing")
	}
	in := &Input{Kconfig: []*kconfig.File{kconfig.Parse("arch/Kconfig", []byte(src)), fragment}}
	diags, err := Run(in, []*Rule{KCFG001})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%s:%d %s", d.Pos.File, d.Pos.Line, d.Severity))
	}
	want := "arch/Kconfig:3 warning|arch/Kconfig:10 note"
	if strings.Join(got, "|") != want {
		t.Errorf("diagnostics %q, want %q (%+v)", strings.Join(got, "|"), want, diags)
	}
}
