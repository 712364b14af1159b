package probe

import (
	"fmt"
	"strings"
)

// hasLinkTest reports whether any linker ran the link test: the table
// then has its two columns.
func (r *Report) hasLinkTest() bool {
	for _, l := range r.Linkers {
		if l.LinkTest != nil {
			return true
		}
	}
	return false
}

// linkTestCells are a result's IN-PROCESS and DISTRIBUTED table cells.
func linkTestCells(r Result) (inProcess, distributed string) {
	if r.LinkTest == nil {
		return "-", "-"
	}
	return r.LinkTest.InProcess.Verdict, r.LinkTest.Distributed.Verdict
}

// linkTestDetails are the lines under a linker that explain its link test.
func linkTestDetails(lt *LinkTest) []string {
	if lt == nil {
		return nil
	}
	if lt.CCMissing {
		return []string{"link test not run: " + lt.InProcess.Detail}
	}
	d := []string{fmt.Sprintf("link test with %s (%s), ld -r:", lt.CC, lt.CCRule)}
	for _, m := range []struct {
		name string
		mode LinkMode
	}{{"in-process", lt.InProcess}, {"distributed", lt.Distributed}} {
		d = append(d, fmt.Sprintf("  %-12s %s: %s", m.name, m.mode.Verdict, m.mode.Detail))
		if len(m.mode.Baseline) > 0 {
			d = append(d, fmt.Sprintf("  %-12s without the flags: %s", "", strings.Join(m.mode.Baseline, " ")))
		}
		if len(m.mode.WithFlags) > 0 {
			d = append(d, fmt.Sprintf("  %-12s with the flags:    %s", "", strings.Join(m.mode.WithFlags, " ")))
		}
	}
	return d
}

// linkTestSummary is the summary's sentence about the link tests, or "".
func linkTestSummary(rep *Report) string {
	if !rep.hasLinkTest() {
		return ""
	}
	var works, not, ineffective, unknown int
	for _, l := range rep.Linkers {
		if l.LinkTest == nil {
			continue
		}
		for _, m := range []LinkMode{l.LinkTest.InProcess, l.LinkTest.Distributed} {
			switch m.Verdict {
			case LinkWorks:
				works++
			case LinkRejected:
				not++
			case LinkIneffective:
				not++
				ineffective++
			default:
				unknown++
			}
		}
	}
	s := fmt.Sprintf("link test: suffix reduction works in %d of %d mode(s)", works, works+not+unknown)
	if unknown > 0 {
		s += fmt.Sprintf(", %d could not tell", unknown)
	}
	if ineffective > 0 {
		s += fmt.Sprintf("; %d accept the flags and still rename (ineffective): ld-option would pick them and the names would still change", ineffective)
	}
	return s
}
