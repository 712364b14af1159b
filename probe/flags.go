package probe

import (
	"fmt"
	"os"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"klpcheck/internal/kbuild"
)

// DefaultFlags is the ld-option argument of the kernel's suffix-reduction
// patch: both flags in one call, -mllvm next to its value.
const DefaultFlags = kbuild.SuffixReductionFlags

// RenameFlag is the LLVM option that turns suffix reduction on.
const RenameFlag = kbuild.RenameFlag

// SplitFlags splits an ld-option argument into words the way the shell that
// kbuild's try-run starts would: quotes are removed, variables expanded from
// env (nil: the process environment). Only words are taken: command and
// process substitution, arithmetic, the bash-only expansions and anything
// that is not a word (;, |, &, redirections) are refused with the construct
// named, because a probe never runs anything but the linker.
func SplitFlags(s string, env func(string) string) ([]string, error) {
	if env == nil {
		env = os.Getenv
	}
	var words []*syntax.Word
	for w, err := range syntax.NewParser().WordsSeq(strings.NewReader(s)) {
		if err != nil {
			return nil, fmt.Errorf("%q: not plain shell words (%v): pass the flags themselves, quoted as on make's command line", s, err)
		}
		words = append(words, w)
	}
	for _, w := range words {
		if why := unsupportedConstruct(w); why != "" {
			return nil, fmt.Errorf("%q: %s is not allowed in linker flags (the probe runs only the linker): pass the flags themselves", s, why)
		}
	}
	fields, err := expand.Fields(&expand.Config{Env: expand.FuncEnviron(env)}, words...)
	if err != nil {
		return nil, fmt.Errorf("%q: not valid shell words: %v", s, err)
	}
	return fields, nil
}

// unsupportedConstruct names the first part of w that is more than quoting
// and plain $VAR / ${VAR} / ${VAR:-default} expansion; "" when there is none.
func unsupportedConstruct(w *syntax.Word) string {
	why := ""
	syntax.Walk(w, func(n syntax.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *syntax.CmdSubst:
			why = "command substitution $(...)"
			if n.Backquotes {
				why = "command substitution `...`"
			}
		case *syntax.ProcSubst:
			why = "process substitution " + strings.TrimSuffix(n.Op.String(), "(") + "(...)"
		case *syntax.ArithmExp:
			why = "arithmetic expansion $((...))"
		case *syntax.ExtGlob:
			why = "an extended glob " + strings.TrimSuffix(n.Op.String(), "(") + "(...)"
		case *syntax.BraceExp:
			why = "brace expansion {...}"
		case *syntax.SglQuoted:
			if n.Dollar {
				why = "bash's $'...' quoting (kbuild's /bin/sh may not have it)"
			}
		case *syntax.DblQuoted:
			if n.Dollar {
				why = `bash's $"..." quoting (kbuild's /bin/sh may not have it)`
			}
		case *syntax.ParamExp:
			if reason := paramExpProblem(n); reason != "" {
				why = reason
			}
		}
		return why == ""
	})
	return why
}

// paramExpProblem refuses the parameter expansions beyond $VAR, ${VAR} and
// ${VAR-default}/${VAR:-default}: assignment, errors, lengths, slices,
// substitutions and indirection are either bash-only or have effects.
func paramExpProblem(p *syntax.ParamExp) string {
	name := "$" + p.Param.Value
	switch {
	case p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Names != 0:
		return "the parameter expansion ${...} of " + name + " (only $VAR, ${VAR} and ${VAR:-default} are taken)"
	case p.Exp != nil && p.Exp.Op != syntax.DefaultUnset && p.Exp.Op != syntax.DefaultUnsetOrNull:
		return "the parameter expansion ${" + p.Param.Value + p.Exp.Op.String() + "...} (only $VAR, ${VAR} and ${VAR:-default} are taken)"
	}
	return ""
}

// Groups splits flag words into the units that can be tested alone: an
// option together with its separate value (kbuild.Groups).
func Groups(words []string) [][]string { return kbuild.Groups(words) }

// Expectation is what a linker's identity predicts about a flag.
type Expectation string

// The predictions. Unknown never contradicts an observed verdict.
const (
	ExpectYes     Expectation = "yes"
	ExpectNo      Expectation = "no"
	ExpectUnknown Expectation = "unknown"
)

// Expect predicts whether a linker accepts one flag group, from its flavor
// and version alone, with the reason in a few words.
func Expect(id Identity, group []string) (Expectation, string) {
	if len(group) == 0 {
		return ExpectUnknown, ""
	}
	mllvm := kbuild.IsMllvm(group[0])
	switch id.Flavor {
	case FlavorBFD, FlavorGold:
		if mllvm {
			return ExpectNo, fmt.Sprintf("GNU %s reads -mllvm as -m llvm", id.Flavor)
		}
		if group[0] == kbuild.VisibilityFlag {
			return ExpectNo, fmt.Sprintf("GNU %s has no ThinLTO options", id.Flavor)
		}
		return ExpectUnknown, ""
	case FlavorLLD:
	default:
		return ExpectUnknown, "unknown linker"
	}
	if id.Version == nil {
		return ExpectUnknown, "unparsable LLD version"
	}
	v := kbuild.Version(id.Kbuild)
	if group[0] == kbuild.VisibilityFlag {
		if v >= kbuild.WholeProgramVisibilitySince {
			return ExpectYes, "LLD has it since LLVM 12"
		}
		return ExpectUnknown, "LLD older than 12"
	}
	if !mllvm {
		return ExpectUnknown, ""
	}
	value := ""
	if len(group) > 1 {
		value = group[1]
	} else {
		value = strings.TrimPrefix(strings.TrimPrefix(group[0], "--mllvm="), "-mllvm=")
	}
	opt, _, _ := strings.Cut(strings.TrimLeft(value, "-"), "=")
	switch opt {
	case kbuild.RenameOption:
		switch kbuild.RenameSupport(v) {
		case kbuild.SupportYes:
			return ExpectYes, "LLVM 23.1 and later have it"
		case kbuild.SupportMaybe:
			return ExpectUnknown, "a 23.0 snapshot may or may not have it"
		default:
			return ExpectNo, "added in LLVM 23"
		}
	case "import-instr-limit":
		return ExpectYes, "a long-standing LLVM option"
	}
	return ExpectUnknown, ""
}

// combine folds per-group predictions: any no is no, all yes is yes.
func combine(es []Expectation) Expectation {
	all := len(es) > 0
	for _, e := range es {
		if e == ExpectNo {
			return ExpectNo
		}
		if e != ExpectYes {
			all = false
		}
	}
	if all {
		return ExpectYes
	}
	return ExpectUnknown
}
