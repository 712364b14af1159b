package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionCase is a command line to complete and what must be offered.
type completionCase struct {
	words    []string // after klpcheck; the last is completed
	want     []string // all of these
	exact    bool     // and nothing else
	reject   []string
	bashOnly bool // a split of the line only bash makes
}

// completionFixture makes the directory the completion tests run in: the
// files and the directory the file-name cases complete.
func completionFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Makefile", "vmlinux.o", "v2.patch"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// completionCases are the lines every shell's completion must complete
// alike: commands, flags, flag values (formats, colors, severities, rule
// IDs, shells, the --llvm values of the LLVMs installed here) and files.
func completionCases() []completionCase {
	llvms := []string{"1"}
	if _, err := os.Stat("/usr/bin/ld.lld-22"); err == nil {
		llvms = append(llvms, "-22")
	}
	return []completionCase{
		{words: []string{""}, want: []string{"check", "probe", "lint", "correlate", "completion", "man", "version"}},
		{words: []string{"li"}, want: []string{"lint"}, exact: true},
		{words: []string{"--"}, want: []string{"--help", "--version"}, exact: true},
		{words: []string{"lint", "--"}, want: []string{"--format", "--disable", "--enable", "--severity", "--quiet", "--color", "--explain", "--help"}, reject: []string{"help", "h"}},
		{words: []string{"lint", "--s"}, want: []string{"--severity"}, exact: true},
		{words: []string{"lint", "--for"}, want: []string{"--format"}, exact: true},
		{words: []string{"lint", "--format", ""}, want: []string{"text", "json", "sarif"}, exact: true},
		{words: []string{"lint", "--format=j"}, want: []string{"--format=json"}, exact: true},
		{words: []string{"probe", "--format", ""}, want: []string{"text", "json"}, exact: true},
		{words: []string{"lint", "--severity", "w"}, want: []string{"warning"}, exact: true},
		{words: []string{"lint", "--severity", "=", "e"}, want: []string{"error"}, exact: true, bashOnly: true}, // bash's split of --severity=e
		{words: []string{"check", "--color", ""}, want: []string{"auto", "always", "never"}, exact: true},
		{words: []string{"lint", "--explain", "LTO00"}, want: []string{"LTO001", "LTO009"}, reject: []string{"LTO010", "PATCH001"}},
		{words: []string{"lint", "--enable", "LTO001,LTO01"}, want: []string{"LTO001,LTO010"}, exact: true},
		{words: []string{"lint", "--disable", "IG"}, want: []string{"IGNORE001"}, exact: true},
		{words: []string{"completion", ""}, want: []string{"bash", "zsh", "fish"}, exact: true},
		{words: []string{"help", "co"}, want: []string{"correlate", "completion"}, exact: true},
		{words: []string{"probe", "--llvm", ""}, want: llvms},
		{words: []string{"lint", "--llvm", "1"}, want: []string{"1"}, exact: true},
		{words: []string{"lint", "Ma"}, want: []string{"Makefile"}, exact: true},
		{words: []string{"lint", "--format", "json", ""}, want: []string{"Makefile", "build", "v2.patch"}},
		{words: []string{"lint", "Makefile", "v"}, want: []string{"v2.patch", "vmlinux.o"}, exact: true}, // a second PATH
		{words: []string{"lint", "--patch", "v"}, want: []string{"v2.patch", "vmlinux.o"}, exact: true},
		{words: []string{"correlate", "vm"}, want: []string{"vmlinux.o"}, exact: true},
		{words: []string{"check", "--build", ""}, want: []string{"build"}, exact: true},
		{words: []string{"probe", ""}, want: []string{}, exact: true},
	}
}

// checkCompletions compares each shell's replies (one per case, the
// candidates one a line) with the cases.
func checkCompletions(t *testing.T, shell string, cases []completionCase, replies []string) {
	t.Helper()
	for i, tt := range cases {
		got := uniqueFields(replies[i])
		line := "klpcheck " + strings.Join(tt.words, " ")
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s<TAB>: %q lacks %q", shell, line, got, w)
			}
		}
		if tt.exact && len(got) != len(tt.want) {
			t.Errorf("%s: %s<TAB>: %q, want exactly %q", shell, line, got, tt.want)
		}
		for _, w := range tt.reject {
			if slices.Contains(got, w) {
				t.Errorf("%s: %s<TAB>: %q offers %q", shell, line, got, w)
			}
		}
	}
}

// uniqueFields are the candidates of a reply, one a line, without a
// description after a tab (fish) or a directory's trailing slash, each once.
func uniqueFields(reply string) []string {
	var out []string
	for _, l := range strings.Split(reply, "\n") {
		l, _, _ = strings.Cut(l, "\t")
		l = strings.TrimSpace(l)
		if l != "/" {
			l = strings.TrimSuffix(l, "/")
		}
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// TestBashCompletion sources the bash script and drives its completion
// function as bash does: COMP_WORDS and COMP_CWORD set, COMPREPLY read.
// The test binary plays klpcheck (TestMain).
func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := completionFixture(t)
	_, script, _ := klp(t, "completion", "bash")
	cases := completionCases()
	var lines [][]string
	for _, tt := range cases {
		lines = append(lines, tt.words)
	}
	replies := bashComplete(t, self, dir, script, lines)
	checkCompletions(t, "bash", cases, replies)
}

// bashComplete runs the completion function once for each line (the words
// after klpcheck, the last one being completed) in one bash, in dir, and
// returns each COMPREPLY, one word a line.
func bashComplete(t *testing.T, self, dir, script string, lines [][]string) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString(script)
	for _, words := range lines {
		quoted := []string{shellQuote(self)}
		for _, w := range words {
			quoted = append(quoted, shellQuote(w))
		}
		fmt.Fprintf(&b, "COMP_WORDS=(%s); COMP_CWORD=%d; COMPREPLY=(); _klpcheck_complete; printf '%%s\\n' \"${COMPREPLY[@]}\"; echo '<end>'\n",
			strings.Join(quoted, " "), len(words))
	}
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", b.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asMain+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	replies := strings.Split(strings.TrimSuffix(string(out), "<end>\n"), "<end>\n")
	if len(replies) != len(lines) {
		t.Fatalf("%d replies for %d lines:\n%s", len(replies), len(lines), out)
	}
	return replies
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func TestCompletionScripts(t *testing.T) {
	for _, sh := range completionShells {
		code, out, _ := klp(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d:\n%s", sh, code, out)
		}
	}
	// The protocol's file directive and the --flag=value form.
	code, out, _ := klp(t, completeCommand, "lint", "--format=j")
	if code != 0 || out != "--format=json\n" {
		t.Errorf("--format=j: exit %d, %q", code, out)
	}
	if _, out, _ := klp(t, completeCommand, "lint", "--build", ""); out != completeDirs+"\n" {
		t.Errorf("--build: %q", out)
	}
}

func TestInstalledLLVMValues(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	pre := filepath.Join(dir, "llvm-23", "bin")
	os.MkdirAll(bin, 0o755)
	os.MkdirAll(pre, 0o755)
	for _, p := range []string{filepath.Join(bin, "ld.lld-21"), filepath.Join(pre, "ld.lld"), filepath.Join(bin, "ld.lld-x")} {
		os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	}
	got := installedLLVMValues(bin, []string{filepath.Join(dir, "llvm-*", "bin")})
	want := []string{"1", "-21", "-23", pre + "/"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
