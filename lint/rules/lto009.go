package rules

import (
	"fmt"
	"regexp"
	"strings"

	"klpcheck/lint/kconfig"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// LTO009 reports a Kconfig option for the feature whose default contradicts
// its help, or which gates by version what ld-option detects.
var LTO009 = &Rule{
	ID:       "LTO009",
	Name:     "kconfig-option-contradictions",
	Severity: Warning,
	Summary:  "a Kconfig option for the feature contradicts its help text, or gates by version what ld-option detects",
	Doc: `
An option such as LTO_CLANG_THIN_SUFFIX_REDUCTION is read two ways: by the
people who answer its prompt and by olddefconfig, which takes the default.
"default y" with a help text that ends "If unsure, say N." (or the reverse)
gives the two different answers.

"depends on CLANG_VERSION >= 230000" hard-codes what ld-option can ask the
linker directly: 230000 also covers 23.0.0git snapshots from before the
option, and the compiler's version says nothing about the linker. Review of
the first kbuild patch replaced such an option with an ld-option check in
the Makefile. A bound of 230100 that also admits distributed ThinLTO is the
justified kind and is not reported.`,
	Bad: `
config LTO_CLANG_THIN_SUFFIX_REDUCTION
	bool "Keep the names of promoted locals"
	depends on LTO_CLANG_THIN
	depends on CLANG_VERSION >= 230000
	default y
	help
	  Fewer .llvm.<hash> symbols for live patching.

	  If unsure, say N.`,
	Good: `
# No option: the Makefile asks the linker.
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO009,
}

var (
	unsureN     = regexp.MustCompile(`(?i)if unsure,? say ['"]?n\b`)
	unsureY     = regexp.MustCompile(`(?i)if unsure,? say ['"]?y\b`)
	aboutSuffix = regexp.MustCompile(`(?i)suffix|always-rename-promoted-locals|\.llvm\.|promoted local`)
)

func runLTO009(p *Pass) error {
	guards := flagGuards(p.Makefile)
	for _, f := range p.Kconfig {
		for _, s := range f.Symbols {
			// LTO mode symbols and toolchain facts guard the flags too,
			// but they are not options for the feature.
			if s.Choice != nil || modelSymbols[s.Name] {
				continue
			}
			if !guards[s.Name] && !(aboutSuffix.MatchString(s.Name+" "+s.Prompt+" "+s.Help) && strings.Contains(s.Name+dependsText(s), "LTO")) {
				continue
			}
			configs := p.configsWith(s.Name)
			if def, pos := boolDefault(s); s.Help != "" {
				switch {
				case def == "y" && unsureN.MatchString(s.Help):
					p.report(kpos(pos), configs, false, "", fmt.Sprintf("%s is \"default y\" but its help says \"If unsure, say N.\": olddefconfig turns it on while the help tells people to leave it off", s.Name))
				case def != "y" && unsureY.MatchString(s.Help):
					p.report(kpos(pos), configs, false, "", fmt.Sprintf("%s defaults to n but its help says \"If unsure, say Y.\"", s.Name))
				}
			}
			for _, d := range s.Depends {
				if d.Inherited {
					continue
				}
				for _, b := range kconfig.VersionBounds(d.Expr) {
					if b.Symbol != "CLANG_VERSION" && b.Symbol != "LLD_VERSION" {
						continue
					}
					if b.Min() >= 230100 && coversDistributed(s) {
						continue
					}
					p.report(kpos(d.Pos), configs, false, "", fmt.Sprintf("%s depends on %s: a hard-coded version gates what $(call ld-option,...) can ask the linker (230000 also covers 23.0.0git snapshots without the option, and a clang version says nothing about LD)", s.Name, b))
				}
			}
		}
	}
	return nil
}

func dependsText(s *kconfig.Symbol) string {
	var b strings.Builder
	for _, d := range s.Depends {
		if d.Expr != nil {
			b.WriteString(" " + d.Expr.String())
		}
	}
	return b.String()
}

// coversDistributed reports whether the option is not limited to
// in-process ThinLTO by its dependencies.
func coversDistributed(s *kconfig.Symbol) bool {
	d := dependsText(s)
	return strings.Contains(d, "LTO_CLANG_THIN_DIST") || !strings.Contains(d, "LTO_CLANG_THIN")
}

// boolDefault returns the first default's value ("y", "n", or "" when not
// a constant) and its position (the config line when there is none).
func boolDefault(s *kconfig.Symbol) (string, kconfig.Pos) {
	if len(s.Defaults) == 0 {
		return "n", s.Pos
	}
	d := s.Defaults[0]
	if sym, ok := d.Expr.(*kconfig.Sym); ok && (sym.Name == "y" || sym.Name == "n" || sym.Name == "m") {
		return sym.Name, d.Pos
	}
	return "", d.Pos
}

func kpos(p kconfig.Pos) makefile.Pos { return makefile.Pos{File: p.File, Line: p.Line, Col: p.Col} }

// configsWith lists the configurations that set CONFIG_name.
func (p *Pass) configsWith(name string) []int {
	var out []int
	for k, c := range p.Configs {
		if v := c.Symbols[name]; v != "" && v != "n" {
			out = append(out, k)
		}
	}
	return out
}

// flagGuards finds the Kconfig symbols that Makefile conditionals around
// the suffix-reduction flags test.
func flagGuards(f *makefile.File) map[string]bool {
	out := map[string]bool{}
	var walk func(nodes []makefile.Node, stack []string)
	walk = func(nodes []makefile.Node, stack []string) {
		for _, n := range nodes {
			switch n := n.(type) {
			case *makefile.Cond:
				st := stack
				for _, b := range n.Branches {
					for _, x := range []*makefile.Expr{b.Var, b.Left, b.Right} {
						for _, m := range configRef.FindAllStringSubmatch(x.String(), -1) {
							st = append(st[:len(st):len(st)], m[1])
						}
					}
					walk(b.Body, st)
				}
			case *makefile.Assign, *makefile.Define:
				for _, x := range nodeExprs(n) {
					s := x.String()
					if strings.Contains(s, model.RenameOption) || strings.Contains(s, "lto-whole-program-visibility") {
						for _, name := range stack {
							out[name] = true
						}
					}
				}
			}
		}
	}
	walk(f.Nodes, nil)
	return out
}

// modelSymbols are the symbols the configuration matrix sets itself.
var modelSymbols = func() map[string]bool {
	m := map[string]bool{}
	for name := range (model.Config{Mode: model.ModeNone}).Symbols(nil) {
		m[name] = true
	}
	return m
}()

var configRef = regexp.MustCompile(`CONFIG_([A-Za-z0-9_]+)`)
