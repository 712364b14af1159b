package rules

import "klpcheck/lint/kconfig"

// KCFG001 reports the Kconfig lines of the tree klpcheck could not read:
// what they say is unknown to the evaluation (a condition that does not
// parse never counts as true), so the user knows why a symbol is unknown.
var KCFG001 = &Rule{
	ID:       "KCFG001",
	Name:     "kconfig-unreadable",
	Severity: Warning,
	Summary:  "a Kconfig line klpcheck could not read: the symbols it decides are unknown",
	Doc: `
klpcheck reads the tree's Kconfig files (arch/Kconfig, the architecture's
Kconfig, patched by --patch) to learn the LTO choice, the version gates and
the options a patch adds. A line it cannot parse, such as a "depends on"
that ends in "&&" or has unbalanced parentheses, is an error Kconfig itself
reports at "make olddefconfig". klpcheck does not guess what the line
meant: the condition is unknown, never true, so a symbol that depends on
it is unknown in every configuration that does not set it.

A keyword klpcheck does not know (a newer Kconfig than it models) is a
note. Kconfig macros such as $(cc-option,...) and $(success,...) are valid
Kconfig that klpcheck does not expand: they are not reported, and the
symbols they decide are unknown unless the configuration sets them.`,
	Bad: `
config LTO_CLANG_THIN_SUFFIX_REDUCTION
	bool "Keep the names of promoted locals"
	depends on LTO_CLANG_THIN &&
	default y
	help
	  Fewer .llvm.<hash> symbols for live patching.`,
	Good: `
config LTO_CLANG_THIN_SUFFIX_REDUCTION
	bool "Keep the names of promoted locals"
	depends on LTO_CLANG_THIN
	default y
	help
	  Fewer .llvm.<hash> symbols for live patching.`,
	Run: runKCFG001,
}

func runKCFG001(p *Pass) error {
	for _, f := range p.Kconfig {
		if f.Fragment {
			continue // lines out of context: PATCH001 reports the hunk
		}
		for _, pr := range f.Problems {
			switch pr.Kind {
			case kconfig.ProblemMacro:
				continue
			case kconfig.ProblemKeyword:
				p.report(kpos(pr.Pos), nil, true, "", pr.Msg+": klpcheck does not model this keyword, and ignores the line")
			default:
				p.report(kpos(pr.Pos), nil, false, "", pr.Msg+": the line does not parse, so what it decides is unknown (Kconfig itself rejects it)")
			}
		}
	}
	return nil
}
