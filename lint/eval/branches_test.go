package eval

import (
	"strings"
	"testing"
)

// shape writes a value's words with "?" after each that is there only
// maybe: "a? b?" is "a or b, undecided".
func shape(v Value) string {
	var words []string
	for _, s := range v {
		if strings.TrimSpace(s.Text) == "" {
			continue
		}
		w := strings.TrimSpace(s.Text)
		if s.Info != nil && s.Info.Maybe {
			w += "?"
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// TestUndecidedBranches pins how conditions that cannot be decided, empty
// variables and ?= after a maybe-defined variable shape a value: each case
// fails under one mutation of eval.go (see the comments).
func TestUndecidedBranches(t *testing.T) {
	vars := map[string]string{"CONFIG_LTO_CLANG_THIN": "y"}
	tests := []struct {
		name, src, want string
	}{
		// cond: returning after an undecided branch would drop b.
		{"else after an undecided condition runs too", "ifdef CONFIG_NOT_MODELLED\nX := a\nelse\nX := b\nendif\n", "a? b?"},
		{"else if after an undecided condition runs too", "ifdef CONFIG_NOT_MODELLED\nX := a\nelse ifdef CONFIG_LTO_CLANG_THIN\nX := b\nendif\n", "a? b?"},
		{"a decided condition ends the chain", "ifdef CONFIG_LTO_CLANG_THIN\nX := a\nelse\nX := b\nendif\n", "a"},
		// test: ifdef is true only for a non-empty value.
		{"ifdef of an empty variable is false", "E :=\nifdef E\nX := yes\nelse\nX := no\nendif\n", "no"},
		{"ifndef of an empty variable is true", "E =\nifndef E\nX := yes\nelse\nX := no\nendif\n", "yes"},
		{"ifdef of a variable that expands empty is true", "E = $(NOTHING)\nifdef E\nX := yes\nelse\nX := no\nendif\n", "yes"},
		// assign: ?= after a maybe-defined variable may assign.
		{"?= after a maybe-defined variable", "ifdef CONFIG_NOT_MODELLED\nX := a\nendif\nX ?= b\n", "a? b?"},
		{"?= after a defined variable does nothing", "X := a\nX ?= b\n", "a"},
		{"?= of an undefined variable assigns", "X ?= b\n", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.src, config(tc23, vars))
			if got := shape(value(t, r, "X")); got != tt.want {
				t.Errorf("X = %q, want %q", got, tt.want)
			}
		})
	}
}
