package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/rules"
)

// subMakeTree is a small tree shaped like a real top-level Makefile: it
// re-runs itself as a sub-make, and the LTO block, the helpers and the
// arch's flags are only read by the final invocation, through includes.
var subMakeTree = map[string]string{
	"Makefile": `this-makefile := $(lastword $(MAKEFILE_LIST))
abs_srctree := $(realpath $(dir $(this-makefile)))
abs_objtree := $(CURDIR)
ifneq ($(sub_make_done),1)
MAKEFLAGS += -rR
ifeq ("$(origin O)", "command line")
abs_objtree := $(realpath $(O))
endif
export sub_make_done := 1
endif
ifneq ($(abs_objtree),$(CURDIR))
need-sub-make := 1
endif
ifeq ($(filter --no-print-directory, $(MAKEFLAGS)),)
need-sub-make := 1
endif
ifeq ($(need-sub-make),1)
__all $(MAKECMDGOALS): __sub-make
	@:
__sub-make:
	@$(MAKE) --no-print-directory -C $(abs_objtree) -f $(abs_srctree)/Makefile $(MAKECMDGOALS)
else # need-sub-make
ifeq ($(abs_srctree),$(abs_objtree))
srctree := .
else
srctree := $(abs_srctree)
endif
include $(srctree)/scripts/Makefile.compiler
SRCARCH := $(ARCH)
ifeq ($(ARCH),x86_64)
SRCARCH := x86
endif
KBUILD_LDFLAGS :=
include $(srctree)/arch/$(SRCARCH)/Makefile
-include include/config/auto.conf
ifdef CONFIG_LTO_CLANG
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
else
CC_FLAGS_LTO	:= -flto
endif
KBUILD_LDFLAGS += -mllvm -import-instr-limit=5
endif
__all: ; @:
print-ldflags: ; @: $(info __KLP__=$(KBUILD_LDFLAGS))
endif # need-sub-make
`,
	"scripts/Makefile.compiler": `# A pure-make stand-in for an LLVM 23.1 lld (the build says 230100).
ld-option = $(if $(filter-out --lto-whole-program-visibility -mllvm -import-instr-limit=5 -always-rename-promoted-locals=false,$(1)),$(2),$(1))
`,
	"arch/x86/Makefile": `KBUILD_LDFLAGS += -m elf_x86_64
`,
	"arch/arm64/Makefile": `KBUILD_LDFLAGS += -EL -maarch64linux
LDFLAGS_vmlinux += -mllvm -always-rename-promoted-locals=false
`,
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func buildValue(t *testing.T, s *session) string {
	t.Helper()
	c := s.configs[len(s.configs)-1]
	v := c.Values[rules.VarLDFLAGS]
	if !v.Exact() {
		t.Fatalf("%s: KBUILD_LDFLAGS is not exact: %q", c.Config, v.String())
	}
	return normalizeSpace(v.String())
}

// TestInvocationAgainstMake runs GNU make on the sub-make tree, in tree and
// with O=, and compares the build configuration's KBUILD_LDFLAGS.
func TestInvocationAgainstMake(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	src := t.TempDir()
	writeTree(t, src, subMakeTree)
	cases := []struct {
		name, arch, mode string
		outOfTree        bool
	}{
		{"in-tree none", "x86_64", "", false},
		{"in-tree thin", "x86_64", "THIN", false},
		{"O= thin", "x86_64", "THIN", true},
		{"O= full", "x86_64", "FULL", true},
		{"O= arm64 thin", "arm64", "THIN", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tree := t.TempDir()
			writeTree(t, tree, subMakeTree)
			build := tree
			if c.outOfTree {
				build = t.TempDir()
			}
			conf := ""
			if c.mode != "" {
				conf = "CONFIG_LTO_CLANG=y\nCONFIG_LTO_CLANG_" + c.mode + "=y\nCONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=230100\n"
			}
			writeTree(t, build, map[string]string{autoConf: conf})
			args := []string{"-s", "LLVM=1", "ARCH=" + c.arch}
			opts := Options{Path: tree, Arch: c.arch, Build: build}
			if c.outOfTree {
				args = append(args, "O="+build)
			}
			cmd := exec.Command(makePath, append(args, "print-ldflags")...)
			cmd.Dir = tree
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make: %v\n%s", err, out)
			}
			_, want, ok := strings.Cut(string(out), "__KLP__=")
			if !ok {
				t.Fatalf("make printed no value:\n%s", out)
			}
			want = normalizeSpace(want)
			s, err := prepare(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := buildValue(t, s); got != want {
				t.Errorf("KBUILD_LDFLAGS\n lint:     %q\n GNU make: %q", got, want)
			}
		})
	}
}

// TestIncludedFileFindings: a finding in an included file names it, and
// the result lists the invocation and the files read.
func TestIncludedFileFindings(t *testing.T) {
	tree := t.TempDir()
	writeTree(t, tree, subMakeTree)
	res, err := Run(Options{Path: tree, Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range res.Findings {
		if f.Rule == "LTO007" && f.File == "arch/arm64/Makefile" && f.Line == 2 {
			found = true
		}
	}
	if !found {
		var b strings.Builder
		_ = res.WriteText(&b)
		t.Errorf("no LTO007 at arch/arm64/Makefile:2\n%s", b.String())
	}
	want := []string{"Makefile", "scripts/Makefile.compiler", "arch/arm64/Makefile"}
	if strings.Join(res.FilesEvaluated, " ") != strings.Join(want, " ") {
		t.Errorf("files evaluated %q, want %q", res.FilesEvaluated, want)
	}
	if res.Invocation == nil || res.Invocation.Command != "make LLVM=1 ARCH=arm64" {
		t.Errorf("invocation %+v", res.Invocation)
	}
	// The LTO block is read: the THIN configurations get the flags.
	if len(res.Findings) != 1 {
		t.Errorf("findings %+v, want only the LTO007", res.Findings)
	}
}
