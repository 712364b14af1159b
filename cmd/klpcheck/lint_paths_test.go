package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintSeveralPaths: one report over several PATHs (trees, Makefiles,
// standard input), its exit status the worst of them: 2 when one could not
// be evaluated, the others still reported and the failed one named on
// stderr.
func TestLintSeveralPaths(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name      string
		args      []string
		stdin     string // a fixture read as standard input
		code      int
		out, errb []string // substrings
		notOut    []string
	}{
		{name: "clean", args: []string{lintFixtures + "layout-b", lintFixtures + "layout-d"}, code: 0,
			out: []string{lintFixtures + "layout-b: no findings in 12 configurations\n", lintFixtures + "layout-d: no findings in 16 configurations\n",
				"klpcheck lint: 2 paths: no findings in 28 configurations\n"}},
		{name: "warnings only", args: []string{lintFixtures + "lto005.mk", lintFixtures + "layout-b"}, code: 0,
			out: []string{"lto005.mk:181:1: warning: ", "klpcheck lint: 2 paths: 0 errors, 1 warning, 0 notes in 24 configurations"}},
		{name: "werror", args: []string{"--werror", lintFixtures + "lto005.mk", lintFixtures + "layout-b"}, code: 1},
		{name: "an error in one", args: []string{lintFixtures + "layout-b", lintFixtures + "lto009"}, code: 1,
			out: []string{lintFixtures + "lto009/Makefile:182:50: error: ", lintFixtures + "lto009/arch/Kconfig:59:2: warning: ",
				lintFixtures + "lto009: 1 error, 3 warnings, 0 notes in 12 configurations", "klpcheck lint: 2 paths: 1 error, 3 warnings"}},
		{name: "severity threshold", args: []string{"--severity", "error", lintFixtures + "lto005.mk", lintFixtures + "lto009"}, code: 1,
			out: []string{"klpcheck lint: 2 paths: 1 error, 0 warnings, 0 notes"}, notOut: []string{"warning: "}},
		{name: "disabled rule", args: []string{"--disable", "LTO001", lintFixtures + "lto001.mk", lintFixtures + "lto009"}, code: 0,
			notOut: []string{"[LTO001]"}},
		{name: "one missing", args: []string{lintFixtures + "lto001.mk", missing, lintFixtures + "layout-b"}, code: 2,
			out:  []string{"lto001.mk:182:50: error: ", "could not lint " + missing + ": no such file or directory\n", lintFixtures + "layout-b: no findings", "klpcheck lint: 3 paths, 1 could not be linted: 1 error"},
			errb: []string{"klpcheck: lint: could not lint " + missing + ": no such file or directory"}},
		{name: "two missing", args: []string{missing, missing + "2"}, code: 2,
			errb: []string{"could not lint " + missing + ":", "\nklpcheck: lint: could not lint " + missing + "2:"}},
		{name: "stdin and a file", args: []string{"-", lintFixtures + "layout-b"}, stdin: lintFixtures + "lto004.mk", code: 1,
			out: []string{"<stdin>:181:36: error: ", "\n-: 1 error, 0 warnings, 0 notes in 12 configurations"}},
		{name: "quiet", args: []string{"--quiet", lintFixtures + "lto001.mk", lintFixtures + "layout-b"}, code: 1,
			out: []string{"[LTO001]", "klpcheck lint: 2 paths: 1 error"}, notOut: []string{"files read:", "layout-b: no findings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stdin != "" {
				f, err := os.Open(tt.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				saved := os.Stdin
				os.Stdin = f
				defer func() { os.Stdin = saved }()
			}
			code, out, errb := klp(t, append([]string{"lint"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errb)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.notOut {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			for _, s := range tt.errb {
				if !strings.Contains(errb, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb)
				}
			}
			if tt.code != 2 && errb != "" {
				t.Errorf("stderr %q", errb)
			}
		})
	}
}

// TestJSONContractLintPaths: several PATHs give one document valid against
// schema/lint-paths.schema.json (one that could not be read included) and
// one valid SARIF log; a single PATH keeps lint.schema.json's document.
func TestJSONContractLintPaths(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	all := []string{lintFixtures + "layout-a", lintFixtures + "lto001.mk", lintFixtures + "lto009", lintFixtures + "suppressed.mk"}
	var cases []contractCase
	for _, c := range []struct {
		name  string
		paths []string
		codes []int
	}{
		{"fixtures", all, []int{1}},
		{"with a missing path", append([]string{missing}, all...), []int{2}},
		{"all missing", []string{missing, missing}, []int{2}},
	} {
		cases = append(cases,
			contractCase{"json " + c.name, append([]string{"lint", "--format", "json"}, c.paths...), "lint-paths", c.codes},
			contractCase{"sarif " + c.name, append([]string{"lint", "--format", "sarif"}, c.paths...), "sarif", c.codes})
	}
	cases = append(cases, contractCase{"json one path", []string{"lint", "--format", "json", lintFixtures + "lto009"}, "lint", []int{1}})
	runContractCases(t, cases)
}
