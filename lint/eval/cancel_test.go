package eval

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"klpcheck/lint/makefile"
)

// TestCancelStopsEvaluation sets Config.Cancel before the evaluation and
// checks that each kind of long makefile stops with a cancelled
// LimitError: statements that expand nothing (the statement loop checks),
// statements skipped as unobservable (execTop's loop checks), long
// expansions (the step counter checks) and includes (checked per file).
func TestCancelStopsEvaluation(t *testing.T) {
	lines := func(format string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct {
		name  string
		src   string
		reads bool // skip the assignments nobody reads
		incl  bool // follow includes
	}{
		{name: "recursive assignments expand nothing", src: lines("A%d = x\n", 5000)},
		{name: "unobservable assignments are skipped", src: lines("UNREAD%d = x\n", 5000), reads: true},
		{name: "one long expansion", src: "L := $(foreach i,$(shell echo),x)\n" + "N := " + lines("$(if x,%d)", 3000) + "\n"},
		{name: "an include", src: "include other.mk\n", incl: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := makefile.Parse("Makefile", []byte(tc.src), 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg := config(tc23, nil)
			var cancel atomic.Bool
			cancel.Store(true)
			cfg.Cancel = &cancel
			if tc.reads {
				cfg.Track = map[makefile.Node]bool{}
				cfg.Reads = Reads(f, cfg.Track, "KBUILD_LDFLAGS")
			}
			included := false
			if tc.incl {
				cfg.Include = func(name string) (*makefile.File, string, string, error) {
					included = true
					return nil, "", "not here", nil
				}
			}
			_, err = Run(f, cfg)
			var le *LimitError
			if !errors.As(err, &le) || !le.Cancelled {
				t.Fatalf("Run with Cancel set: %v, want a cancelled LimitError", err)
			}
			if included {
				t.Error("the include was followed after the evaluation was cancelled")
			}
		})
	}
}
