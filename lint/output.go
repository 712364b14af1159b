package lint

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"klpcheck/internal/report"
	"klpcheck/internal/style"
	"klpcheck/lint/rules"
)

// Counts returns the number of errors, warnings and notes.
func (r *Result) Counts() (errors, warnings, notes int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case string(rules.Error):
			errors++
		case string(rules.Warning):
			warnings++
		default:
			notes++
		}
	}
	return
}

// ExitCode is the exit status for r: 1 when there is an error (or, with
// werror, a warning), else 0. Notes never count.
func (r *Result) ExitCode(werror bool) int {
	e, w, _ := r.Counts()
	if e > 0 || (werror && w > 0) {
		return report.ExitFindings
	}
	return report.ExitClean
}

// TextOptions shape the text report.
type TextOptions struct {
	// Style colors severities and the summary line.
	Style style.Style
	// Quiet leaves out what was applied and read: the findings and the
	// summary line only.
	Quiet bool
}

// WriteText writes gcc-style lines, each followed by the configurations
// and the patch it holds for, and a summary line.
func (r *Result) WriteText(w io.Writer) error { return r.WriteTextOptions(w, TextOptions{}) }

// WriteTextOptions is WriteText shaped by o.
func (r *Result) WriteTextOptions(w io.Writer, o TextOptions) error {
	var b strings.Builder
	if !o.Quiet {
		r.writePatches(&b)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s [%s]\n", f.shownPath(), f.Line, f.Column, o.Style.Severity(f.Severity), f.Message, f.Rule)
		if len(f.Configs) > 0 {
			fmt.Fprintf(&b, "    configurations: %s\n", compressConfigs(f.Configs, r.Configurations))
		}
		if f.Patch != nil {
			fmt.Fprintf(&b, "    patch: %s, hunk %d", *f.Patch, *f.Hunk)
			if f.PatchSubject != "" {
				fmt.Fprintf(&b, " (%s)", f.PatchSubject)
			}
			b.WriteString("\n")
		}
	}
	if r.Invocation != nil && !o.Quiet {
		fmt.Fprintf(&b, "evaluated %s\n", r.Invocation)
		fmt.Fprintf(&b, "files read: %s\n", strings.Join(r.FilesEvaluated, ", "))
	}
	b.WriteString(o.Style.Verdict(r.summary(), r.clean(), r.hasErrors()))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the last line of the text report.
func (r *Result) summary() string {
	e, wn, n := r.Counts()
	var s string
	if e+wn+n == 0 {
		s = fmt.Sprintf("klpcheck lint: no findings in %d configurations", r.ConfigsEvaluated)
	} else {
		s = fmt.Sprintf("klpcheck lint: %s, %s, %s in %d configurations",
			plural(e, "error"), plural(wn, "warning"), plural(n, "note"), r.ConfigsEvaluated)
	}
	if len(r.Suppressed) > 0 {
		s += fmt.Sprintf(" (%d suppressed by klpcheck: ignore= comments)", len(r.Suppressed))
	}
	return s
}

func (r *Result) clean() bool {
	e, w, _ := r.Counts()
	return e+w == 0
}

func (r *Result) hasErrors() bool {
	e, _, _ := r.Counts()
	return e > 0
}

// writePatches says where each hunk of each --patch applied, the way
// git apply -v does.
func (r *Result) writePatches(b *strings.Builder) {
	for _, p := range r.Patches {
		fmt.Fprintf(b, "patch %s", p.Patch)
		if p.Subject != "" {
			fmt.Fprintf(b, " (%s)", p.Subject)
		}
		b.WriteString(":\n")
		for _, h := range p.Hunks {
			switch {
			case h.Applied:
				fmt.Fprintf(b, "    hunk %d at line %d, offset %d (%s)\n", h.Hunk, h.Line, h.Offset, h.File)
			default:
				fmt.Fprintf(b, "    hunk %d (%s) not applied: %s\n", h.Hunk, h.File, h.Reason)
			}
		}
	}
}

// shownPath is the path findings are named by for people and editors.
func (f Finding) shownPath() string {
	if f.Path != "" {
		return f.Path
	}
	return f.File
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// compressConfigs shortens a configuration list for people: a mode that
// holds with every toolchain evaluated is written "THIN with any toolchain".
func compressConfigs(configs, all []string) string {
	have := map[string]bool{}
	for _, c := range configs {
		have[c] = true
	}
	perMode := map[string][]string{}
	for _, c := range all {
		if mode, _, ok := strings.Cut(c, " with "); ok {
			perMode[mode] = append(perMode[mode], c)
		}
	}
	var out []string
	done := map[string]bool{}
	for _, c := range configs {
		mode, _, ok := strings.Cut(c, " with ")
		if !ok {
			out = append(out, c)
			continue
		}
		if done[mode] {
			continue
		}
		every := len(perMode[mode]) > 1
		for _, m := range perMode[mode] {
			if !have[m] {
				every = false
			}
		}
		if every {
			done[mode] = true
			out = append(out, mode+" with any toolchain")
			continue
		}
		out = append(out, c)
	}
	return strings.Join(out, "; ")
}

// WriteJSON writes r as the documented JSON document.
func (r *Result) WriteJSON(w io.Writer) error { return report.WriteJSON(w, r) }

// SARIFRules describes every lint rule for a SARIF driver.
func SARIFRules() []report.SARIFRule {
	var out []report.SARIFRule
	for _, rule := range rules.All() {
		out = append(out, rule.RuleDoc().SARIFRule())
	}
	return out
}

// RuleDocs are the documentation of every lint rule, in ID order.
func RuleDocs() []report.RuleDoc {
	var out []report.RuleDoc
	for _, rule := range rules.All() {
		out = append(out, rule.RuleDoc())
	}
	return out
}

// SARIFRoots is the tree the findings' files are relative to: Path is the
// tree's directory joined with File.
func (r *Result) SARIFRoots() report.Roots {
	for _, f := range r.Findings {
		if f.Path != f.File && !filepath.IsAbs(f.File) && strings.HasSuffix(filepath.ToSlash(f.Path), "/"+f.File) {
			return report.Roots{Source: strings.TrimSuffix(filepath.ToSlash(f.Path), f.File)}
		}
	}
	return report.Roots{Source: "."}
}

// SARIFRun builds the SARIF run of r, so that klpcheck check can merge it
// with other results. version is klpcheck's version. Files are relative to
// %SRCROOT%, the tree; each result's fingerprint is its rule, file,
// message (line numbers left out) and configurations.
func (r *Result) SARIFRun(version string) report.SARIFRun {
	roots := r.SARIFRoots()
	run := report.SARIFRun{
		Tool: report.SARIFTool{Driver: report.SARIFDriver{
			Name:    "klpcheck",
			Version: version,
			Rules:   SARIFRules(),
		}},
		Invocations:        report.Invocation(true, ""),
		OriginalURIBaseIDs: roots.BaseIDs(),
		Results:            []report.SARIFResult{},
	}
	index := map[string]int{}
	for i, rule := range run.Tool.Driver.Rules {
		index[rule.ID] = i
	}
	for _, f := range r.Findings {
		run.Results = append(run.Results, f.sarifResult(index[f.Rule], roots))
	}
	// Suppressed findings follow, each marked with the comment that
	// suppressed it: code scanning shows them as dismissed rather than
	// open, and they come last so that the numbering of the findings'
	// fingerprints does not depend on them.
	for _, s := range r.Suppressed {
		run.Results = append(run.Results, s.sarifResult(index[s.Rule], roots))
	}
	report.NumberFingerprints(run.Results)
	return run
}

// sarifResult is the result of the suppressed finding, with an inSource
// suppression at the comment and its reason as the justification.
func (s Suppressed) sarifResult(ruleIndex int, roots report.Roots) report.SARIFResult {
	res := s.Finding.sarifResult(ruleIndex, roots)
	sup := report.SARIFSuppression{Kind: report.SuppressedInSource, Justification: s.Reason}
	if s.SuppressionLine > 0 {
		sup.Location = &report.SARIFLocation{PhysicalLocation: report.SARIFPhysicalLocation{
			ArtifactLocation: res.Locations[0].PhysicalLocation.ArtifactLocation,
			Region:           &report.SARIFRegion{StartLine: s.SuppressionLine},
		}}
	}
	res.Suppressions = []report.SARIFSuppression{sup}
	return res
}

// fingerprintPath is the file as the fingerprint names it: its URI under a
// root, else the path lint read it by, and only the base name of an
// absolute one, so that the fingerprint does not depend on where the
// checkout lives.
func (f Finding) fingerprintPath(art report.SARIFArtifactLocation) string {
	if art.URIBaseID != "" {
		return art.URI
	}
	if filepath.IsAbs(f.File) {
		return filepath.Base(f.File)
	}
	return filepath.ToSlash(f.File)
}

func (f Finding) sarifResult(ruleIndex int, roots report.Roots) report.SARIFResult {
	art := f.sarifArtifact(roots)
	msg := f.Message
	if len(f.Configs) > 0 {
		msg += " (configurations: " + strings.Join(f.Configs, "; ") + ")"
	}
	res := report.SARIFResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     report.SARIFLevel(f.Severity),
		Message:   report.SARIFMessage{Text: msg},
		Locations: []report.SARIFLocation{{PhysicalLocation: report.SARIFPhysicalLocation{
			ArtifactLocation: art,
			Region:           &report.SARIFRegion{StartLine: max(f.Line, 1), StartColumn: f.Column},
		}}},
		PartialFingerprints: report.Fingerprints(f.Rule, f.fingerprintPath(art), f.Message, strings.Join(f.Configs, ";")),
		Properties:          map[string]any{"configs": f.Configs},
	}
	if f.Patch != nil {
		res.Properties["patch"] = *f.Patch
		res.Properties["hunk"] = *f.Hunk
		if f.PatchSubject != "" {
			res.Properties["patch_subject"] = f.PatchSubject
		}
	}
	return res
}

// sarifArtifact is the finding's file relative to %SRCROOT% (the tree, or
// for a single Makefile the current directory), or an absolute file URI
// for a file outside it.
func (f Finding) sarifArtifact(roots report.Roots) report.SARIFArtifactLocation {
	if f.File == "<stdin>" || f.File == "-" {
		return report.SARIFArtifactLocation{URI: "stdin"}
	}
	return roots.Artifact(f.shownPath())
}

// WriteSARIF writes r as a SARIF 2.1.0 log with one run.
func (r *Result) WriteSARIF(w io.Writer, version string) error {
	return report.WriteJSON(w, report.SARIFLog{
		Schema:  report.SARIFSchema,
		Version: report.SARIFVersion,
		Runs:    []report.SARIFRun{r.SARIFRun(version)},
	})
}
