package rules

import (
	"strings"

	"klpcheck/lint/makefile"
)

// LTO006 reports a Makefile that never gives in-process ThinLTO the flags.
var LTO006 = &Rule{
	ID:       "LTO006",
	Name:     "feature-missing",
	Severity: Warning,
	Summary:  "in-process ThinLTO with a capable toolchain never gets the flags",
	Doc: `
With LLVM 23 a ThinLTO kernel can keep the names of promoted static
functions (2 suffixed symbols instead of about 1200 in a typical build),
which is what makes live patching of LTO kernels workable. A Makefile whose
ThinLTO branch never adds the flags, even with a linker that supports them,
leaves every build with the .llvm.<hash> names.

The rule looks at CONFIG_LTO_CLANG_THIN with the toolchains that support
the option; it is silent when none of them can be evaluated, and when the
Makefile has no Clang LTO block at all.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
else
CC_FLAGS_LTO	:= -flto
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
else
CC_FLAGS_LTO	:= -flto
endif`,
	Run: runLTO006,
}

func runLTO006(p *Pass) error {
	if len(p.Configs) == 0 || !mentions(p.Makefile, "CONFIG_LTO_CLANG") {
		return nil
	}
	f := p.getFacts()
	var lacking []int
	capable := 0
	moduleOnly := false
	for k, c := range p.Configs {
		if !c.Config.Mode.InProcessThin() || !c.Config.Toolchain.Rename || p.aborted(k) {
			continue
		}
		capable++
		if present, _ := hasKind(f.vmlinux[k], OccRename); present {
			return nil // some capable configuration gets the feature
		}
		if present, _ := hasKind(f.link[k], OccRename); present {
			moduleOnly = true
		}
		lacking = append(lacking, k)
	}
	if capable == 0 {
		return nil
	}
	msg := "in-process ThinLTO never gets --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false, even with a linker that supports it; add $(call ld-option,...) with both flags to the ThinLTO branch"
	if moduleOnly {
		msg = "only module links get -mllvm -always-rename-promoted-locals=false; vmlinux.o's ThinLTO link (KBUILD_LDFLAGS) never does"
	}
	p.report(thinAnchor(p), lacking, false, "", msg)
	return nil
}

// mentions reports whether any expression of f contains s.
func mentions(f *makefile.File, s string) bool {
	found := false
	makefile.Inspect(f.Nodes, func(n makefile.Node) bool {
		if found {
			return false
		}
		for _, x := range nodeExprs(n) {
			x.Walk(func(part makefile.Part) bool {
				if l, ok := part.(*makefile.Lit); ok && strings.Contains(l.Text, s) {
					found = true
				}
				return !found
			})
		}
		return !found
	})
	return found
}

// thinAnchor finds where the ThinLTO setup is: the first assignment of
// -flto=thin, else the first conditional naming CONFIG_LTO_CLANG_THIN, else
// the first line that names CONFIG_LTO_CLANG.
func thinAnchor(p *Pass) makefile.Pos {
	var flto, cond, any makefile.Pos
	makefile.Inspect(p.Makefile.Nodes, func(n makefile.Node) bool {
		if a, ok := n.(*makefile.Assign); ok && !flto.IsValid() && strings.Contains(a.Value.String(), "-flto=thin") {
			flto = a.At
		}
		if c, ok := n.(*makefile.Cond); ok {
			for _, b := range c.Branches {
				for _, x := range []*makefile.Expr{b.Var, b.Left, b.Right} {
					s := x.String()
					if !cond.IsValid() && strings.Contains(s, "CONFIG_LTO_CLANG_THIN") {
						cond = b.At
					}
					if !any.IsValid() && strings.Contains(s, "CONFIG_LTO_CLANG") {
						any = b.At
					}
				}
			}
		}
		return true
	})
	for _, pos := range []makefile.Pos{flto, cond, any} {
		if pos.IsValid() {
			return pos
		}
	}
	return makefile.Pos{File: p.Makefile.Name, Line: 1, Col: 1}
}

// nodeExprs lists the expressions a node holds.
func nodeExprs(n makefile.Node) []*makefile.Expr {
	switch n := n.(type) {
	case *makefile.Assign:
		return []*makefile.Expr{n.Name, n.Value}
	case *makefile.Define:
		return []*makefile.Expr{n.Name, n.Body}
	case *makefile.Cond:
		var out []*makefile.Expr
		for _, b := range n.Branches {
			out = append(out, b.Var, b.Left, b.Right)
		}
		return out
	case *makefile.ExprLine:
		return []*makefile.Expr{n.X}
	case *makefile.Rule:
		out := []*makefile.Expr{n.Targets, n.Prereqs}
		if n.TargetVar != nil {
			out = append(out, n.TargetVar.Name, n.TargetVar.Value)
		}
		return out
	case *makefile.Include:
		return []*makefile.Expr{n.Files}
	case *makefile.Export:
		return []*makefile.Expr{n.Names}
	}
	return nil
}
