package rules

// LTO008 reports the flags added more than once in one configuration.
var LTO008 = &Rule{
	ID:       "LTO008",
	Name:     "flags-duplicated",
	Severity: Warning,
	Summary:  "the flags are added more than once in one configuration",
	Doc: `
Adding the flags twice does no harm to the link, but it means two places
decide about the feature (often a leftover of a rebased patch: one copy
under a version gate, one under ld-option), and the next change will fix
only one of them.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif
ifneq ($(CONFIG_LTO_CLANG_THIN),)
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO008,
}

func runLTO008(p *Pass) error {
	f := p.getFacts()
	g := newGrouper()
	for k := range p.Configs {
		if p.aborted(k) {
			continue
		}
		seen := map[OccKind]int{}
		for _, o := range f.vmlinux[k] {
			if o.Kind != OccRename && o.Kind != OccVisibility {
				continue
			}
			seen[o.Kind]++
			if seen[o.Kind] > 1 {
				g.add(o.Pos, k, o.Maybe, o.Why, o)
			}
		}
	}
	for _, e := range g.sorted() {
		p.report(e.pos, e.configs, e.allMaybe, e.why, flagName(e.occ)+" is added to KBUILD_LDFLAGS a second time here; keep one place that decides about suffix reduction")
	}
	return nil
}
