package check

import (
	"fmt"
	"strings"

	"klpcheck/correlate"
)

// conflictWithFiles names a conflict and the two definitions' files, as
// far as provenance knows them: "foo: arch/x86/entry/entry_64.S vs mm/memory.c".
func conflictWithFiles(cf correlate.Conflict) string {
	asm, c := cf.Asm.File, cf.C.File
	if asm == "" && c == "" {
		return cf.Name
	}
	if asm == "" {
		asm = "an unknown object"
	}
	if c == "" {
		c = "an unknown C file"
	}
	return fmt.Sprintf("%s: %s vs %s", cf.Name, asm, c)
}

// build is the build area: no hard conflict, complete provenance (or
// nothing it could have hidden), the budget kept, no ambiguous twin.
// correlate's prediction is details only: it does not decide.
func (dc *decider) build() {
	cr := dc.in.Correlate
	if cr == nil {
		dc.add(AreaBuild, StatusSkipped, "no vmlinux.o or vmlinux to read")
		return
	}
	var names []string
	for _, cf := range cr.Conflicts {
		if cf.Class == correlate.ClassHard {
			names = append(names, conflictWithFiles(cf))
		}
	}
	count := fmt.Sprintf("%d .llvm.<hash> functions and %d data objects", cr.Suffixed.Functions, cr.Suffixed.Data)
	var problems []string
	if len(names) > 0 {
		problems = append(problems, fmt.Sprintf("%s (%s): the link fails once the flags are on", plural(len(names), "hard asm/C conflict"), strings.Join(names, ", ")))
		dc.next("Rename each conflicting assembly global or C static (the fix lines above name both definitions).")
	}
	if cr.PossiblyMissed() > 0 {
		problems = append(problems, cr.ProvenanceGap())
		dc.nextAsk("Give correlate complete evidence: the build's objects (", AskBuild, ") or intact debug info; the problems above name the file and section.")
	}
	if b := cr.Budget; b != nil && b.Exceeded {
		problems = append(problems, fmt.Sprintf("%d suffixed symbols exceed the budget of %d: the flags are not in effect", b.Count, b.Max))
		dc.next("Rebuild with a linker that accepts the flags, then check the count again.")
	}
	if t := cr.Twins; t != nil && len(t.Ambiguous) > 0 {
		problems = append(problems, fmt.Sprintf("%s against %s", plural(len(t.Ambiguous), "ambiguous twin"), dc.in.Orig))
		dc.next("Make the ambiguous names unique before building a live patch (klp-diff refuses to guess).")
	}
	if len(problems) > 0 {
		dc.add(AreaBuild, StatusFail, strings.Join(problems, "; ")+"; "+count)
	} else {
		dc.add(AreaBuild, StatusOK, "no hard conflicts; "+count)
	}
}
