package model

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		word string
		want Spelling
	}{
		{"--lto-whole-program-visibility", Visibility},
		{"-lto-whole-program-visibility", Visibility},
		{"--lto_whole_program_visibility", VisibilityTypo},
		{"--lto-whole-program-visiblity", VisibilityTypo},
		{"-always-rename-promoted-locals=false", RenameFalse},
		{"-always-rename-promoted-locals=0", RenameFalse},
		{"-always-rename-promoted-locals", RenameDefault},
		{"-always-rename-promoted-locals=true", RenameDefault},
		{"-always-rename-promoted-locals=1", RenameDefault},
		{"--always-rename-promoted-locals=false", RenameDoubleDash},
		{"-always_rename_promoted_locals=false", RenameUnderscore},
		{"-always-rename-promoted-local=false", RenameTypo},
		{"-always-rename-promoted-locals=no", RenameTypo},
		{"-mllvm=-always-rename-promoted-locals=false", MllvmJoined},
		{"-mllvm", NotFlag},
		{"-import-instr-limit=5", NotFlag},
		{"--icf=all", NotFlag},
		{"-flto=thin", NotFlag},
		{"", NotFlag},
	}
	for _, tt := range tests {
		if got := Classify(tt.word); got != tt.want {
			t.Errorf("Classify(%q) = %d, want %d", tt.word, got, tt.want)
		}
	}
}

func TestLinkerAccepts(t *testing.T) {
	old, pre, inproc, full := Toolchains()[0], Toolchains()[1], Toolchains()[2], Toolchains()[3]
	pair := strings.Fields(VisibilityFlag + " -mllvm " + RenameValue)
	tests := []struct {
		flags string
		tc    Toolchain
		want  Verdict
	}{
		{strings.Join(pair, " "), old, Rejects},
		{strings.Join(pair, " "), pre, Rejects},
		{strings.Join(pair, " "), inproc, Accepts},
		{strings.Join(pair, " "), full, Accepts},
		{"--lto-whole-program-visibility", old, Accepts},
		{"-mllvm -import-instr-limit=5", old, Accepts},
		{"-mllvm --always-rename-promoted-locals=false", full, Accepts},
		{"-mllvm -always_rename_promoted_locals=false", full, Rejects},
		{"-always-rename-promoted-locals=false", full, Rejects},
		{"-mllvm", full, Rejects},
		{"-mllvm=-always-rename-promoted-locals=false", old, Rejects},
		{"-mllvm=-always-rename-promoted-locals=false", full, Accepts},
		{"-z noexecstack", old, Accepts},
		{"--some-future-flag", full, Unknown},
		{"-mllvm -some-llvm-option=3", full, Unknown},
		{"", old, Accepts},
	}
	for _, tt := range tests {
		if got := tt.tc.LinkerAccepts(strings.Fields(tt.flags)); got != tt.want {
			t.Errorf("%s: LinkerAccepts(%q) = %v, want %v", tt.tc.Name, tt.flags, got, tt.want)
		}
	}
}

// TestLinkerModelAgainstRealLLD runs "ld.lld-N FLAGS -v" (what kbuild's
// ld-option runs) with every lld installed here: all of them predate the
// option, so they must behave as the model's LLVM 22.1 does, for every
// flag the model claims to know.
func TestLinkerModelAgainstRealLLD(t *testing.T) {
	model := Toolchains()[0]
	cases := [][]string{
		strings.Fields(VisibilityFlag + " -mllvm " + RenameValue),
		{"-mllvm", RenameValue},
		{"-mllvm", "-always-rename-promoted-locals=true"},
		{"-mllvm", "--always-rename-promoted-locals=false"},
		{"-mllvm", "-always_rename_promoted_locals=false"},
		{"-mllvm=" + RenameValue},
		{RenameValue},
		{"--lto_whole_program_visibility"},
		{"-mllvm"},
	}
	for _, f := range KnownLinkerFlags {
		cases = append(cases, []string{f})
	}
	for _, z := range KnownZKeywords {
		cases = append(cases, []string{"-z", z})
	}
	for _, o := range KnownLLVMOptions {
		cases = append(cases, []string{"-mllvm", "-" + o + "=5"})
	}
	dir := t.TempDir()
	for _, v := range []string{"14", "15", "16", "19", "22"} {
		lld := testenv.Tool(t, "ld.lld-"+v)
		for _, flags := range cases {
			want := model.LinkerAccepts(flags)
			if want == Unknown {
				t.Errorf("the model does not know %q", flags)
				continue
			}
			cmd := exec.Command(lld, append(append([]string{}, flags...), "-v")...)
			cmd.Dir = dir // --save-temps and friends write here
			err := cmd.Run()
			got := Accepts
			if err != nil {
				if _, ok := err.(*exec.ExitError); !ok {
					t.Fatal(err)
				}
				got = Rejects
			}
			if got != want {
				t.Errorf("ld.lld-%s %s -v: exit says %v, model says %v", v, strings.Join(flags, " "), got, want)
			}
		}
	}
}

// TestCompilerModelAgainstClang runs cc-option's command with clang-22 for
// every flag the model says every clang accepts.
func TestCompilerModelAgainstClang(t *testing.T) {
	clang := testenv.Tool(t, "clang-22")
	out := filepath.Join(t.TempDir(), "probe.o")
	for _, f := range KnownCompilerFlags {
		cmd := exec.Command(clang, "-Werror", f, "-c", "-x", "c", os.DevNull, "-o", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("clang-22 rejects %s: %v\n%s", f, err, b)
		}
	}
}

func TestMatrixAndSymbols(t *testing.T) {
	modes := []Mode{ModeNone, ModeFor("LTO_CLANG_FULL"), ModeFor("LTO_CLANG_THIN"), ModeFor("LTO_CLANG_THIN_DIST")}
	m := Matrix(modes, Toolchains())
	if len(m) != 16 {
		t.Fatalf("%d configurations, want 16", len(m))
	}
	if got := m[9].String(); got != "THIN with LLVM 23.0.0git (before the option)" {
		t.Errorf("m[9] = %q", got)
	}
	s := m[12].Symbols(modes) // THIN_DIST with LLVM 22.1
	for k, want := range map[string]string{"LTO_CLANG_THIN_DIST": "y", "LTO_CLANG_THIN": "n", "LTO_CLANG": "y", "LTO": "y", "CLANG_VERSION": "220100"} {
		if s[k] != want {
			t.Errorf("%s = %q, want %q", k, s[k], want)
		}
	}
	if s := m[0].Symbols(modes); s["LTO_CLANG"] != "n" || s["LTO_NONE"] != "y" {
		t.Errorf("mode none: %v", s)
	}
}

func TestForBuild(t *testing.T) {
	rename := []string{"-mllvm", "-always-rename-promoted-locals=false"}
	cases := []struct {
		lld         int
		name        string
		verdict     Verdict
		distributed bool
	}{
		{220108, "LLD 22.1.8 as configured in b", Rejects, false},
		{230000, "LLD 23.0.0 as configured in b", Unknown, false},
		{230100, "LLD 23.1.0 as configured in b", Accepts, true},
		{0, "the linker configured in b", Unknown, false},
	}
	for _, c := range cases {
		tc := ForBuild(c.lld, "b")
		if tc.Name != c.name || tc.LinkerAccepts(rename) != c.verdict || tc.Distributed != c.distributed {
			t.Errorf("ForBuild(%d) = %+v (answers %v), want %q answering %v", c.lld, tc, tc.LinkerAccepts(rename), c.name, c.verdict)
		}
	}
}
