package check

import (
	"fmt"
	"path/filepath"
	"strings"

	"klpcheck/probe"
)

// linkerOutcomes sorts the probed linkers by outcome: the names of those
// that accept and refuse the flags, the refusal reasons in first-seen order
// with the linkers giving each, and why the others gave no verdict.
type linkerOutcomes struct {
	ok, no, broken []string
	reasons        map[string][]string
	order          []string
}

func sortLinkers(pr *probe.Report) linkerOutcomes {
	var lo linkerOutcomes
	lo.reasons = map[string][]string{}
	for _, l := range pr.Linkers {
		name := filepath.Base(l.Path)
		if l.Version != "" {
			name += " " + l.Version
		}
		switch l.Outcome() {
		case probe.OutcomeSupported:
			lo.ok = append(lo.ok, name)
		case probe.OutcomeUnsupported:
			lo.no = append(lo.no, name)
			if _, seen := lo.reasons[l.Reason]; !seen {
				lo.order = append(lo.order, l.Reason)
			}
			lo.reasons[l.Reason] = append(lo.reasons[l.Reason], name)
		case probe.OutcomeError:
			lo.broken = append(lo.broken, l.Error)
		default:
			lo.broken = append(lo.broken, name+" gave no verdict")
		}
	}
	return lo
}

// why is the refusal reasons, each with its linkers when they differ.
func (lo linkerOutcomes) why() string {
	var why []string
	for _, r := range lo.order {
		if len(lo.order) == 1 {
			why = append(why, r)
		} else {
			why = append(why, strings.Join(lo.reasons[r], ", ")+": "+r)
		}
	}
	return strings.Join(why, "; ")
}

// toolchain is the toolchain area: the build's linker must accept the
// flags; when every lld was probed (nothing named the linker) one that
// does is enough to build with.
func (dc *decider) toolchain() {
	pr := dc.in.Probe
	if pr == nil {
		dc.add(AreaToolchain, StatusSkipped, "no linker could be probed")
		dc.nextAsk("Install LLD from LLVM 23.1 or later (Debian/Ubuntu: apt-get install lld-23 once packaged; or an upstream build) and ", AskLinker, "; to see what an installed lld answers: apt-get install lld-22")
		return
	}
	lo := sortLinkers(pr)
	choice := dc.in.LinkerChoice
	all := len(pr.Linkers) > 0 && dc.in.AllLinkers
	switch {
	case len(lo.broken) > 0 && len(lo.ok) == 0 && len(lo.no) == 0:
		dc.add(AreaToolchain, StatusSkipped, "could not probe: "+strings.Join(lo.broken, "; "))
		dc.nextAsk("Make the build's linker available (or ", AskLinker, ") and check again.")
	case all && len(lo.ok) > 0:
		dc.add(AreaToolchain, StatusOK, fmt.Sprintf("%s accepts the flags (probed %s)", strings.Join(lo.ok, ", "), choice))
		dc.next("Build with a linker that accepts the flags: make LLVM=<its bin directory>/ or LD=<path>.")
	case len(lo.ok) == 0 && len(lo.no) == 0:
		dc.add(AreaToolchain, StatusSkipped, "no linker was probed ("+choice+")")
		dc.nextAsk("Make the build's linker available (or ", AskLinker, ") and check again.")
	case len(lo.no) == 0 && len(lo.broken) == 0:
		dc.add(AreaToolchain, StatusOK, fmt.Sprintf("%s accepts the flags (%s)", strings.Join(lo.ok, ", "), choice))
	case len(lo.no) == 0:
		dc.add(AreaToolchain, StatusSkipped, "could not probe: "+strings.Join(lo.broken, "; "))
		dc.nextAsk("Make the build's linker available (or ", AskLinker, ") and check again.")
	default:
		verb := "refuses"
		if len(lo.no) > 1 {
			verb = "refuse"
		}
		dc.add(AreaToolchain, StatusFail, fmt.Sprintf("%s %s the flags, so ld-option leaves them out (%s): %s", strings.Join(lo.no, ", "), verb, choice, lo.why()))
		dc.next("Use LLD from LLVM 23.1 or later for this build (make LLVM=/path/to/llvm-23/bin/); `klpcheck probe --all` lists what this machine has.")
	}
}
