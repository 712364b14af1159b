package correlate

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"klpcheck/internal/report"
)

// WriteManyText writes the report of several files: a row per file (the
// files with findings first, then those with the most suffixed symbols,
// bounded as opts says, shown in path order), the totals, the hard and
// latent conflicts, what could not be read and what was skipped, and the
// verdict.
func WriteManyText(w io.Writer, m *Many, opts TextOptions) error {
	lim := bound(opts)
	b := bufio.NewWriter(w)
	t := &m.Totals
	fmt.Fprintf(b, "%d files read, %d could not be read, %d skipped\n", t.Files, t.Unreadable, t.Skipped)
	shown := lim.files(m.Files)
	width := len("Total")
	for _, r := range shown {
		width = max(width, len(r.File))
	}
	if len(m.Files) > 0 {
		fmt.Fprintf(b, "\n%-*s %9s %8s %8s %8s %5s %6s %8s  %s\n", width, "FILE", "ENTRIES", "FUNCS", "DATA", "MODULES", "HARD", "LATENT", "POSSIBLE", "STATUS")
		for _, r := range shown {
			c := r.conflictCounts()
			status := "ok"
			if r.Status != report.ExitClean {
				status = "FINDINGS"
			}
			fmt.Fprintf(b, "%-*s %9d %8d %8d %8d %5d %6d %8d  %s\n", width, r.File, r.SymbolEntries, r.Suffixed.Functions, r.Suffixed.Data,
				len(r.Suffixed.ByHash), c.Hard, c.Latent, c.Possible, status)
		}
		fmt.Fprintf(b, "%-*s %9d %8d %8d %8d %5d %6d %8d\n", width, "Total", t.SymbolEntries, t.Functions, t.Data,
			t.Modules, t.Conflicts.Hard, t.Conflicts.Latent, t.Conflicts.Possible)
		lim.left(b, "", len(m.Files)-len(shown), "files")
	}
	fmt.Fprintf(b, "\nSuffixed .llvm.<hash> symbols in all files: %d functions, %d data", t.Functions, t.Data)
	if t.DataStrings > 0 {
		fmt.Fprintf(b, " (%d of them string literals)", t.DataStrings)
	}
	if t.Other > 0 {
		fmt.Fprintf(b, ", %d other", t.Other)
	}
	fmt.Fprintf(b, " (%d modules)", t.Modules)
	if bu := m.Budget; bu != nil {
		verdict := "within"
		if bu.Exceeded {
			verdict = "EXCEEDS"
		}
		fmt.Fprintf(b, "; %d %s the total budget of %d", bu.Count, verdict, bu.Max)
	}
	b.WriteString("\n")
	writeManyConflicts(b, m)
	writeOtherSuffixes(b, t.OtherSuffixes)
	writeManyFindings(b, lim, m)
	if len(m.Unreadable) > 0 {
		fmt.Fprintf(b, "\nCould not be read:\n")
		for _, u := range m.Unreadable {
			fmt.Fprintf(b, "  %s: %s\n", u.Path, u.Error)
		}
	}
	if len(m.Skipped) > 0 {
		fmt.Fprintf(b, "\nSkipped (found in a directory, not read):\n")
		n := lim.take(len(m.Skipped))
		for _, s := range m.Skipped[:n] {
			fmt.Fprintf(b, "  %s: %s\n", s.Path, s.Reason)
		}
		lim.left(b, "  ", len(m.Skipped)-n, "skipped files")
	}
	if len(m.Reasons) == 0 {
		fmt.Fprintf(b, "\nResult: clean\n")
	} else {
		fmt.Fprintf(b, "\nResult: %s\n", strings.Join(m.Reasons, "; "))
	}
	return b.Flush()
}

// writeManyConflicts is the line of the conflicts of all files, when
// there are any: how many the files report together, and how many distinct
// conflicts that is when some are the same one seen in several files
// (vmlinux.o and vmlinux).
func writeManyConflicts(b *bufio.Writer, m *Many) {
	n := m.Totals.Conflicts.Total()
	if n == 0 {
		return
	}
	files := 0
	for _, r := range m.Files {
		if len(r.Conflicts) > 0 {
			files++
		}
	}
	fmt.Fprintf(b, "Conflicts in all files: %d in %s", n, pluralize(files, "file"))
	if d := m.Totals.DistinctConflicts; d.Total() != n {
		fmt.Fprintf(b, ", %d distinct (%d hard, %d latent, %d possible)", d.Total(), d.Hard, d.Latent, d.Possible)
	}
	b.WriteString("\n")
}

// writeManyFindings lists, file by file, why a file has findings and its
// hard and latent conflicts.
func writeManyFindings(b *bufio.Writer, lim bound, m *Many) {
	var files []*Result
	for _, r := range m.Files {
		if r.Status != report.ExitClean {
			files = append(files, r)
		}
	}
	if len(files) == 0 {
		return
	}
	fmt.Fprintf(b, "\nFindings:\n")
	n := lim.take(len(files))
	for _, r := range files[:n] {
		fmt.Fprintf(b, "  %s: %s\n", r.File, strings.Join(r.Reasons, "; "))
		var shown []Conflict
		for _, cf := range r.Conflicts {
			if cf.Class == ClassHard || cf.Class == ClassLatent {
				shown = append(shown, cf)
			}
		}
		k := lim.take(len(shown))
		for _, cf := range shown[:k] {
			fmt.Fprintf(b, "      %-8s %s: %s\n", cf.Class, cf.Name, cf.Suggestion)
		}
		lim.left(b, "      ", len(shown)-k, "conflicts of this file")
	}
	lim.left(b, "  ", len(files)-n, "files with findings")
}

// files are the rows the table shows: the files with findings first, then
// those with the most suffixed symbols, at most o.take of them, in the
// files' own (path) order.
func (o bound) files(list []*Result) []*Result {
	n := o.take(len(list))
	if n == len(list) {
		return list
	}
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		a, b := list[x], list[y]
		if fa, fb := a.Status != report.ExitClean, b.Status != report.ExitClean; fa != fb {
			if fa {
				return -1
			}
			return 1
		}
		return b.Suffixed.Total() - a.Suffixed.Total()
	})
	order = order[:n]
	slices.Sort(order)
	out := make([]*Result, n)
	for i, k := range order {
		out[i] = list[k]
	}
	return out
}

// writeOtherSuffixes is the line of the compiler suffixes that are not
// promotions.
func writeOtherSuffixes(b *bufio.Writer, counts map[string]int) {
	var others []string
	for _, k := range sortedKeys(counts) {
		if n := counts[k]; n > 0 {
			others = append(others, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(others) == 0 {
		fmt.Fprintln(b, "Other compiler suffixes (not promotions): none")
		return
	}
	fmt.Fprintf(b, "Other compiler suffixes (not promotions): %s\n", strings.Join(others, ", "))
}

// WriteManyJSON writes the document of several files: "files", each the
// document of one file as WriteJSON writes it, then "unreadable",
// "skipped", "totals", "budget", "status" and "reasons". It is byte for
// byte what report.WriteJSON writes of m.
func WriteManyJSON(w io.Writer, m *Many) error {
	// Every file's document is filled as it is written: not twice.
	top := *m
	top.Files = nil
	report.FillNil(&top)
	jw := newJSONWriter(w)
	jw.open('{')
	jw.field("files")
	jw.open('[')
	for _, r := range m.Files {
		jw.next()
		jw.result(r)
	}
	jw.close(']')
	jw.field("unreadable").value(top.Unreadable)
	jw.field("skipped").value(top.Skipped)
	jw.field("totals").value(top.Totals)
	jw.field("budget").value(top.Budget)
	jw.field("status").int(top.Status)
	jw.field("reasons").value(top.Reasons)
	jw.close('}')
	jw.raw("\n")
	return jw.flush()
}

// WriteManySARIF writes one SARIF run with the findings of every file.
// Each result's fingerprint also names its file, so that the same
// conflict in two modules is two alerts; a file that could not be read
// makes the invocation unsuccessful.
func WriteManySARIF(w io.Writer, m *Many, version string) error {
	results := []report.SARIFResult{}
	var roots report.Roots
	for _, r := range m.Files {
		rs, decls := r.sarifResults(0)
		for i := range rs {
			fp := rs[i].PartialFingerprints[report.FingerprintKey]
			rs[i].PartialFingerprints[report.FingerprintKey] = report.Fingerprint(fp, filepath.Base(r.File))
		}
		results = append(results, rs...)
		if roots.Source == "" && roots.Build == "" {
			fr := r.SARIFRoots()
			fr.Source = decls.sourceRoot(fr)
			if fr.Source != "" || fr.Build != "" {
				roots = fr
			}
		}
	}
	if b := m.Budget; b != nil && b.Exceeded && len(m.Files) > 0 {
		// Located at the first file: code scanning wants a place.
		at := []report.SARIFLocation{{PhysicalLocation: report.SARIFPhysicalLocation{ArtifactLocation: roots.Artifact(m.Files[0].File)},
			Message: &report.SARIFMessage{Text: "the first of the files read"}}}
		results = append(results, report.SARIFResult{
			Locations: at,
			RuleID:    RuleSuffixBudget, RuleIndex: ruleIndex(RuleSuffixBudget), Level: "error",
			Message:             report.SARIFMessage{Text: fmt.Sprintf("%d .llvm.<hash> functions and data objects in %d files, more than the total budget of %d", b.Count, m.Totals.Files, b.Max)},
			PartialFingerprints: report.Fingerprints(RuleSuffixBudget, "total"),
			Properties:          map[string]any{"count": b.Count, "max": b.Max, "files": m.Totals.Files},
		})
	}
	reason := ""
	if len(m.Unreadable) > 0 {
		var parts []string
		for _, u := range m.Unreadable {
			parts = append(parts, u.Path+": "+u.Error)
		}
		reason = fmt.Sprintf("%d file(s) could not be read: %s", len(m.Unreadable), strings.Join(parts, "; "))
	}
	log := report.SARIFLog{
		Schema:  report.SARIFSchema,
		Version: report.SARIFVersion,
		Runs: []report.SARIFRun{{
			Tool:               report.SARIFTool{Driver: report.SARIFDriver{Name: "klpcheck", Version: version, Rules: SARIFRules()}},
			Invocations:        report.Invocation(len(m.Unreadable) == 0, reason),
			OriginalURIBaseIDs: roots.BaseIDs(),
			Results:            results,
		}},
	}
	return report.WriteJSON(w, log)
}

// ruleIndex is the index of rule id in SARIFRules.
func ruleIndex(id string) int {
	for i, r := range SARIFRules() {
		if r.ID == id {
			return i
		}
	}
	return 0
}
