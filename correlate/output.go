package correlate

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"klpcheck/internal/report"
)

// WriteText writes the human report: counts first, then the hash groups,
// the conflicts, the twins, and the verdict. Every list is sorted, so the
// same input always gives the same text. Each list is bounded at TextLimit
// entries (the largest hash groups; see WriteTextOptions): a kernel's
// census would otherwise be a hundred thousand lines. The JSON is complete.
func WriteText(w io.Writer, res *Result) error {
	return WriteTextOptions(w, res, TextOptions{})
}

// TextLimit is how many entries of each list the text shows by default.
const TextLimit = 20

// TextOptions shape the text report.
type TextOptions struct {
	// All lists every entry of every list; otherwise each is cut at
	// TextLimit, with a line saying how many were left out.
	All bool
	// More is appended to that line to say how to see the rest (the
	// command line's "--all lists everything"); empty: nothing.
	More string
}

// bound cuts lists for the text report.
type bound TextOptions

// take is how many of total entries to show.
func (o bound) take(total int) int {
	if o.All || total <= TextLimit {
		return total
	}
	return TextLimit
}

// left writes the line saying that n entries (what) were left out.
func (o bound) left(b *bufio.Writer, indent string, n int, what string) {
	if n <= 0 {
		return
	}
	fmt.Fprintf(b, "%s... %d more %s not shown", indent, n, what)
	if o.More != "" {
		fmt.Fprintf(b, " (%s)", o.More)
	}
	b.WriteString("\n")
}

// largestGroups marks the groups to show: the o.take(len) with the most
// symbols, ties to the earlier; the report keeps the groups' own order.
func (o bound) largestGroups(groups []HashGroup) []bool {
	show := make([]bool, len(groups))
	n := o.take(len(groups))
	if n == len(groups) {
		for i := range show {
			show[i] = true
		}
		return show
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return len(groups[order[i]].Symbols) > len(groups[order[j]].Symbols) })
	for _, i := range order[:n] {
		show[i] = true
	}
	return show
}

// WriteTextOptions is WriteText with the lists bounded as opts says.
func WriteTextOptions(w io.Writer, res *Result, opts TextOptions) error {
	lim := bound(opts)
	b := bufio.NewWriter(w)
	writeSummaryText(b, res)
	writeGroupsText(b, lim, &res.Suffixed)
	writeConflictsText(b, lim, res)
	if res.Twins != nil {
		writeTwinsText(b, lim, res.Twins)
	}
	if res.Prediction != nil {
		writePredictionText(b, lim, res.Prediction)
	}
	if res.Status == report.ExitClean {
		fmt.Fprintf(b, "\nResult: clean\n")
	} else {
		fmt.Fprintf(b, "\nResult: %s\n", strings.Join(res.Reasons, "; "))
	}
	return b.Flush()
}

// writeSummaryText is the report's head: the file, the counts and the
// budget, the other suffixes, the conflicts and twins in numbers.
func writeSummaryText(b *bufio.Writer, res *Result) {
	c := &res.Suffixed
	fmt.Fprintf(b, "%s: %s, %d symbol table entries\n", res.File, res.ELF, res.SymbolEntries)
	fmt.Fprintf(b, "Suffixed .llvm.<hash> symbols: %d functions, %d data", c.Functions, c.Data)
	if c.DataStrings > 0 {
		fmt.Fprintf(b, " (%d of them string literals)", c.DataStrings)
	}
	if c.Other > 0 {
		fmt.Fprintf(b, ", %d other", c.Other)
	}
	fmt.Fprintf(b, " (%d modules)", len(c.ByHash))
	if bu := res.Budget; bu != nil {
		verdict := "within"
		if bu.Exceeded {
			verdict = "EXCEEDS"
		}
		fmt.Fprintf(b, "; %d %s the budget of %d", bu.Count, verdict, bu.Max)
	}
	fmt.Fprintln(b)
	var others []string
	total := 0
	for _, k := range sortedKeys(res.OtherSuffixes) {
		if n := res.OtherSuffixes[k]; n > 0 {
			others = append(others, fmt.Sprintf("%s %d", k, n))
			total += n
		}
	}
	if total == 0 {
		fmt.Fprintln(b, "Other compiler suffixes (not promotions): none")
	} else {
		fmt.Fprintf(b, "Other compiler suffixes (not promotions): %s\n", strings.Join(others, ", "))
	}
	counts := map[string]int{}
	for _, cf := range res.Conflicts {
		counts[cf.Class]++
	}
	fmt.Fprintf(b, "Conflicts: %d hard, %d latent, %d possible (provenance: %s)\n",
		counts[ClassHard], counts[ClassLatent], counts[ClassPossible], res.Provenance.Source)
	if t := res.Twins; t != nil {
		fmt.Fprintf(b, "Twins against %s: %d paired (%d unchanged, %d renamed), %d ambiguous, %d unmatched in orig, %d unmatched in patched, %d skipped\n",
			t.Orig, t.Matched, t.Unchanged, len(t.Renamed), len(t.Ambiguous), len(t.UnmatchedOrig), len(t.UnmatchedPatched), t.Skipped)
	}
}

// writeGroupsText lists the promoted symbols by module hash, the largest
// groups first when the list is bounded.
func writeGroupsText(b *bufio.Writer, lim bound, c *Census) {
	if len(c.ByHash) > 0 {
		if n := lim.take(len(c.ByHash)); n < len(c.ByHash) {
			fmt.Fprintf(b, "\nPromoted symbols by module hash (the %d largest of %d modules):\n", n, len(c.ByHash))
		} else {
			fmt.Fprintf(b, "\nPromoted symbols by module hash:\n")
		}
		show := lim.largestGroups(c.ByHash)
		// A kernel has a hundred thousand of these lines at worst: written
		// piece by piece, not through fmt.
		// The kind and bind of each name come from its record, looked up
		// in a map of its group's records only: a name carries its hash,
		// so same-named records share a group, and a map of a hundred
		// names stays in the cache where one of a hundred thousand does not.
		byHash := make(map[string][]int32, len(c.ByHash))
		for i := range c.Symbols {
			byHash[c.Symbols[i].Hash] = append(byHash[c.Symbols[i].Hash], int32(i))
		}
		hidden, hiddenSyms := 0, 0
		index := map[string]int{}
		for gi, g := range c.ByHash {
			if !show[gi] {
				hidden++
				hiddenSyms += len(g.Symbols)
				continue
			}
			clear(index)
			for _, i := range byHash[g.Hash] {
				index[c.Symbols[i].Name] = int(i)
			}
			file := g.File
			if file == "" {
				file = "(source file unknown)"
			} else {
				file += " [" + g.FileFrom + "]"
			}
			fmt.Fprintf(b, "  %s  %s: %d\n", g.Hash, file, len(g.Symbols))
			syms := lim.take(len(g.Symbols))
			for _, name := range g.Symbols[:syms] {
				b.WriteString("      ")
				b.WriteString(name)
				if i, ok := index[name]; ok {
					b.WriteString(" (")
					b.WriteString(c.Symbols[i].Kind)
					b.WriteString(", ")
					b.WriteString(c.Symbols[i].Bind)
					b.WriteString(")")
				}
				b.WriteString("\n")
			}
			lim.left(b, "      ", len(g.Symbols)-syms, "symbols of this module")
		}
		if hidden > 0 {
			lim.left(b, "  ", hidden, fmt.Sprintf("modules (%d symbols)", hiddenSyms))
		}
	}
}

// writeConflictsText lists the conflicts and what the provenance rests on.
func writeConflictsText(b *bufio.Writer, lim bound, res *Result) {
	if len(res.Conflicts) > 0 {
		fmt.Fprintf(b, "\nConflicts between assembly globals and C statics:\n")
		n := lim.take(len(res.Conflicts))
		for _, cf := range res.Conflicts[:n] {
			fmt.Fprintf(b, "  %-8s %s\n", cf.Class, cf.Name)
			fmt.Fprintf(b, "           global: %s\n", defText(cf.Asm))
			fmt.Fprintf(b, "           static: %s\n", defText(cf.C))
			fmt.Fprintf(b, "           fix:    %s\n", cf.Suggestion)
		}
		lim.left(b, "  ", len(res.Conflicts)-n, "conflicts")
	}
	p := res.Provenance
	fmt.Fprintf(b, "\nProvenance: %s", p.Source)
	if bi := p.Build; bi != nil {
		fmt.Fprintf(b, "; %s: %d LLVM bitcode and %d ELF objects, %d archives, %d files skipped",
			p.BuildDir, bi.BitcodeObjects, bi.ELFObjects, bi.Archives, len(bi.Skipped))
		if bi.LLVMNM != "" {
			fmt.Fprintf(b, ", %s read bitcode the native reader could not", bi.LLVMNM)
		}
	}
	if d := p.DWARF; d != nil && (d.Error == "" || d.Units > 0) {
		fmt.Fprintf(b, "; DWARF: %d compile units, %d assembly", d.Units, d.AsmUnits)
	}
	fmt.Fprintln(b)
	if p.Note != "" {
		fmt.Fprintf(b, "  note: %s\n", p.Note)
	}
	if !res.ProvenanceComplete {
		fmt.Fprintf(b, "  provenance INCOMPLETE: conflicts may be missing or reported as possible:\n")
		for _, pr := range res.ProvenanceProblems {
			fmt.Fprintf(b, "    %s\n", pr)
		}
	}
}

// writeTwinsText lists the twins renamed, ambiguous, changed, unmatched
// and not correlated.
func writeTwinsText(b *bufio.Writer, lim bound, t *Twins) {
	if len(t.Renamed) > 0 {
		fmt.Fprintf(b, "\nRenamed twins (orig -> patched):\n")
		n := lim.take(len(t.Renamed))
		for _, r := range t.Renamed[:n] {
			fmt.Fprintf(b, "  %s -> %s  [%s; %s]\n", r.Orig, r.Patched, r.Rule, strings.Join(r.Changes, ", "))
		}
		lim.left(b, "  ", len(t.Renamed)-n, "renamed twins")
	}
	if len(t.Ambiguous) > 0 {
		fmt.Fprintf(b, "\nAmbiguous (more than one candidate, not guessed):\n")
		n := lim.take(len(t.Ambiguous))
		for _, a := range t.Ambiguous[:n] {
			file := ""
			if a.File != "" {
				file = " (" + a.File + ")"
			}
			fmt.Fprintf(b, "  %s %s%s by %s: %s\n", a.Side, a.Symbol, file, a.Rule, strings.Join(a.Candidates, ", "))
		}
		lim.left(b, "  ", len(t.Ambiguous)-n, "ambiguous symbols")
	}
	fmt.Fprintf(b, "\nChanged functions and objects (contents differ, relocated fields masked): %d; %d unchanged\n", len(t.Changed), t.UnchangedCount)
	changed := lim.take(len(t.Changed))
	for _, c := range t.Changed[:changed] {
		name := c.Patched
		if c.Orig != c.Patched {
			name = c.Orig + " -> " + c.Patched
		}
		file := ""
		if c.File != "" {
			file = ", " + c.File
		}
		fmt.Fprintf(b, "  %s (%s%s) [%s]\n", name, c.Kind, file, c.Reason)
	}
	lim.left(b, "  ", len(t.Changed)-changed, "changed symbols")
	if t.ChangedNote != "" {
		fmt.Fprintf(b, "  note: %s\n", t.ChangedNote)
	}
	writeUnmatched(b, lim, "Only in orig", t.UnmatchedOrig)
	writeUnmatched(b, lim, "Only in patched", t.UnmatchedPatched)
	if t.Skipped > 0 {
		var parts []string
		for _, k := range sortedKeys(t.SkippedBy) {
			parts = append(parts, fmt.Sprintf("%s %d", k, t.SkippedBy[k]))
		}
		fmt.Fprintf(b, "\nNot correlated (as klp-diff): %s\n", strings.Join(parts, ", "))
	}
}

func writeUnmatched(b *bufio.Writer, lim bound, title string, list []TwinSymbol) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	n := lim.take(len(list))
	defer lim.left(b, "  ", len(list)-n, "symbols")
	for _, s := range list[:n] {
		file := ""
		if s.File != "" {
			file = ", " + s.File
		}
		fmt.Fprintf(b, "  %s (%s, %s%s)\n", s.Name, s.Kind, s.Bind, file)
	}
}

func defText(d Definition) string {
	s := fmt.Sprintf("%s (%s %s in %s)", d.Symbol, d.Bind, d.Kind, d.Section)
	if d.File != "" {
		s += " from " + d.File
	}
	if d.Origin != "" {
		s += ", " + d.Origin
	}
	return s + " [" + d.From + "]"
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Rule IDs of correlate's findings in SARIF.
const (
	RuleHardConflict     = "COR001"
	RuleLatentConflict   = "COR002"
	RulePossibleConflict = "COR003"
	RuleSuffixBudget     = "COR004"
	RuleAmbiguousTwin    = "COR005"
)

// SARIFRules describes the rules SARIFResults refers to, in the order of
// their indices (RuleIndex is relative to the start of this list).
func SARIFRules() []report.SARIFRule {
	var out []report.SARIFRule
	for _, d := range RuleDocs() {
		out = append(out, d.SARIFRule())
	}
	return out
}

// SARIFRoots are the directories correlate's locations are relative to:
// with --build, the build directory and its source tree (the "source" link
// of an O= build); without, none is known and source files named by DWARF
// stay relative to %SRCROOT%, which the consumer (GitHub code scanning:
// the checkout) supplies.
func (res *Result) SARIFRoots() report.Roots {
	if res.Provenance.BuildDir == "" {
		return report.Roots{}
	}
	src := res.Provenance.BuildDir
	if real, err := filepath.EvalSymlinks(filepath.Join(src, "source")); err == nil {
		if st, err := os.Stat(real); err == nil && st.IsDir() {
			src = real
		}
	}
	return report.Roots{Source: src, Build: res.Provenance.BuildDir}
}

// sourceFile is the location of a definition's source file when it names
// one (a .c, .S or .s file relative to the source tree, as DWARF and the
// build scan give it), else nil: an object file or an archive member is
// not a place to show a finding.
func sourceFile(roots report.Roots, name string) *report.SARIFArtifactLocation {
	name, _, _ = strings.Cut(name, ", ")
	switch strings.ToLower(filepath.Ext(name)) {
	case ".c", ".s", ".h", ".sx":
	default:
		return nil
	}
	if strings.Contains(name, "(") {
		return nil
	}
	if filepath.IsAbs(name) {
		loc := report.Roots{Source: roots.Source}.Artifact(name)
		return &loc
	}
	loc := report.InTree(name)
	return &loc
}

// definitionSource is the source file of one side of a conflict when the
// build or DWARF names it by its path in the tree; a name from an STT_FILE
// symbol is a basename and locates nothing.
func definitionSource(roots report.Roots, d Definition) *report.SARIFArtifactLocation {
	if d.From != FromBuild && d.From != FromDWARF {
		return nil
	}
	return sourceFile(roots, d.File)
}

// buildObject is the object (or archive) in --build that defines an
// assembly global whose source file the build does not name.
func (res *Result) buildObject(roots report.Roots, d Definition) *report.SARIFArtifactLocation {
	if d.From != FromBuild || d.File == "" || roots.Build == "" || sourceFile(roots, d.File) != nil {
		return nil
	}
	name, _, _ := strings.Cut(d.File, ", ")
	name, _, _ = strings.Cut(name, "(") // lib.a(entry.o): the archive
	if !filepath.IsAbs(name) {
		name = filepath.Join(roots.Build, name)
	}
	loc := roots.Artifact(name)
	return &loc
}

// SARIFResults turns the findings into SARIF results. ruleBase is the index
// of SARIFRules()[0] in the run's rule list.
func (res *Result) SARIFResults(ruleBase int) []report.SARIFResult {
	out, _ := res.sarifResults(ruleBase)
	return out
}

// sarifResults is SARIFResults and the declarations it placed the
// conflicts by.
func (res *Result) sarifResults(ruleBase int) ([]report.SARIFResult, sourceDecls) {
	index := map[string]int{}
	for i, r := range SARIFRules() {
		index[r.ID] = ruleBase + i
	}
	roots := res.SARIFRoots()
	binary := report.SARIFLocation{PhysicalLocation: report.SARIFPhysicalLocation{ArtifactLocation: roots.Artifact(res.File)},
		Message: &report.SARIFMessage{Text: "the binary read"}}
	atBinary := []report.SARIFLocation{binary}
	out := []report.SARIFResult{}
	names := map[string]bool{}
	var files []string
	for _, cf := range res.Conflicts {
		names[cf.Name] = true
		if cf.C.File == "" {
			files = nil // a static of an unknown file: read every unit
			break
		}
		files = append(files, strings.Split(cf.C.File, ", ")...)
	}
	decls := readDecls(res.File, names, files)
	if res.dwarfRoot != "" {
		// The tree every compile unit names, .dwo files included
		// (readDecls infers none when some units are split).
		decls.root = res.dwarfRoot
	}
	for _, cf := range res.Conflicts {
		out = append(out, res.conflictResult(cf, index, roots, decls, binary))
	}
	if b := res.Budget; b != nil && b.Exceeded {
		out = append(out, report.SARIFResult{
			RuleID: RuleSuffixBudget, RuleIndex: index[RuleSuffixBudget], Level: "error",
			Message:             report.SARIFMessage{Text: fmt.Sprintf("%d .llvm.<hash> functions and data objects, more than the budget of %d", b.Count, b.Max)},
			Locations:           atBinary,
			PartialFingerprints: report.Fingerprints(RuleSuffixBudget, filepath.Base(res.File)),
			Properties:          map[string]any{"count": b.Count, "max": b.Max},
		})
	}
	if t := res.Twins; t != nil {
		for _, a := range t.Ambiguous {
			locs := atBinary
			if src := sourceFile(roots, a.File); src != nil {
				locs = []report.SARIFLocation{{PhysicalLocation: report.SARIFPhysicalLocation{ArtifactLocation: *src}}}
			}
			out = append(out, report.SARIFResult{
				RuleID: RuleAmbiguousTwin, RuleIndex: index[RuleAmbiguousTwin], Level: "error",
				Message:             report.SARIFMessage{Text: fmt.Sprintf("%s symbol %s has %d candidate twins: %s", a.Side, a.Symbol, len(a.Candidates), strings.Join(a.Candidates, ", "))},
				Locations:           locs,
				RelatedLocations:    relatedBinary(locs, binary),
				PartialFingerprints: report.Fingerprints(RuleAmbiguousTwin, a.Side, a.Symbol),
				Properties:          map[string]any{"symbol": a.Symbol, "side": a.Side, "rule": a.Rule, "candidates": a.Candidates},
			})
		}
	}
	report.NumberFingerprints(out)
	return out, decls
}

// relatedBinary is the binary as a related location of a result located at
// source; nil when the result is located at the binary itself.
func relatedBinary(locs []report.SARIFLocation, binary report.SARIFLocation) []report.SARIFLocation {
	if len(locs) > 0 && locs[0].PhysicalLocation.ArtifactLocation == binary.PhysicalLocation.ArtifactLocation {
		return nil
	}
	id := 1
	binary.ID = &id
	return []report.SARIFLocation{binary}
}

// conflictResult locates a conflict at the assembly global's source file
// when the build or DWARF names it (else at the C static's, else at the
// binary), with the other definition and the binary as related locations.
func (res *Result) conflictResult(cf Conflict, index map[string]int, roots report.Roots, decls sourceDecls, binary report.SARIFLocation) report.SARIFResult {
	id, level := RulePossibleConflict, "note"
	switch cf.Class {
	case ClassHard:
		id, level = RuleHardConflict, "error"
	case ClassLatent:
		id, level = RuleLatentConflict, "warning"
	}
	asm, c := definitionSource(roots, cf.Asm), definitionSource(roots, cf.C)
	var locs, related []report.SARIFLocation
	nextID := 1
	regions := map[*report.SARIFArtifactLocation]*report.SARIFRegion{}
	for _, side := range []struct {
		at  **report.SARIFArtifactLocation
		asm bool
	}{{&asm, true}, {&c, false}} {
		if loc, region, ok := decls.location(roots, declKey{cf.Name, side.asm}); ok {
			*side.at = &loc
			regions[&loc] = region
		}
	}
	if asm != nil && regions[asm] == nil && asm.URIBaseID == report.SourceRoot {
		if src := decls.sourceRoot(roots); src != "" {
			if line := asmDefinitionLine(filepath.Join(src, filepath.FromSlash(asm.URI)), cf.Name); line > 0 {
				regions[asm] = &report.SARIFRegion{StartLine: line}
			}
		}
	}
	relate := func(a *report.SARIFArtifactLocation, what string) {
		loc := report.SARIFLocation{PhysicalLocation: report.SARIFPhysicalLocation{ArtifactLocation: *a, Region: regions[a]}, Message: &report.SARIFMessage{Text: what}}
		if len(locs) == 0 {
			locs = append(locs, loc)
			return
		}
		n := nextID
		nextID++
		loc.ID = &n
		related = append(related, loc)
	}
	if asm != nil {
		relate(asm, "the global "+cf.Asm.Symbol)
	}
	if c != nil {
		relate(c, "the C static "+cf.C.Symbol)
	}
	if obj := res.buildObject(roots, cf.Asm); obj != nil {
		relate(obj, "the object defining the global "+cf.Asm.Symbol)
	}
	if len(locs) == 0 {
		locs = []report.SARIFLocation{binary}
	} else {
		n := nextID
		b := binary
		b.ID = &n
		related = append(related, b)
	}
	return report.SARIFResult{
		RuleID: id, RuleIndex: index[id], Level: level,
		Message:             report.SARIFMessage{Text: fmt.Sprintf("%s conflict: %s: %s", cf.Class, cf.Name, cf.Suggestion)},
		Locations:           locs,
		RelatedLocations:    related,
		PartialFingerprints: report.Fingerprints(id, cf.Name, cf.Asm.File, cf.C.File),
		Properties:          map[string]any{"name": cf.Name, "class": cf.Class, "asm": cf.Asm, "c": cf.C},
	}
}

// WriteSARIF writes a SARIF 2.1.0 log with correlate's findings.
func WriteSARIF(w io.Writer, res *Result, version string) error {
	results, decls := res.sarifResults(0)
	roots := res.SARIFRoots()
	roots.Source = decls.sourceRoot(roots) // the tree the DWARF compile units name, else the build's
	log := report.SARIFLog{
		Schema:  report.SARIFSchema,
		Version: report.SARIFVersion,
		Runs: []report.SARIFRun{{
			Tool:               report.SARIFTool{Driver: report.SARIFDriver{Name: "klpcheck", Version: version, Rules: SARIFRules()}},
			Invocations:        report.Invocation(true, ""),
			OriginalURIBaseIDs: roots.BaseIDs(),
			Results:            results,
		}},
	}
	return report.WriteJSON(w, log)
}
