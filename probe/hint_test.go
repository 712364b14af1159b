package probe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// cliFlag matches a command-line flag in prose: "--ld", "(--cc", "--timeout".
// The linker options the probe quotes are not in these messages.
var cliFlag = regexp.MustCompile(`(^|[\s(])--[a-z]`)

// TestHintsNameNoFlag walks the probe's hinted errors and messages, as a
// library caller gets them, and checks that none names a CLI flag and
// that each still says what to supply; rendered with a CLI's words, the
// remedy is there.
func TestHintsNameNoFlag(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "ld.lld-noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := func(string) (string, error) { return "", errors.New("not found") }
	resolveErr := func(sel Selection) error {
		t.Helper()
		if sel.All {
			t.Setenv("PATH", dir) // the search sees no lld at all
		}
		targets, err := Resolve(sel, missing)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			t.Fatalf("Resolve(%+v): no target and no error", sel)
		}
		return targets[0].Err
	}
	_, _, ccErr := MatchingCC(Target{Name: "ld.lld-22"}, "", missing)
	_, _, ccOverride := MatchingCC(Target{Name: "ld.lld-22"}, "no-such-clang", missing)
	_, _, ccUnknown := MatchingCC(Target{Name: "ld.gold"}, "", missing)
	timeout := runError(Target{Path: "/x/ld.lld"}, errTimeout, time.Second)
	tests := []struct {
		name string
		err  error
		hint *Hint
		want Supply
	}{
		{name: "name not on PATH", err: resolveErr(Selection{Explicit: []string{"ld.lld-99"}}), want: SupplyLinker},
		{name: "no such path", err: resolveErr(Selection{Explicit: []string{filepath.Join(dir, "none")}}), want: SupplyLinker},
		{name: "not executable", err: resolveErr(Selection{Explicit: []string{noexec}}), want: SupplyLinker},
		{name: "cross linker", err: resolveErr(Selection{CrossCompile: "aarch64-linux-gnu-"}), want: SupplyLinker},
		{name: "search finds none", err: resolveErr(Selection{All: true, LLVMDirs: []string{filepath.Join(dir, "nothing-*")}}), want: SupplyLinker},
		{name: "matching clang missing", err: ccErr, want: SupplyCompiler},
		{name: "named clang missing", err: ccOverride, want: SupplyCompiler},
		{name: "no clang pairs with the linker", err: ccUnknown, want: SupplyCompiler},
		{name: "timeout", hint: &timeout, want: SupplyTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.hint
			if tc.err != nil {
				var he *HintError
				if !errors.As(tc.err, &he) {
					t.Fatalf("error %q is not a *HintError", tc.err)
				}
				h = &he.Hint
				if tc.err.Error() != h.String() {
					t.Errorf("Error() = %q, Hint = %q", tc.err.Error(), h.String())
				}
			}
			if h == nil {
				t.Fatal("no hint")
			}
			if h.Supply != tc.want {
				t.Errorf("hint %q supplies %v, want %v", h, h.Supply, tc.want)
			}
			if cliFlag.MatchString(h.String()) {
				t.Errorf("the library's message names a CLI flag: %q", h)
			}
			rendered := h.Render(func(Supply) string { return "pass --x" })
			if !regexp.MustCompile(`\bpass --x\b`).MatchString(rendered) {
				t.Errorf("rendered with a CLI's remedy: %q, want it to say pass --x", rendered)
			}
		})
	}
}

// TestRenderHintsRewordsTheReport checks that a report's hinted messages,
// and only those, take the CLI's words.
func TestRenderHintsRewordsTheReport(t *testing.T) {
	targets, err := Resolve(Selection{Explicit: []string{"ld.lld-99"}}, func(string) (string, error) { return "", errors.New("no") })
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(context.Background(), targets, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	l := rep.Linkers[0]
	if l.ErrorHint == nil || cliFlag.MatchString(l.Error) {
		t.Fatalf("error %q (hint %v): want a hint and no flag", l.Error, l.ErrorHint)
	}
	rep.RenderHints(func(s Supply) string { return "pass --ld PATH" })
	if want := "or pass --ld PATH"; !regexp.MustCompile(regexp.QuoteMeta(want) + `$`).MatchString(rep.Linkers[0].Error) {
		t.Errorf("rendered error %q, want it to end in %q", rep.Linkers[0].Error, want)
	}
}
