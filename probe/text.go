package probe

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Outcome is kbuild's answer for one linker as a value.
type Outcome int

// The outcomes. Unknown: the linker ran but no verdict came of it.
const (
	OutcomeUnknown Outcome = iota
	OutcomeSupported
	OutcomeUnsupported
	// OutcomeError: the linker could not be run (Result.Error says why).
	OutcomeError
)

func (o Outcome) String() string {
	switch o {
	case OutcomeSupported:
		return "supported"
	case OutcomeUnsupported:
		return "unsupported"
	case OutcomeError:
		return "error"
	}
	return "unknown"
}

// Outcome is the result's verdict; Reason holds the linker's words for a
// refusal and Error why it could not run.
func (r Result) Outcome() Outcome {
	switch {
	case r.Error != "":
		return OutcomeError
	case r.Supported == nil:
		return OutcomeUnknown
	case *r.Supported:
		return OutcomeSupported
	}
	return OutcomeUnsupported
}

// Verdict is a result's one-word verdict for tables.
func (r Result) Verdict() string { return r.Outcome().String() }

// WriteText writes the human report: a table with one row per linker, then
// what ld-option hides for each linker that has something to say, then a
// one-line summary with the next step.
func WriteText(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ld-option: %s\n", strings.Join(rep.Flags, " "))
	if len(rep.LDFlags) > 0 {
		fmt.Fprintf(&b, "KBUILD_LDFLAGS: %s\n", strings.Join(rep.LDFlags, " "))
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	linkTest := rep.hasLinkTest()
	if linkTest {
		fmt.Fprintln(tw, "LINKER\tFLAVOR\tVERSION\tVERDICT\tIN-PROCESS\tDISTRIBUTED\tREASON")
	} else {
		fmt.Fprintln(tw, "LINKER\tFLAVOR\tVERSION\tVERDICT\tREASON")
	}
	for _, r := range rep.Linkers {
		reason := r.Reason
		if r.Error != "" {
			reason = "could not run (see below)"
		}
		if reason == "" {
			reason = "-"
		}
		if linkTest {
			inProcess, distributed := linkTestCells(r)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Path, dash(r.Flavor), dash(r.Version), r.Verdict(), inProcess, distributed, reason)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Path, dash(r.Flavor), dash(r.Version), r.Verdict(), reason)
	}
	tw.Flush()

	for _, r := range rep.Linkers {
		details := linkerDetails(r, len(rep.Flags) > 0 && len(Groups(rep.Flags)) > 1)
		if len(details) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s", r.Path)
		if r.VersionLine != "" {
			fmt.Fprintf(&b, " (%s)", r.VersionLine)
		}
		fmt.Fprintf(&b, ", chosen by %s:\n", r.Source)
		for _, d := range details {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	if len(rep.Warnings) > 0 {
		b.WriteString("\n")
		for _, wn := range rep.Warnings {
			fmt.Fprintf(&b, "warning: %s\n", wn)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", summary(rep))
	if s := linkTestSummary(rep); s != "" {
		fmt.Fprintf(&b, "%s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func linkerDetails(r Result, showGroups bool) []string {
	var d []string
	if r.Error != "" {
		return []string{"error: " + r.Error}
	}
	if r.LDFlagsAlone != nil && !r.LDFlagsAlone.Supported {
		d = append(d, fmt.Sprintf("KBUILD_LDFLAGS alone are refused: %s", r.LDFlagsAlone.Reason))
	}
	if showGroups || len(r.FailedFlags) > 0 {
		for _, g := range r.Groups {
			state := "accepted"
			if !g.Supported {
				state = "refused: " + g.Reason
			}
			d = append(d, fmt.Sprintf("%-45s %s (version predicts: %s)", strings.Join(g.Flags, " "), state, g.Expected))
		}
	}
	if !r.Consistent && r.Expected != "" {
		d = append(d, "inconsistent: "+r.Note)
	} else if r.Note != "" {
		d = append(d, "note: "+r.Note)
	}
	for _, wn := range r.Warnings {
		d = append(d, "warning: "+wn)
	}
	return append(d, linkTestDetails(r.LinkTest)...)
}

func summary(rep *Report) string {
	var ok, no, errs int
	for _, r := range rep.Linkers {
		switch r.Verdict() {
		case "supported":
			ok++
		case "unsupported":
			no++
		case "error":
			errs++
		}
	}
	n := len(rep.Linkers)
	s := fmt.Sprintf("%d of %d linker(s) accept the flags", ok, n)
	switch {
	case errs > 0:
		s += fmt.Sprintf("; %d could not be run (exit 2)", errs)
	case no > 0:
		s += "; kbuild's ld-option leaves them out for the others, so those builds keep the .llvm.<hash> names (exit 1)"
		if rep.isDefaultFlags() {
			s += ".\nNext: suffix reduction needs LLD from LLVM 23.1 or later (make LLVM=1 with it on PATH, or LLVM=/path/to/llvm/bin/)"
		}
	default:
		s += fmt.Sprintf(" (exit %d)", rep.ExitStatus()) // 0 unless a link test says otherwise
	}
	return s
}

func (r *Report) isDefaultFlags() bool {
	return strings.Join(r.Flags, " ") == DefaultFlags
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
