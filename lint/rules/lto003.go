package rules

import (
	"fmt"
)

// LTO003 reports the flags reaching distributed ThinLTO with a toolchain
// that supports the option in-process only.
var LTO003 = &Rule{
	ID:       "LTO003",
	Name:     "flags-reach-distributed-thinlto",
	Severity: Error,
	Summary:  "the flags reach distributed ThinLTO with a toolchain that supports them in-process only",
	Doc: `
LLVM first supported -always-rename-promoted-locals=false for in-process
ThinLTO only (in main since 2026-02-27); distributed ThinLTO, where the
backends run outside lld, followed later (2026-04-24), and the first release
with both is LLVM 23.1. A 23.0.0git snapshot in between accepts the option,
so ld-option says yes, but a distributed build (CONFIG_LTO_CLANG_THIN_DIST)
then does not get the promised names.

ld-option cannot tell the two modes apart. Either keep the flags out of
distributed ThinLTO (nest them under ifdef CONFIG_LTO_CLANG_THIN inside the
branch shared by THIN and THIN_DIST), or gate them on
$(call clang-min-version,230100).`,
	Bad: `
ifdef CONFIG_LTO_CLANG_FULL
CC_FLAGS_LTO	:= -flto
else
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_FULL
CC_FLAGS_LTO	:= -flto
else
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif
endif`,
	Run: runLTO003,
}

func runLTO003(p *Pass) error {
	f := p.getFacts()
	g := newGrouper()
	for k, c := range p.Configs {
		t := c.Config.Toolchain
		if !c.Config.Mode.DistributedThin() || !t.Rename || t.Distributed || p.aborted(k) {
			continue
		}
		for _, o := range f.link[k] {
			if o.Kind == OccRename {
				g.add(o.Pos, k, o.Maybe, o.Why, o)
			}
		}
	}
	for _, e := range g.sorted() {
		how := "ld-option accepts the flag there and cannot tell that distributed ThinLTO ignores it"
		if gates := versionGates(e.occ); len(gates) > 0 && !probed(e.occ) {
			how = fmt.Sprintf("the version gate %s at line %d admits a toolchain that supports the option in-process only", gates[0].What, gates[0].At.Line)
		}
		msg := fmt.Sprintf("the flags reach distributed ThinLTO (CONFIG_LTO_CLANG_THIN_DIST) with %s: %s; exclude THIN_DIST (ifdef CONFIG_LTO_CLANG_THIN) or gate on $(call clang-min-version,230100)",
			p.toolchainNames(e.configs), how)
		p.report(e.pos, e.configs, e.allMaybe, e.why, msg)
	}
	return nil
}
