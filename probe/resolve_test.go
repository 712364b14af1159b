package probe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKbuildLD(t *testing.T) {
	tests := []struct {
		sel          Selection
		name, source string
		wantErr      bool
	}{
		{Selection{}, "ld", "default", false},
		{Selection{LLVM: "1"}, "ld.lld", "LLVM=1", false},
		{Selection{LLVM: "-22"}, "ld.lld-22", "LLVM=-22", false},
		{Selection{LLVM: "/opt/llvm/bin/"}, "/opt/llvm/bin/ld.lld", "LLVM=/opt/llvm/bin/", false},
		{Selection{LLVM: "/opt/llvm/bin/", CrossCompile: "aarch64-linux-gnu-"}, "/opt/llvm/bin/ld.lld", "LLVM=/opt/llvm/bin/", false},
		{Selection{CrossCompile: "aarch64-linux-gnu-"}, "aarch64-linux-gnu-ld", "CROSS_COMPILE", false},
		{Selection{LD: "ld.lld-19", LLVM: "1"}, "ld.lld-19", "LD", false},
		{Selection{LLVM: "yes"}, "", "", true},
		{Selection{LLVM: "0"}, "", "", true},
		{Selection{LLVM: "22"}, "", "", true},
	}
	for _, tt := range tests {
		name, source, err := KbuildLD(tt.sel)
		if (err != nil) != tt.wantErr || name != tt.name || source != tt.source {
			t.Errorf("KbuildLD(%+v) = %q, %q, %v; want %q, %q, error %v", tt.sel, name, source, err, tt.name, tt.source, tt.wantErr)
		}
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "ld.lld")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "not-exec")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	onPath := map[string]string{"ld.lld-22": "/usr/bin/ld.lld-22", "ld.lld": "/usr/bin/ld.lld"}
	look := func(name string) (string, error) {
		if p, ok := onPath[name]; ok {
			return p, nil
		}
		return "", errors.New("not found")
	}
	tests := []struct {
		sel      Selection
		paths    []string
		errParts []string // substrings of each target's error ("" for none)
	}{
		{Selection{LLVM: "-22"}, []string{"/usr/bin/ld.lld-22"}, []string{""}},
		{Selection{LLVM: "1"}, []string{"/usr/bin/ld.lld"}, []string{""}},
		{Selection{LLVM: "-23"}, []string{""}, []string{"ld.lld-23 not found on PATH (from LLVM=-23): install lld-23"}},
		{Selection{LLVM: dir + "/"}, []string{exe}, []string{""}},
		{Selection{LLVM: "/nonexistent/bin/"}, []string{""}, []string{"/nonexistent/bin/ld.lld: no such file"}},
		{Selection{Explicit: []string{plain}}, []string{""}, []string{"is not executable"}},
		{Selection{Explicit: []string{dir}}, []string{""}, []string{"is a directory"}},
		{Selection{CrossCompile: "aarch64-linux-gnu-"}, []string{""}, []string{"aarch64-linux-gnu-ld not found on PATH", "cross binutils"}},
		{Selection{Explicit: []string{"ld.lld-22", "ld.lld-22", "ld.lld"}}, []string{"/usr/bin/ld.lld-22", "/usr/bin/ld.lld"}, []string{"", ""}},
		{Selection{Explicit: []string{"ld.lld-22"}, LLVM: "1"}, []string{"/usr/bin/ld.lld-22"}, []string{""}},
	}
	for _, tt := range tests {
		targets, err := Resolve(tt.sel, look)
		if err != nil {
			t.Errorf("Resolve(%+v): %v", tt.sel, err)
			continue
		}
		if len(targets) != len(tt.paths) {
			t.Errorf("Resolve(%+v) = %d targets %+v, want %d", tt.sel, len(targets), targets, len(tt.paths))
			continue
		}
		for i, tg := range targets {
			if tg.Path != tt.paths[i] {
				t.Errorf("Resolve(%+v)[%d].Path = %q, want %q", tt.sel, i, tg.Path, tt.paths[i])
			}
			switch {
			case tt.errParts[i] == "" && tg.Err != nil:
				t.Errorf("Resolve(%+v)[%d]: unexpected error %v", tt.sel, i, tg.Err)
			case tt.errParts[i] != "" && (tg.Err == nil || !strings.Contains(tg.Err.Error(), tt.errParts[i])):
				t.Errorf("Resolve(%+v)[%d].Err = %v, want it to mention %q", tt.sel, i, tg.Err, tt.errParts[i])
			}
		}
	}
	if _, err := Resolve(Selection{LLVM: "maybe"}, look); err == nil || !strings.Contains(err.Error(), "invalid value for LLVM") {
		t.Errorf("Resolve(LLVM=maybe) error = %v, want invalid value for LLVM", err)
	}
}

func TestFindLLDsDedupesSymlinks(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	llvm := filepath.Join(root, "llvm-22", "bin")
	for _, d := range []string{bin, llvm} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	real := filepath.Join(llvm, "ld.lld")
	if err := os.WriteFile(real, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(bin, "ld.lld-22")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "ld.lld-bogus"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := FindLLDs(bin, []string{filepath.Join(root, "llvm-*", "bin")})
	if len(got) != 1 || got[0] != filepath.Join(bin, "ld.lld-22") {
		t.Errorf("FindLLDs = %q, want only %s (the symlink and its target are one linker)", got, filepath.Join(bin, "ld.lld-22"))
	}
}
