package probe

import (
	"slices"
	"strings"
	"testing"
)

// TestSplitFlagsRefusesShellConstructs: every construct beyond quoted words
// and plain $VAR expansion is an error naming the construct, never a panic
// (process substitution used to panic inside the expander).
func TestSplitFlagsRefusesShellConstructs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<(true)", "process substitution <(...)"},
		{">(true)", "process substitution >(...)"},
		{"-mllvm <(cat /etc/passwd)", "process substitution"},
		{"$(touch /tmp/pwned)", "command substitution $(...)"},
		{"`id`", "command substitution `...`"},
		{"-z $((1+2))", "arithmetic expansion"},
		{"${X:=y}", "parameter expansion ${X:=...}"},
		{"${X?unset}", "parameter expansion"},
		{"${#X}", "parameter expansion"},
		{"${X/a/b}", "parameter expansion"},
		{"${!X}", "parameter expansion"},
		{`$'\x41'`, "bash's $'...' quoting"},
		{`$"x"`, `bash's $"..." quoting`},
		{"a; rm -rf /", "not plain shell words"},
		{"a | b", "not plain shell words"},
		{"a > out", "not plain shell words"},
		{"a && b", "not plain shell words"},
		{`"unterminated`, "not plain shell words"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := SplitFlags(tt.in, func(string) string { return "" })
			if err == nil {
				t.Fatalf("SplitFlags(%q) = %q, want an error naming %s", tt.in, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SplitFlags(%q) error = %q, want it to name %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestSplitFlagsTakesPlainExpansions(t *testing.T) {
	env := func(k string) string { return map[string]string{"X": "-z now"}[k] }
	tests := []struct {
		in   string
		want []string
	}{
		{"${X}", []string{"-z", "now"}},
		{"${UNSET:-a b}", []string{"a", "b"}},
		{"${UNSET-'-x'}", []string{"-x"}},
		{`'$(not run)'`, []string{"$(not run)"}},
		{`-T *.lds`, []string{"-T", "*.lds"}},
	}
	for _, tt := range tests {
		got, err := SplitFlags(tt.in, env)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("SplitFlags(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzSplitFlags: no input panics, and the words that come back survive
// the quoting the probe gives them on the try-run command line.
func FuzzSplitFlags(f *testing.F) {
	for _, s := range []string{
		DefaultFlags, "<(true)", ">(true)", "$(id)", "`id`", "${X:-a b}", "$((1))",
		`-mllvm "-x=a b"`, "a;b", "a|b", "'", `"`, "\\", "${", "$(", "<(", "@(x)", "{a,b}",
		"-z $X", "x=1 y", "#comment", "a\nb", "!", "~/x", "$'\\x41'", `$"x"`,
	} {
		f.Add(s)
	}
	env := func(k string) string { return map[string]string{"X": "-z now"}[k] }
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitFlags(s, env)
		if err != nil {
			return
		}
		line, err := quoteWords(words)
		if err != nil {
			return // a NUL byte cannot be quoted: the probe reports it
		}
		again, err := SplitFlags(line, env)
		if err != nil || !slices.Equal(again, words) {
			t.Fatalf("SplitFlags(%q) = %q, quoted %q, split again %q, %v", s, words, line, again, err)
		}
	})
}
