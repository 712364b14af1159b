package rules

import (
	"fmt"
	"strings"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// LTO007 reports misspelled or inverted flags, and flags put where they
// never reach the ThinLTO link.
var LTO007 = &Rule{
	ID:       "LTO007",
	Name:     "flags-misspelled-or-misplaced",
	Severity: Error,
	Summary:  "a misspelled or inverted flag, or the flags put where they never reach the ThinLTO link",
	Doc: `
The flags are exactly --lto-whole-program-visibility and, as two words,
-mllvm -always-rename-promoted-locals=false. Near misses fail in different
ways:

  -always-rename-promoted-locals, =true, =1   the default: renames everything,
                                             so nothing changes
  --always-rename-promoted-locals=false       not an lld option; after -mllvm
                                             LLVM takes it, but greps, probes
                                             and reviewers will not
  always_rename_promoted_locals               not an LLVM option at all
  -mllvm=-always-rename-promoted-locals=false lld's joined form; kbuild passes
                                             -mllvm and its value as two words

Placement matters as much: the ThinLTO backends run inside the link of
vmlinux.o and of each module, which take KBUILD_LDFLAGS. CC_FLAGS_LTO and
KBUILD_CFLAGS go to the compiler, KBUILD_AFLAGS to the assembler, and
LDFLAGS_vmlinux only to the final vmlinux link after ThinLTO has run: flags
put there never act.

The existing "KBUILD_LDFLAGS += -mllvm -import-instr-limit=5" of the LTO
block is a legitimate -mllvm use and is not reported.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
KBUILD_LDFLAGS	+= $(call ld-option,-mllvm -always-rename-promoted-locals=true)
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO007,
}

// misspellings calls fn for each misspelled flag in f's text, with the
// statement that holds it.
// Only statements in only are looked at, when it is not nil.
func misspellings(f *makefile.File, only map[makefile.Node]bool, fn func(n makefile.Node, pos makefile.Pos, msg string)) {
	makefile.Inspect(f.Nodes, func(n makefile.Node) bool {
		if _, ok := n.(*makefile.Cond); ok {
			return true
		}
		if only != nil && !only[n] {
			return true
		}
		for _, x := range nodeExprs(n) {
			x.Walk(func(part makefile.Part) bool {
				if l, ok := part.(*makefile.Lit); ok && mayHoldFlag(l.Text) {
					for _, w := range litWords(l) {
						if msg := misspelling(w.text); msg != "" {
							fn(n, l.PosAt(w.off), msg)
						}
					}
				}
				return true
			})
		}
		return true
	})
}

// ReachWanted lists the statements of f whose eval.Reach the rules ask
// for (eval.Config.Track): those holding a misspelled flag (LTO007) and
// the lines make cannot parse (LTO010).
func ReachWanted(f *makefile.File) map[makefile.Node]bool {
	out := map[makefile.Node]bool{}
	misspellings(f, nil, func(n makefile.Node, _ makefile.Pos, _ string) { out[n] = true })
	makefile.Inspect(f.Nodes, func(n makefile.Node) bool {
		if _, ok := n.(*makefile.Bad); ok {
			out[n] = true
		}
		return true
	})
	return out
}

func runLTO007(p *Pass) error {
	// Misspellings: in the source, whatever the configuration.
	misspellings(p.Makefile, p.Reach, func(n makefile.Node, pos makefile.Pos, msg string) {
		p.report(pos, p.reachedIn(n), false, "", msg)
	})
	if len(p.Configs) == 0 {
		return nil
	}
	// Placement: the evaluated variables that never reach the link.
	f := p.getFacts()
	g := newGrouper()
	for _, mv := range MisplacedVars {
		for k := range p.Configs {
			if p.aborted(k) {
				continue
			}
			for _, o := range f.other[mv.Name][k] {
				if o.Kind != OccRename && o.Kind != OccVisibility && o.Kind != OccLoneRename {
					continue
				}
				e := g.add(o.Pos, k, o.Maybe, o.Why, o)
				if len(e.extra) == 0 {
					e.extra[placedIn(o.Info, mv.Name)] = true
				}
			}
		}
	}
	for _, e := range g.sorted() {
		var v string
		for name := range e.extra {
			v = name
		}
		why := ""
		for _, mv := range MisplacedVars {
			if mv.Name == v {
				why = mv.Why
			}
		}
		msg := fmt.Sprintf("%s is put in %s, which never reaches the ThinLTO link: %s; add it to KBUILD_LDFLAGS", flagName(e.occ), v, why)
		p.report(e.pos, e.configs, e.allMaybe, e.why, msg)
	}
	return nil
}

// placedIn names the variable the text was assigned to, when it is one of
// the misplaced ones, else the one it was found in.
func placedIn(info *eval.Info, found string) string {
	if info != nil {
		for _, mv := range MisplacedVars {
			if mv.Name == info.Var {
				return mv.Name
			}
		}
	}
	return found
}

type litWord struct {
	text string
	off  int
}

func litWords(l *makefile.Lit) []litWord {
	var out []litWord
	s := l.Text
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpace(s[j]) && s[j] != ',' {
			j++
		}
		if j > i {
			out = append(out, litWord{s[i:j], i})
		}
		if j < len(s) && s[j] == ',' {
			j++
		}
		i = j
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// misspelling explains a near miss of the flags, or returns "".
func misspelling(w string) string {
	switch model.Classify(w) {
	case model.RenameDefault:
		return fmt.Sprintf("%q leaves -always-rename-promoted-locals at its default (true: every promoted local is renamed), so suffix reduction stays off; the flag is -always-rename-promoted-locals=false", w)
	case model.RenameDoubleDash:
		return fmt.Sprintf("%q: the option is spelled with one dash, -always-rename-promoted-locals=false after -mllvm; lld rejects the double-dash form as a linker option", w)
	case model.RenameUnderscore:
		return fmt.Sprintf("%q: LLVM option names use dashes; lld rejects this as an unknown option", w)
	case model.RenameTypo:
		return fmt.Sprintf("%q is a misspelling of -always-rename-promoted-locals=false", w)
	case model.VisibilityTypo:
		return fmt.Sprintf("%q is a misspelling of --lto-whole-program-visibility", w)
	case model.MllvmJoined:
		_, val, _ := strings.Cut(w, "=")
		if vs := model.Classify(val); isRenameSpelling(vs) || vs == model.Visibility || vs == model.VisibilityTypo {
			return fmt.Sprintf("%q: write -mllvm and its value as two words (-mllvm -always-rename-promoted-locals=false), as kbuild does everywhere; the joined form hides the flag from ld-option probes and reviews", w)
		}
	}
	return ""
}

// reachedIn lists the configurations in which node n was read.
func (p *Pass) reachedIn(n makefile.Node) []int {
	var out []int
	for k, c := range p.Configs {
		if c.Result.Reached[n] != eval.NotReached {
			out = append(out, k)
		}
	}
	return out
}
