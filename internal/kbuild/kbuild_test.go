package kbuild

import (
	"errors"
	"testing"
)

func TestRenameSupport(t *testing.T) {
	tests := []struct {
		v    Version
		want Support
	}{
		{0, SupportMaybe},
		{MakeVersion(14, 0, 6), SupportNo},
		{MakeVersion(22, 1, 8), SupportNo},
		{MakeVersion(22, 99, 99), SupportNo},
		{RenameSnapshot, SupportMaybe},
		{MakeVersion(23, 0, 99), SupportMaybe},
		{RenameRelease, SupportYes},
		{MakeVersion(24, 0, 0), SupportYes},
	}
	for _, tt := range tests {
		if got := RenameSupport(tt.v); got != tt.want {
			t.Errorf("RenameSupport(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	v := Version(220103)
	if v.Major() != 22 || v.Minor() != 1 || v.Patch() != 3 || v.String() != "22.1.3" || MakeVersion(22, 1, 3) != v {
		t.Errorf("220103 = %d.%d.%d %q", v.Major(), v.Minor(), v.Patch(), v)
	}
	if got := LLDName(v); got != "ld.lld-22" {
		t.Errorf("LLDName = %q", got)
	}
}

func TestModes(t *testing.T) {
	for _, m := range Modes {
		if ModeForSymbol(m.Symbol()) != m || ModeForConfigName(m.ConfigName()) != m {
			t.Errorf("%v does not round-trip: %q %q", m, m.Symbol(), m.ConfigName())
		}
	}
	tests := []struct {
		m           LTOMode
		label       string
		thin, clang bool
	}{
		{LTONone, "no Clang LTO", false, false},
		{LTOFull, "FULL", false, true},
		{LTOThin, "THIN", true, true},
		{LTOThinDist, "THIN_DIST", true, true},
		{ModeForSymbol("LTO_CLANG_FUTURE"), "other", false, true},
	}
	for _, tt := range tests {
		if tt.m.Label() != tt.label || tt.m.ThinLTO() != tt.thin || tt.m.ClangLTO() != tt.clang {
			t.Errorf("%d: label %q thin %v clang %v", tt.m, tt.m.Label(), tt.m.ThinLTO(), tt.m.ClangLTO())
		}
	}
	if ModeForSymbol("LTO_NONE") != LTONone || ModeForConfigName("") != LTONone {
		t.Error("none does not parse")
	}
}

func TestLD(t *testing.T) {
	tests := []struct {
		ld, llvm, cross string
		want, rule      string
	}{
		{"ld.bfd", "1", "x-", "ld.bfd", "LD"},
		{"", "1", "", "ld.lld", "LLVM=1"},
		{"", "-22", "", "ld.lld-22", "LLVM=-22"},
		{"", "/opt/llvm/bin/", "", "/opt/llvm/bin/ld.lld", "LLVM=/opt/llvm/bin/"},
		{"", "", "aarch64-linux-gnu-", "aarch64-linux-gnu-ld", "CROSS_COMPILE"},
		{"", "", "", "ld", "default"},
	}
	for _, tt := range tests {
		name, rule, err := LD(tt.ld, tt.llvm, tt.cross)
		if err != nil || name != tt.want || rule != tt.rule {
			t.Errorf("LD(%q, %q, %q) = %q, %q, %v; want %q, %q", tt.ld, tt.llvm, tt.cross, name, rule, err, tt.want, tt.rule)
		}
		if tt.llvm != "" && tt.ld == "" && LLVMForLD(name) != tt.llvm {
			t.Errorf("LLVMForLD(%q) = %q, want %q", name, LLVMForLD(name), tt.llvm)
		}
	}
	var bad *InvalidLLVMError
	if _, _, err := LD("", "yes", ""); !errors.As(err, &bad) || bad.Value != "yes" {
		t.Errorf("LLVM=yes: %v", err)
	}
	for _, ld := range []string{"ld.bfd", "aarch64-linux-gnu-ld", "/usr/bin/ld.lld-22"} {
		if got := LLVMForLD(ld); got != "" {
			t.Errorf("LLVMForLD(%q) = %q, want \"\"", ld, got)
		}
	}
}

func TestGroups(t *testing.T) {
	got := Groups([]string{VisibilityFlag, Mllvm, RenameValue, "-z", "now", "-mllvm"})
	if len(got) != 4 || len(got[1]) != 2 || got[1][1] != RenameValue || len(got[2]) != 2 || len(got[3]) != 1 {
		t.Errorf("Groups = %q", got)
	}
	if SuffixReductionFlags != "--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false" {
		t.Errorf("SuffixReductionFlags = %q", SuffixReductionFlags)
	}
}
