package check

import (
	"fmt"
	"path/filepath"
	"strings"

	"klpcheck/internal/kbuild"
	"klpcheck/probe"
)

// The link test's part of the decision (probe --link-test): kept apart
// from the toolchain area so that that rule stays ld-option's, and this
// one adds only what ld-option cannot see.

// linkTestModes are the ThinLTO modes the build's configuration uses:
// both when there is no .config.
func linkTestModes(cfg *probe.KernelConfig) []string {
	switch {
	case cfg == nil:
		return []string{"in-process", "distributed"}
	case cfg.LTO() == kbuild.LTOThinDist:
		return []string{"distributed"}
	}
	return []string{"in-process"}
}

func linkTestMode(lt *probe.LinkTest, mode string) probe.LinkMode {
	if mode == "distributed" {
		return lt.Distributed
	}
	return lt.InProcess
}

// linkTest adds the "link-test" area for the linkers that accept the
// flags: ok when the link test shows the names kept in the build's mode,
// fail when a linker accepts the flags and still renames (ineffective), so
// check never says ready on such a linker. A link test that could not run
// (no matching clang, a compiler error) is listed under Skipped and does
// not decide the verdict: ld-option's answer stands alone then.
func (dc *decider) linkTest() {
	pr := dc.in.Probe
	if pr == nil {
		return
	}
	modes := linkTestModes(dc.in.Config)
	var works, ineffective []string
	for _, l := range pr.Linkers {
		lt := l.LinkTest
		if lt == nil || l.Outcome() != probe.OutcomeSupported {
			continue // refused: the toolchain area already says so
		}
		name := filepath.Base(l.Path)
		if lt.CCMissing {
			dc.skip(AreaLinkTest, fmt.Sprintf("not run for %s, so only ld-option's answer counts: %s", name, lt.InProcess.Detail))
			continue
		}
		for _, mode := range modes {
			m := linkTestMode(lt, mode)
			switch m.Verdict {
			case probe.LinkWorks:
				works = append(works, name+" ("+mode+")")
			case probe.LinkIneffective:
				ineffective = append(ineffective, name+" ("+mode+")")
			default:
				dc.skip(AreaLinkTest, fmt.Sprintf("%s %s could not tell (%s): %s", name, mode, m.Verdict, m.Detail))
			}
		}
	}
	switch {
	case len(ineffective) > 0 && !(dc.in.AllLinkers && len(works) > 0):
		dc.add(AreaLinkTest, StatusFail, fmt.Sprintf("%s accept(s) the flags but the link test keeps .llvm.<hash> names: ld-option picks flags that do nothing", strings.Join(ineffective, ", ")))
		dc.next("Use a linker whose link test says works in this build's mode (`klpcheck probe --link-test --all`); for distributed ThinLTO, LLD from LLVM 23.1 or later.")
	case len(works) > 0:
		dc.add(AreaLinkTest, StatusOK, fmt.Sprintf("the promoted statics keep their names with %s", strings.Join(works, ", ")))
	}
}
