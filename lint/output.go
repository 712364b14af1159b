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
	r.writeBody(&b, o)
	b.WriteString(o.Style.Verdict(r.summary(), r.clean(), r.hasErrors()))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeBody writes the text report but its summary line: what the patches
// did, the findings, and what was evaluated and read.
func (r *Result) writeBody(b *strings.Builder, o TextOptions) {
	if !o.Quiet {
		r.writePatches(b)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(b, "%s:%d:%d: %s: %s [%s]\n", f.shownPath(), f.Line, f.Column, o.Style.Severity(f.Severity), f.Message, f.Rule)
		if len(f.Configs) > 0 {
			fmt.Fprintf(b, "    configurations: %s\n", compressConfigs(f.Configs, r.Configurations))
		}
		if f.Patch != nil {
			fmt.Fprintf(b, "    patch: %s, hunk %d", *f.Patch, *f.Hunk)
			if f.PatchSubject != "" {
				fmt.Fprintf(b, " (%s)", f.PatchSubject)
			}
			b.WriteString("\n")
		}
	}
	if r.Invocation != nil && !o.Quiet {
		fmt.Fprintf(b, "evaluated %s\n", r.Invocation)
		fmt.Fprintf(b, "files read: %s\n", strings.Join(r.FilesEvaluated, ", "))
	}
}

// summary is the last line of the text report.
func (r *Result) summary() string {
	e, wn, n := r.Counts()
	return "klpcheck lint: " + tally(e, wn, n, r.ConfigsEvaluated, len(r.Suppressed))
}

// tally says how many findings of each severity there are, in how many
// configurations, and how many comments suppressed.
func tally(errors, warnings, notes, configs, suppressed int) string {
	var s string
	if errors+warnings+notes == 0 {
		s = fmt.Sprintf("no findings in %d configurations", configs)
	} else {
		s = fmt.Sprintf("%s, %s, %s in %d configurations",
			plural(errors, "error"), plural(warnings, "warning"), plural(notes, "note"), configs)
	}
	if suppressed > 0 {
		s += fmt.Sprintf(" (%d suppressed by klpcheck: ignore= comments)", suppressed)
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
	index := sarifRuleIndex(run.Tool.Driver.Rules)
	run.Results = r.sarifResults(index, roots, report.SourceRoot)
	report.NumberFingerprints(run.Results)
	return run
}

// sarifRuleIndex maps each rule ID to its index in SARIFRules.
func sarifRuleIndex(rules []report.SARIFRule) map[string]int {
	index := map[string]int{}
	for i, rule := range rules {
		index[rule.ID] = i
	}
	return index
}

// sarifResults are the results of r, its files relative to roots.Source
// under the uriBaseId base. Suppressed findings follow, each marked with
// the comment that suppressed it: code scanning shows them as dismissed
// rather than open, and they come last so that the numbering of the
// findings' fingerprints does not depend on them.
func (r *Result) sarifResults(index map[string]int, roots report.Roots, base string) []report.SARIFResult {
	out := []report.SARIFResult{}
	for _, f := range r.Findings {
		out = append(out, f.sarifResult(index[f.Rule], roots, base))
	}
	for _, s := range r.Suppressed {
		out = append(out, s.sarifResult(index[s.Rule], roots, base))
	}
	return out
}

// sarifResult is the result of the suppressed finding, with an inSource
// suppression at the comment and its reason as the justification.
func (s Suppressed) sarifResult(ruleIndex int, roots report.Roots, base string) report.SARIFResult {
	res := s.Finding.sarifResult(ruleIndex, roots, base)
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
// root (with the root's uriBaseId when it is not %SRCROOT%, so that the
// same file in two trees linted at once is two findings), else the path
// lint read it by, and only the base name of an absolute one, so that the
// fingerprint does not depend on where the checkout lives.
func (f Finding) fingerprintPath(art report.SARIFArtifactLocation) string {
	switch art.URIBaseID {
	case "":
	case report.SourceRoot:
		return art.URI
	default:
		return art.URIBaseID + "/" + art.URI
	}
	if filepath.IsAbs(f.File) {
		return filepath.Base(f.File)
	}
	return filepath.ToSlash(f.File)
}

func (f Finding) sarifResult(ruleIndex int, roots report.Roots, base string) report.SARIFResult {
	art := f.sarifArtifact(roots)
	if art.URIBaseID == report.SourceRoot {
		art.URIBaseID = base
	}
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
