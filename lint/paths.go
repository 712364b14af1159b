package lint

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"klpcheck/internal/report"
)

// PathsReport is what one lint of several PATHs found: each PATH's result,
// in the order given, and the totals. A single PATH is reported by its
// Result alone; this is the document of two PATHs or more.
type PathsReport struct {
	// Paths are the PATHs in the order given, each with the members of a
	// single PATH's document.
	Paths []PathReport `json:"paths"`
	// Totals add up the PATHs.
	Totals Totals `json:"totals"`
}

// PathReport is one PATH of a PathsReport: the members of the document a
// lint of that PATH alone prints, plus the PATH and why it could not be
// evaluated.
type PathReport struct {
	// Path is the PATH as given: a kernel tree, a Makefile, or "-" for
	// standard input.
	Path string `json:"path"`
	// Error says why the PATH could not be evaluated (the exit status is
	// then 2); empty when it was. A PATH with an error has no findings,
	// no configurations and no invocation.
	Error string `json:"error"`
	Result
}

// Totals are the sums over the PATHs of a PathsReport.
type Totals struct {
	// Paths is the number of PATHs; Failed, of those that could not be
	// evaluated.
	Paths  int `json:"paths"`
	Failed int `json:"failed"`
	// Errors, Warnings and Notes count the findings of every PATH.
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Notes    int `json:"notes"`
	// Suppressed counts the findings comments suppressed.
	Suppressed int `json:"suppressed"`
	// ConfigsEvaluated is the number of configurations evaluated, over
	// every PATH.
	ConfigsEvaluated int `json:"configs_evaluated"`
}

// Add appends the result of linting path, or the error that stopped it.
func (p *PathsReport) Add(path string, res *Result, err error) {
	pr := PathReport{Path: path}
	switch {
	case err != nil:
		pr.Error = err.Error()
		p.Totals.Failed++
	case res != nil:
		pr.Result = *res
		e, w, n := res.Counts()
		p.Totals.Errors += e
		p.Totals.Warnings += w
		p.Totals.Notes += n
		p.Totals.Suppressed += len(res.Suppressed)
		p.Totals.ConfigsEvaluated += res.ConfigsEvaluated
	}
	p.Totals.Paths++
	p.Paths = append(p.Paths, pr)
}

// Failures are the PATHs that could not be evaluated, each "PATH: why".
func (p *PathsReport) Failures() []string {
	var out []string
	for _, pr := range p.Paths {
		if pr.Error != "" {
			out = append(out, pr.failure())
		}
	}
	return out
}

// failure is the error of a PATH that could not be evaluated, naming the
// PATH unless the error does already.
func (pr *PathReport) failure() string {
	if strings.Contains(pr.Error, pr.Path) {
		return pr.Error
	}
	return pr.Path + ": " + pr.Error
}

// ExitCode is 2 when a PATH could not be evaluated, else 1 when a PATH has
// an error (or, with werror, a warning), else 0.
func (p *PathsReport) ExitCode(werror bool) int {
	if p.Totals.Failed > 0 {
		return report.ExitError
	}
	code := report.ExitClean
	for i := range p.Paths {
		code = max(code, p.Paths[i].ExitCode(werror))
	}
	return code
}

// WriteJSON writes p as the documented JSON document.
func (p *PathsReport) WriteJSON(w io.Writer) error { return report.WriteJSON(w, p) }

// WriteTextOptions writes each PATH's report (a line saying why for one
// that could not be evaluated), each followed by a line naming the PATH
// with its counts, then a summary line with the totals. Quiet leaves out
// what was read and the lines of the PATHs evaluated.
func (p *PathsReport) WriteTextOptions(w io.Writer, o TextOptions) error {
	var b strings.Builder
	for i := range p.Paths {
		pr := &p.Paths[i]
		if pr.Error != "" {
			fmt.Fprintf(&b, "could not lint %s\n", pr.failure())
			continue
		}
		pr.writeBody(&b, o)
		if !o.Quiet {
			e, wn, n := pr.Counts()
			fmt.Fprintf(&b, "%s: %s\n", pr.Path, tally(e, wn, n, pr.ConfigsEvaluated, len(pr.Suppressed)))
		}
	}
	t := p.Totals
	s := fmt.Sprintf("klpcheck lint: %d paths", t.Paths)
	if t.Failed > 0 {
		s += fmt.Sprintf(", %d could not be linted", t.Failed)
	}
	s += ": " + tally(t.Errors, t.Warnings, t.Notes, t.ConfigsEvaluated, t.Suppressed)
	b.WriteString(o.Style.Verdict(s, t.Errors+t.Warnings+t.Failed == 0, t.Errors+t.Failed > 0))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// SARIFRun is one run with the results of every PATH. Each distinct tree
// is a root of its own: the first %SRCROOT%, the next SRCROOT2, SRCROOT3...
// in the order of the PATHs, all declared in originalUriBaseIds. The
// invocation fails, with a notification for each, when a PATH could not
// be evaluated.
func (p *PathsReport) SARIFRun(version string) report.SARIFRun {
	run := report.SARIFRun{
		Tool:               report.SARIFTool{Driver: report.SARIFDriver{Name: "klpcheck", Version: version, Rules: SARIFRules()}},
		Invocations:        p.sarifInvocations(),
		OriginalURIBaseIDs: map[string]report.SARIFArtifactLocation{},
		Results:            []report.SARIFResult{},
	}
	index := sarifRuleIndex(run.Tool.Driver.Rules)
	ids := map[string]string{} // absolute root -> uriBaseId
	for i := range p.Paths {
		pr := &p.Paths[i]
		roots := pr.SARIFRoots()
		abs, err := filepath.Abs(roots.Source)
		if err != nil {
			abs = roots.Source
		}
		id, ok := ids[abs]
		if !ok && pr.usesRoot(roots) {
			id = report.SourceRoot
			if n := len(ids); n > 0 {
				id = "SRCROOT" + strconv.Itoa(n+1)
			}
			ids[abs] = id
			for _, loc := range roots.BaseIDs() {
				run.OriginalURIBaseIDs[id] = loc
			}
		}
		run.Results = append(run.Results, pr.sarifResults(index, roots, id)...)
	}
	if len(ids) == 0 {
		run.OriginalURIBaseIDs = report.Roots{Source: "."}.BaseIDs()
	}
	report.NumberFingerprints(run.Results)
	return run
}

// usesRoot reports whether a result of pr lies under roots' tree.
func (pr *PathReport) usesRoot(roots report.Roots) bool {
	for _, f := range pr.Findings {
		if f.sarifArtifact(roots).URIBaseID == report.SourceRoot {
			return true
		}
	}
	for _, s := range pr.Suppressed {
		if s.sarifArtifact(roots).URIBaseID == report.SourceRoot {
			return true
		}
	}
	return false
}

func (p *PathsReport) sarifInvocations() []report.SARIFInvocation {
	failures := p.Failures()
	inv := report.Invocation(len(failures) == 0, "")
	for _, f := range failures {
		inv[0].ToolExecutionNotifications = append(inv[0].ToolExecutionNotifications,
			report.SARIFNotification{Level: "error", Message: report.SARIFMessage{Text: f}})
	}
	return inv
}

// WriteSARIF writes p as a SARIF 2.1.0 log with one run.
func (p *PathsReport) WriteSARIF(w io.Writer, version string) error {
	return report.WriteJSON(w, report.SARIFLog{
		Schema:  report.SARIFSchema,
		Version: report.SARIFVersion,
		Runs:    []report.SARIFRun{p.SARIFRun(version)},
	})
}
