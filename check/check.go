// Package check decides klpcheck check's one verdict from the typed facts
// of the three capabilities: probe's outcome per linker (and its link
// test), lint's evaluations (whether the flags reach KBUILD_LDFLAGS per
// configuration, the LTO mode and toolchain of each) and findings with
// their configurations as values, and correlate's conflicts, provenance,
// budget and twins. The CLI gathers the inputs and renders the Decision;
// it decides nothing. "ready" only when every area was shown ok.
package check

import (
	"fmt"
	"strings"

	"klpcheck/correlate"
	"klpcheck/internal/kbuild"
	"klpcheck/internal/report"
	"klpcheck/lint"
	"klpcheck/probe"
)

// Verdict is check's answer, as printed and in JSON.
type Verdict string

// The verdicts.
const (
	Ready         Verdict = "ready"
	NotReady      Verdict = "not ready"
	NotApplicable Verdict = "not applicable"
)

// Status is one area's outcome.
type Status string

// The area statuses.
const (
	StatusOK      Status = "ok"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// AreaID names an area of the verdict.
type AreaID string

// The areas, in the order they are decided.
const (
	AreaToolchain AreaID = "toolchain"
	AreaLinkTest  AreaID = "link-test"
	AreaMakefile  AreaID = "makefile"
	AreaBuild     AreaID = "build"
)

// Area is one line under the verdict.
type Area struct {
	Area   string `json:"area"`   // an AreaID: toolchain, link-test, makefile, build
	Status string `json:"status"` // a Status: ok, fail, skipped
	Text   string `json:"text"`
}

// Skip is a part that was not looked at, and why. Area is empty for a note
// that belongs to no area (a build without .config).
type Skip struct {
	Area AreaID
	Why  string
}

// String is how Skipped lists it: "Makefile: no kernel source tree ...".
func (s Skip) String() string {
	switch s.Area {
	case "":
		return s.Why
	case AreaMakefile:
		return "Makefile: " + s.Why
	case AreaLinkTest:
		return "link test: " + s.Why
	}
	return string(s.Area) + ": " + s.Why
}

// Inputs are the sections that ran (nil when skipped) and what check was
// told about them.
type Inputs struct {
	// Config is the build's .config; nil when there is none.
	Config    *probe.KernelConfig
	Probe     *probe.Report
	Lint      *lint.Result
	Correlate *correlate.Result
	// AllLinkers is set when nothing named the build's linker and every
	// lld on the machine was probed: one that accepts the flags is enough.
	AllLinkers bool
	// LinkerChoice says in words how the linker was chosen (messages only).
	LinkerChoice string
	// Orig names the original build twins were paired against (messages).
	Orig    string
	Skipped []Skip
	Demo    bool
}

// Decision is the verdict, its exit status, the area lines, the parts
// skipped (the inputs' and the decision's own) and the next steps.
type Decision struct {
	Verdict Verdict
	Status  int
	Summary []Area
	Skipped []Skip
	Next    []string
	// asks are the steps behind Next, by index, for RenderNext.
	asks []step
}

// decider collects a decision's lines.
type decider struct {
	in    Inputs
	d     *Decision
	ready bool
}

func (dc *decider) add(area AreaID, status Status, text string) {
	dc.d.Summary = append(dc.d.Summary, Area{Area: string(area), Status: string(status), Text: text})
	if status != StatusOK {
		dc.ready = false
	}
}

func (dc *decider) next(s string) { dc.nextAsk(s, AskNone, "") }

func (dc *decider) skip(area AreaID, why string) {
	dc.d.Skipped = append(dc.d.Skipped, Skip{Area: area, Why: why})
}

// Decide is the one decision: each area from its section's typed facts,
// then the verdict. A skipped area is never ok, so an input that was not
// looked at makes the build "not ready" (or "not applicable" for a
// .config without ThinLTO, whatever the areas say).
func Decide(in Inputs) Decision {
	d := &Decision{Summary: []Area{}, Skipped: append([]Skip{}, in.Skipped...), Next: []string{}}
	dc := &decider{in: in, d: d, ready: true}
	dc.toolchain()
	dc.linkTest()
	dc.makefile()
	dc.build()

	switch cfg := in.Config; {
	case cfg != nil && !cfg.LTO().ThinLTO():
		d.Verdict, d.Status = NotApplicable, report.ExitClean
		d.Next, d.asks = nil, nil
		dc.next(fmt.Sprintf("%s selects %s: suffix reduction is a ThinLTO feature (CONFIG_LTO_CLANG_THIN).", cfg.File, cfg.LTO().Label()))
	case dc.ready:
		d.Verdict, d.Status = Ready, report.ExitClean
	default:
		d.Verdict, d.Status = NotReady, report.ExitFindings
	}
	for _, s := range in.Skipped {
		if s.Area == AreaMakefile || s.Area == AreaBuild {
			dc.next("Skipped " + s.String() + ".")
		}
	}
	if in.Demo {
		dc.nextAsk("This was the embedded demo. Point check at a real kernel: ", AskKernel, " (or run it inside either).")
	}
	return *d
}

// plural is "1 error", "2 errors".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// firstSentence shortens a finding's message for the one-line summary.
func firstSentence(s string) string {
	if i := strings.Index(s, ": "); i > 0 && i < 160 {
		return s[:i]
	}
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}

// suffixReductionLine is the line kbuild needs, for the Next step of a
// Makefile without it.
const suffixReductionLine = "KBUILD_LDFLAGS += $(call ld-option," + kbuild.SuffixReductionFlags + ")"
