package lint

import (
	"strings"
	"testing"
)

// TestTreeVersionHelpers: in a tree whose scripts/Makefile.compiler has
// try-run, the version helpers run from the tree's own definitions (6.12
// keeps test-ge in scripts/Kbuild.include). The Makefile's version gate is
// found through their $(shell test ...) and named after the helper called;
// a tree that defines the helper differently gets a different answer.
func TestTreeVersionHelpers(t *testing.T) {
	const mk = `include scripts/Kbuild.include
include scripts/Makefile.compiler
KBUILD_LDFLAGS := -m elf_x86_64
ifdef CONFIG_LTO_CLANG
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO := -flto=thin -fsplit-lto-unit
ifneq ($(call GATE),)
KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false
endif
else
CC_FLAGS_LTO := -flto
endif
endif
`
	// kbuild's try-run and ld-option in their real shape, written here.
	const compiler = "try-run = $(shell set -e; TMP=$(TMPOUT)/tmp; trap \"rm -rf $(TMPOUT)\" EXIT; mkdir -p $(TMPOUT); " +
		"if ($(1)) >/dev/null 2>&1; then echo \"$(2)\"; else echo \"$(3)\"; fi)\n" +
		"ld-option = $(call try-run, $(LD) $(KBUILD_LDFLAGS) $(1) -v,$(1),$(2),$(3))\n"
	const testGE = "test-ge = $(shell test $(strip $1)0 -ge $(strip $2)0 && echo y)\n"
	cases := []struct {
		name, gate, include, extra string
		rules                      []string
		what                       string // the gate as messages name it
	}{
		{"test-ge from Kbuild.include", "test-ge,$(CONFIG_CLANG_VERSION),230000", testGE, "", []string{"LTO001", "LTO005"}, "test-ge 230000"},
		{"clang-min-version over it", "clang-min-version,230000", testGE,
			"clang-min-version = $(call test-ge, $(CONFIG_CLANG_VERSION), $1)\n", []string{"LTO001", "LTO005"}, "clang-min-version 230000"},
		// This tree's clang-min-version asks for more than 23.0: the
		// 23.0.0git snapshots no longer pass, nothing fails to link.
		{"a stricter clang-min-version", "clang-min-version,230000", testGE,
			"clang-min-version = $(call test-ge, $(CONFIG_CLANG_VERSION), 230100)\n", []string{"LTO005"}, "clang-min-version 230000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{
				"Makefile":                  strings.Replace(mk, "GATE", c.gate, 1),
				"scripts/Kbuild.include":    c.include,
				"scripts/Makefile.compiler": compiler + c.extra,
			})
			res, err := Run(Options{Path: dir})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			_ = res.WriteText(&b)
			if got := strings.Join(ruleIDs(res), " "); got != strings.Join(c.rules, " ") {
				t.Errorf("rules %s, want %v\n%s", got, c.rules, b.String())
			}
			if !strings.Contains(b.String(), "version gate "+c.what+" ") {
				t.Errorf("no finding names the gate %q:\n%s", c.what, b.String())
			}
		})
	}
}
