package rules

import (
	"fmt"
	"regexp"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
)

// makeAssignment matches a line that only make would take for an
// assignment: a make operator, or "NAME = value" with blanks, which a
// shell runs as the command NAME. "NAME=value cmd" is a shell assignment
// and is left alone.
var makeAssignment = regexp.MustCompile(`^\s*((export|override|private)\s+)*[A-Za-z0-9_.$(){}-]+\s*(\+=|:=|::=|\?=|!=)|^\s*[A-Za-z_][A-Za-z0-9_]*\s+=(\s|$)`)

// LTO010 reports lines GNU make rejects or misreads.
var LTO010 = &Rule{
	ID:       "LTO010",
	Name:     "make-rejects-or-misreads",
	Severity: Error,
	Summary:  "a line GNU make rejects or misreads",
	Doc: `
GNU make's conditionals are ifdef, ifndef, ifeq and ifneq, chained with
"else ifX" and closed by endif. Shell or C preprocessor habits produce lines
make does not understand:

  if CONFIG_X / elif / fi       "missing separator": make stops
  else if CONFIG_X              make warns and takes it as a plain else:
                                the condition is silently dropped
  endif CONFIG_X                make warns and ignores the text
  ifdef without endif           "missing 'endif'": make stops
  define without endef          "missing 'endef'": make stops
  <TAB>KBUILD_LDFLAGS += ...    after a rule, make reads it as a line of
                                the rule's recipe, not as an assignment

The rule also reports what make would stop at while expanding, in the
configurations where it is reached: a recursive variable that references
itself, a line that expands to text without a separator.`,
	Bad: `
if CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
fi`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO010,
}

func runLTO010(p *Pass) error {
	// Lines make rejects when it reads them: Bad nodes count only in the
	// configurations that reach them (make skips the lines of a false
	// branch); directive problems hold for every configuration.
	bad := map[int]makefile.Node{}
	makefile.Inspect(p.Makefile.Nodes, func(n makefile.Node) bool {
		if b, ok := n.(*makefile.Bad); ok {
			bad[b.At.Line] = b
		}
		return true
	})
	all := make([]int, len(p.Configs))
	for i := range all {
		all[i] = i
	}
	for _, pr := range p.Makefile.Problems {
		configs := all
		if n, ok := bad[pr.Pos.Line]; ok {
			configs = p.reachedIn(n)
		}
		msg := pr.Msg
		if pr.Suggest != "" {
			msg += "; write \"" + pr.Suggest + "\""
		}
		if pr.Severity == makefile.Misread {
			msg = "GNU make misreads this line: " + msg
		} else {
			msg = "GNU make rejects this line: " + msg
		}
		p.report(pr.Pos, configs, false, "", msg)
	}
	// Tab-indented assignments that make reads as recipe lines.
	makefile.Inspect(p.Makefile.Nodes, func(n makefile.Node) bool {
		r, ok := n.(*makefile.Recipe)
		if !ok {
			return true
		}
		a, ok := r.Alt.(*makefile.Assign)
		if !ok || !makeAssignment.MatchString(r.Text) {
			return true
		}
		var configs []int
		maybe := true
		for k, c := range p.Configs {
			switch c.Result.AsRecipe[r] {
			case eval.Reached:
				maybe = false
				configs = append(configs, k)
			case eval.MaybeReached:
				configs = append(configs, k)
			}
		}
		if len(configs) == 0 {
			return true
		}
		p.report(r.At, configs, maybe, "whether make is inside the rule's recipe there",
			fmt.Sprintf("GNU make reads this tab-indented line as part of the recipe of the rule at line %d, not as an assignment: %s never gets it; indent it with spaces, or end the rule first", r.Rule.At.Line, a.Name.String()))
		return true
	})
	// What make stops at while expanding.
	g := newGrouper()
	msgs := map[makefile.Pos]string{}
	for k, c := range p.Configs {
		for _, pr := range c.Result.Problems {
			g.add(pr.Pos, k, false, "", Occurrence{})
			msgs[pr.Pos] = pr.Msg
		}
	}
	for _, e := range g.sorted() {
		p.report(e.pos, e.configs, false, "", "GNU make stops here: "+msgs[e.pos])
	}
	return nil
}
