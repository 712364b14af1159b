package rules

import (
	"fmt"
)

// LTO004 reports the two flags split apart.
var LTO004 = &Rule{
	ID:       "LTO004",
	Name:     "flags-split",
	Severity: Error,
	Summary:  "the two flags are split: a configuration gets one without the other, or -mllvm is separated from its value",
	Doc: `
-always-rename-promoted-locals=false acts only when whole-program visibility
is on, and --lto-whole-program-visibility without it changes optimisation
for nothing the live-patching tools need. They belong together in one
$(call ld-option,...): two probes can answer differently (an lld that knows
the visibility flag but not the LLVM option gets half of the pair), and a
probe of one flag says nothing about the other.

-mllvm takes the next word as its value. If -mllvm and
-always-rename-promoted-locals=false are added by different statements or
different probes, one can be present without the other: lld then either
reads the next unrelated flag as an LLVM option or rejects the lone
-always-rename-promoted-locals=false as an unknown argument.`,
	Bad: `
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility)
KBUILD_LDFLAGS += $(call ld-option,-mllvm -always-rename-promoted-locals=false)`,
	Good: `
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)`,
	Run: runLTO004,
}

func runLTO004(p *Pass) error {
	f := p.getFacts()
	g := newGrouper()
	for k := range p.Configs {
		if p.aborted(k) {
			continue
		}
		occs := f.link[k]
		hasVis, visDef := hasKind(occs, OccVisibility)
		hasRen, renDef := hasKind(occs, OccRename)
		if misspelled, _ := hasKind(occs, OccMisspelled); misspelled {
			// A misspelled rename flag is LTO007's finding; the
			// visibility flag is not alone on purpose.
			hasRen, renDef = true, true
		}
		for _, o := range occs {
			switch o.Kind {
			case OccVisibility:
				if !hasRen {
					e := g.add(o.Pos, k, o.Maybe, o.Why, o)
					e.extra["vis-alone"] = true
				} else if visDef && !renDef {
					e := g.add(o.Pos, k, true, "whether the rename flag is there", o)
					e.extra["vis-alone"] = true
				}
			case OccRename:
				if !hasVis {
					e := g.add(o.Pos, k, o.Maybe, o.Why, o)
					e.extra["rename-alone"] = true
				}
			case OccSplitPair:
				e := g.add(o.Pos, k, o.Maybe, o.Why, o)
				e.extra["pair-split"] = true
			case OccDangling:
				e := g.add(o.Pos, k, o.Maybe, o.Why, o)
				e.extra["dangling"] = true
			case OccLoneRename:
				e := g.add(o.Pos, k, o.Maybe, o.Why, o)
				e.extra["lone"] = true
			}
		}
	}
	for _, e := range g.sorted() {
		var msg string
		switch {
		case e.extra["pair-split"]:
			msg = "-mllvm and -always-rename-promoted-locals=false come from different statements or probes; keep the pair in one word list: $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)"
		case e.extra["dangling"]:
			msg = "-mllvm ends the flags: it has no value in these configurations, and lld fails with 'missing argument'"
		case e.extra["lone"]:
			msg = "-always-rename-promoted-locals=false without -mllvm in front is not an lld option; lld rejects it as an unknown argument"
		case e.extra["vis-alone"]:
			msg = fmt.Sprintf("--lto-whole-program-visibility reaches the link without -mllvm -always-rename-promoted-locals=false with %s: the two flags are split (two ld-option calls?); probe and add them together",
				p.toolchainNames(e.configs))
		default:
			msg = "-mllvm -always-rename-promoted-locals=false reaches the link without --lto-whole-program-visibility, where it does nothing; add both in one $(call ld-option,...)"
		}
		p.report(e.pos, e.configs, e.allMaybe, e.why, msg)
	}
	return nil
}
