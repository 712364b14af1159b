package rules

import (
	"fmt"
)

// LTO002 reports the flags reaching full LTO or a build without Clang LTO.
var LTO002 = &Rule{
	ID:       "LTO002",
	Name:     "flags-reach-wrong-lto-mode",
	Severity: Error,
	Summary:  "the suffix-reduction flags reach full LTO or a build without Clang LTO",
	Doc: `
Suffix reduction is a ThinLTO feature: --lto-whole-program-visibility and
-always-rename-promoted-locals=false only mean something when lld runs the
ThinLTO backends. In full LTO there is one module and nothing to promote,
and whole-program visibility changes what the optimizer may assume about
every symbol; without Clang LTO (or with GCC) the flags are at best noise
and with a linker that lacks the option a failed link.

Put the flags inside the ThinLTO branch of the Makefile's LTO block, not
next to flags shared by all modes such as -mllvm -import-instr-limit=5.`,
	Bad: `
ifdef CONFIG_LTO_CLANG
KBUILD_LDFLAGS += -mllvm -import-instr-limit=5
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif
KBUILD_LDFLAGS += -mllvm -import-instr-limit=5
endif`,
	Run: runLTO002,
}

func runLTO002(p *Pass) error {
	f := p.getFacts()
	g := newGrouper()
	for k, c := range p.Configs {
		m := c.Config.Mode
		if (!m.Full() && m.ClangLTO()) || p.aborted(k) {
			continue
		}
		for _, o := range f.link[k] {
			if o.Kind == OccRename || o.Kind == OccVisibility {
				e := g.add(o.Pos, k, o.Maybe, o.Why, o)
				e.extra[m.Label()] = true
			}
		}
	}
	for _, e := range g.sorted() {
		var where []string
		if e.extra["FULL"] {
			where = append(where, "full LTO (CONFIG_LTO_CLANG_FULL)")
		}
		if e.extra["no Clang LTO"] {
			where = append(where, "builds without Clang LTO")
		}
		msg := fmt.Sprintf("%s reaches %s; suffix reduction belongs to in-process ThinLTO only (CONFIG_LTO_CLANG_THIN)", flagName(e.occ), joinAnd(where))
		p.report(e.pos, e.configs, e.allMaybe, e.why, msg)
	}
	return nil
}

func flagName(o Occurrence) string {
	if o.Kind == OccVisibility {
		return "--lto-whole-program-visibility"
	}
	return "-mllvm -always-rename-promoted-locals=false"
}
