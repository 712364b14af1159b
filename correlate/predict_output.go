package correlate

import (
	"bufio"
	"fmt"
	"strings"
)

// writePredictionText is the --predict section of the text report.
func writePredictionText(b *bufio.Writer, lim bound, pr *Prediction) {
	fmt.Fprintf(b, "\nPrediction with suffix reduction (LLVM 23 rule: %s):\n", pr.Rule)
	fmt.Fprintf(b, "  %s\n", pr.Summary())
	var named, strs []PredictedGroup
	for _, g := range pr.StillSuffixed {
		if g.Strings {
			strs = append(strs, g)
		} else {
			named = append(named, g)
		}
	}
	writeStillSuffixed(b, lim, named)
	writeStringLiterals(b, strs)
	writeCollisions(b, lim, pr.Collisions)
	if pr.Renames != nil {
		writePredictedRenames(b, lim, pr.Renames)
	}
	for _, n := range pr.Notes {
		fmt.Fprintf(b, "  note: %s\n", n)
	}
}

// writeStillSuffixed writes the groups of named symbols that keep their
// suffix, with their modules.
func writeStillSuffixed(b *bufio.Writer, lim bound, named []PredictedGroup) {
	if len(named) > 0 {
		fmt.Fprintf(b, "  Still suffixed:\n")
	}
	shown := lim.take(len(named))
	for _, g := range named[:shown] {
		order := ""
		if g.LinkOrder {
			order = "; link order decides"
		}
		fmt.Fprintf(b, "    %s: %s, %d keep .llvm.<hash> [%s%s]\n", strings.Join(g.Names, ", "), copiesText(g.Copies), g.StillSuffixed, g.Reason, order)
		fmt.Fprintf(b, "        %s\n", g.Why)
		for _, m := range g.Modules {
			file := m.File
			if file == "" {
				file = "(source file unknown)"
			}
			fmt.Fprintf(b, "        %s %s: %s\n", m.Hash, file, strings.Join(m.Symbols, ", "))
		}
	}
	lim.left(b, "    ", len(named)-shown, "still-suffixed groups")
}

// writeStringLiterals writes one line for all the string literal groups.
func writeStringLiterals(b *bufio.Writer, strs []PredictedGroup) {
	if len(strs) == 0 {
		return
	}
	still, copies := 0, 0
	var names []string
	for _, g := range strs {
		for range g.Names {
			still += g.StillSuffixed
			copies += g.Copies
		}
		names = append(names, g.Names...)
	}
	shown := names
	if len(shown) > 4 {
		shown = append(shown[:4:4], "...")
	}
	fmt.Fprintf(b, "  String literals: %d names promoted by several modules (%s), %d copies, %d keep .llvm.<hash>; link order decides which copy of each keeps the plain name (the JSON lists every group)\n",
		len(names), strings.Join(shown, ", "), copies, still)
}

func writeCollisions(b *bufio.Writer, lim bound, collisions []PredictedCollision) {
	if len(collisions) == 0 {
		return
	}
	fmt.Fprintf(b, "  Collisions with existing globals:\n")
	n := lim.take(len(collisions))
	for _, c := range collisions[:n] {
		fmt.Fprintf(b, "    %-14s %s\n", c.Outcome, c.Name)
		fmt.Fprintf(b, "        global: %s\n", defText(c.Global))
		fmt.Fprintf(b, "        copies: %s\n", strings.Join(c.Copies, ", "))
		fmt.Fprintf(b, "        why:    %s\n", c.Why)
	}
	lim.left(b, "    ", len(collisions)-n, "collisions")
}

// writePredictedRenames writes the count of renames against orig, and the
// ones that still change or are undecided.
func writePredictedRenames(b *bufio.Writer, lim bound, r *PredictedRenames) {
	fmt.Fprintf(b, "  Renames against orig: %d today; %d would disappear", r.Today, r.Disappear)
	if r.BindingOnly > 0 {
		verb := "change"
		if r.BindingOnly == 1 {
			verb = "changes"
		}
		fmt.Fprintf(b, " (%d of them still %s binding)", r.BindingOnly, verb)
	}
	fmt.Fprintf(b, ", %d still change, %d undecided\n", len(r.StillChange), len(r.Undecided))
	for _, list := range [][]PredictedRename{r.StillChange, r.Undecided} {
		n := lim.take(len(list))
		for _, x := range list[:n] {
			fmt.Fprintf(b, "    %s -> %s: predicted %s -> %s (%s)\n", x.Orig, x.Patched, orUndecided(x.PredictedOrig), orUndecided(x.PredictedPatched), x.Why)
		}
		lim.left(b, "    ", len(list)-n, "renames")
	}
}

func copiesText(n int) string {
	if n == 1 {
		return "1 copy"
	}
	return fmt.Sprintf("%d copies", n)
}

func orUndecided(name string) string {
	if name == "" {
		return "(undecided)"
	}
	return name
}

// Summary is the prediction in one line: the counts, as check's build
// area shows them.
func (pr *Prediction) Summary() string {
	s := fmt.Sprintf("%d suffixed functions+data today -> %d predicted", pr.Today, pr.Predicted)
	if pr.PredictedStrings > 0 {
		s += fmt.Sprintf(" (%d of them string literals)", pr.PredictedStrings)
	}
	takes := fmt.Sprintf("%d copies take", pr.Plain)
	if pr.Plain == 1 {
		takes = "1 copy takes"
	}
	s += fmt.Sprintf("; %s the plain name; %s; %s where link order decides",
		takes, pluralize(pr.LinkFailures, "link failure"), pluralize(pr.LinkOrderGroups, "group"))
	if pr.Undecided > 0 {
		s += fmt.Sprintf("; %d undecided", pr.Undecided)
	}
	return s
}

func pluralize(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
