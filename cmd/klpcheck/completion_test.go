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
	dir := t.TempDir()
	for _, f := range []string{"Makefile", "vmlinux.o", "v2.patch"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, "build"), 0o755)
	_, script, _ := klp(t, "completion", "bash")

	llvms := []string{"1"}
	if _, err := os.Stat("/usr/bin/ld.lld-22"); err == nil {
		llvms = append(llvms, "-22")
	}
	tests := []struct {
		words  []string // after klpcheck; the last is completed
		want   []string // all of these
		exact  bool     // and nothing else
		reject []string
	}{
		{words: []string{""}, want: []string{"check", "probe", "lint", "correlate", "completion", "man", "version"}},
		{words: []string{"li"}, want: []string{"lint"}, exact: true},
		{words: []string{"--"}, want: []string{"--help", "--version"}, exact: true},
		{words: []string{"lint", "--"}, want: []string{"--format", "--disable", "--enable", "--severity", "--quiet", "--color", "--explain", "--help"}, reject: []string{"help", "h"}},
		{words: []string{"lint", "--s"}, want: []string{"--severity"}, exact: true},
		{words: []string{"lint", "--format", ""}, want: []string{"text", "json", "sarif"}, exact: true},
		{words: []string{"probe", "--format", ""}, want: []string{"text", "json"}, exact: true},
		{words: []string{"lint", "--severity", "w"}, want: []string{"warning"}, exact: true},
		{words: []string{"lint", "--severity", "=", "e"}, want: []string{"error"}, exact: true}, // bash's split of --severity=e
		{words: []string{"check", "--color", ""}, want: []string{"auto", "always", "never"}, exact: true},
		{words: []string{"lint", "--explain", "LTO00"}, want: []string{"LTO001", "LTO009"}, reject: []string{"LTO010", "PATCH001"}},
		{words: []string{"lint", "--enable", "LTO001,LTO01"}, want: []string{"LTO001,LTO010"}, exact: true},
		{words: []string{"lint", "--disable", "ig"}, want: []string{"IGNORE001"}, exact: true},
		{words: []string{"completion", ""}, want: []string{"bash", "zsh", "fish"}, exact: true},
		{words: []string{"help", "co"}, want: []string{"correlate", "completion"}, exact: true},
		{words: []string{"probe", "--llvm", ""}, want: llvms},
		{words: []string{"lint", "--llvm", "1"}, want: []string{"1"}, exact: true},
		{words: []string{"lint", "Ma"}, want: []string{"Makefile"}, exact: true},
		{words: []string{"lint", "--format", "json", ""}, want: []string{"Makefile", "build", "v2.patch"}},
		{words: []string{"lint", "--patch", "v"}, want: []string{"v2.patch", "vmlinux.o"}, exact: true},
		{words: []string{"correlate", "vm"}, want: []string{"vmlinux.o"}, exact: true},
		{words: []string{"check", "--build", ""}, want: []string{"build"}, exact: true},
		{words: []string{"probe", ""}, want: []string{}, exact: true},
	}
	var lines [][]string
	for _, tt := range tests {
		lines = append(lines, tt.words)
	}
	replies := bashComplete(t, self, dir, script, lines)
	for i, tt := range tests {
		got := strings.Fields(replies[i])
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("klpcheck %s<TAB>: %q lacks %q", strings.Join(tt.words, " "), got, w)
			}
		}
		if tt.exact && len(got) != len(tt.want) {
			t.Errorf("klpcheck %s<TAB>: %q, want exactly %q", strings.Join(tt.words, " "), got, tt.want)
		}
		for _, w := range tt.reject {
			if slices.Contains(got, w) {
				t.Errorf("klpcheck %s<TAB>: %q offers %q", strings.Join(tt.words, " "), got, w)
			}
		}
	}
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
