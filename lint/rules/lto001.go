package rules

import (
	"fmt"
)

// LTO001 reports configurations in which a linker that rejects the
// suffix-reduction flags gets them.
var LTO001 = &Rule{
	ID:       "LTO001",
	Name:     "flags-reach-rejecting-linker",
	Severity: Error,
	Summary:  "a configuration gives -mllvm -always-rename-promoted-locals=false to a linker that rejects it",
	Doc: `
lld only knows -always-rename-promoted-locals from LLVM 23 on (and not every
23.0.0git snapshot has it). An lld that does not know an -mllvm option stops
with "Unknown command line argument" before linking anything, so any
configuration that hands the flag to such an lld fails to build.

The flags must be guarded by $(call ld-option,...), which asks the linker
itself. A version gate (clang-min-version, a test on CONFIG_CLANG_VERSION, a
Kconfig symbol that depends on CLANG_VERSION >= N) is not enough when it
admits a toolchain whose lld rejects the flag: LLVM 23.0.0git reports
230000 both before and after the option landed, and a clang version says
nothing about the lld that LD= may select.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS	+= --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO001,
}

func runLTO001(p *Pass) error {
	f := p.getFacts()
	g := newGrouper()
	for k, c := range p.Configs {
		if c.Config.Toolchain.Rename || p.aborted(k) {
			continue
		}
		for _, o := range f.link[k] {
			if o.Kind == OccRename {
				g.add(o.Pos, k, o.Maybe, o.Why, o)
			}
		}
	}
	for _, e := range g.sorted() {
		tcs := p.toolchainNames(e.configs)
		var msg string
		switch gates := versionGates(e.occ); {
		case probed(e.occ):
			msg = fmt.Sprintf("ld-option is modelled to reject the flags with %s, yet they reach the link", tcs)
		case len(gates) > 0:
			msg = fmt.Sprintf("the version gate %s at line %d admits %s, whose lld rejects -mllvm -always-rename-promoted-locals=false: the link fails; guard the flags with $(call ld-option,...)",
				gates[0].What, gates[0].At.Line, tcs)
		default:
			msg = fmt.Sprintf("-mllvm -always-rename-promoted-locals=false is added without an ld-option guard; the lld of %s rejects it and the link fails; use $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)", tcs)
		}
		p.report(e.pos, e.configs, e.allMaybe, e.why, msg)
	}
	return nil
}
