package check

import (
	"fmt"

	"klpcheck/internal/kbuild"
	"klpcheck/lint"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

// relevantLintErrors are the error findings that hold for the build's LTO
// mode (all of them when there is no .config, and those about the text
// itself), and the rest. A finding's configurations are lint's typed
// evaluations, never its labels.
func relevantLintErrors(lr *lint.Result, cfg *probe.KernelConfig) (here, elsewhere []lint.Finding) {
	for _, f := range lr.Findings {
		if f.Severity != string(rules.Error) {
			continue
		}
		configs := lr.ConfigsOf(f)
		if cfg == nil || len(configs) == 0 {
			here = append(here, f)
			continue
		}
		match := false
		for _, e := range configs {
			match = match || e.LTO == cfg.LTO()
		}
		if match {
			here = append(here, f)
		} else {
			elsewhere = append(elsewhere, f)
		}
	}
	return here, elsewhere
}

// arrival is what the evaluation saw of the flags in in-process ThinLTO
// with a toolchain that supports them (the configurations LTO006 looks
// at): the first configuration where both reach KBUILD_LDFLAGS, whether
// any was undecided, how many there were and how many make stopped in.
type arrival struct {
	reached              *lint.Evaluation
	undecided            bool
	evaluated, stoppedAt int
}

func flagsArrival(lr *lint.Result) arrival {
	var a arrival
	for i, e := range lr.Evaluations {
		if e.Build || e.LTO != kbuild.LTOThin || !e.ToolchainHasOption {
			continue
		}
		a.evaluated++
		if e.Stopped {
			a.stoppedAt++
		}
		if e.FlagsReached() && a.reached == nil {
			a.reached = &lr.Evaluations[i]
		}
		if !e.Stopped && (e.Visibility == rules.ReachMaybe || e.Rename == rules.ReachMaybe) {
			a.undecided = true
		}
	}
	return a
}

// makefile is the Makefile area: no error for the build's mode, and the
// flags seen arriving in in-process ThinLTO's KBUILD_LDFLAGS when the
// build is (or may be) THIN. Anything the evaluation could not see is a
// failure with its reason, never "ok".
func (dc *decider) makefile() {
	lr := dc.in.Lint
	if lr == nil {
		dc.add(AreaMakefile, StatusSkipped, "no kernel source tree to lint")
		return
	}
	here, elsewhere := relevantLintErrors(lr, dc.in.Config)
	scope := "any configuration"
	thin := true
	if cfg := dc.in.Config; cfg != nil {
		scope = cfg.LTO().Label()
		thin = cfg.LTO() == kbuild.LTOThin
	}
	a := flagsArrival(lr)
	switch {
	case len(here) > 0:
		f := here[0]
		dc.add(AreaMakefile, StatusFail, fmt.Sprintf("%s for %s; first: %s:%d: %s [%s]", plural(len(here), "error"), scope, f.File, f.Line, firstSentence(f.Message), f.Rule))
		dc.next(fmt.Sprintf("Fix the Makefile findings above (klpcheck lint --explain %s explains the rule with a bad and a good example).", f.Rule))
	case thin && a.evaluated == 0:
		dc.add(AreaMakefile, StatusFail, "the evaluation has no in-process ThinLTO configuration (the tree's arch/Kconfig offers no LTO_CLANG_THIN?), so it cannot tell whether the flags are added")
		dc.next("Check the tree's arch/Kconfig LTO choice; klpcheck lint --format json lists the configurations evaluated.")
	case thin && a.reached == nil && a.stoppedAt == a.evaluated:
		dc.add(AreaMakefile, StatusFail, "make stops at $(error ...) in every in-process ThinLTO configuration with a linker that has the option, so the evaluation never saw KBUILD_LDFLAGS (see the lint findings)")
		dc.next("Make the Makefile evaluate to the end for CONFIG_LTO_CLANG_THIN (klpcheck lint shows where it stops).")
	case thin && a.reached == nil && a.undecided:
		dc.add(AreaMakefile, StatusFail, "the evaluation could not decide whether the suffix-reduction flags reach KBUILD_LDFLAGS for THIN (see the lint notes)")
		dc.next("Make the ThinLTO branch add the flags unconditionally through one ld-option call: " + suffixReductionLine)
	case thin && a.reached == nil:
		dc.add(AreaMakefile, StatusFail, "the Makefile never adds the suffix-reduction flags for THIN, even with a linker that supports them [LTO006]")
		dc.next("Add to the in-process ThinLTO branch (ifdef CONFIG_LTO_CLANG_THIN) of the top-level Makefile: " + suffixReductionLine)
	default:
		text := "adds the flags correctly for " + scope
		if thin {
			text = fmt.Sprintf("adds the flags for %s: both reach KBUILD_LDFLAGS with %s", scope, a.reached.Toolchain)
		}
		if len(elsewhere) > 0 {
			text += fmt.Sprintf(" (%s in other configurations; see below)", plural(len(elsewhere), "error"))
		}
		dc.add(AreaMakefile, StatusOK, text)
	}
}
