package makefile

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes a readable outline of f: one node per line with its
// position, expressions shown with their parts. Tests compare it with
// golden files; people use it to see how a line was understood.
func Dump(w io.Writer, f *File) error {
	d := &dumper{w: w}
	d.nodes(f.Nodes, 0)
	for _, pr := range f.Problems {
		d.printf(0, "problem %s: %s", pos(pr.Pos), pr.Msg)
		if pr.Suggest != "" {
			d.printf(1, "suggest %q", pr.Suggest)
		}
	}
	return d.err
}

type dumper struct {
	w   io.Writer
	err error
}

func (d *dumper) printf(depth int, format string, args ...any) {
	if d.err != nil {
		return
	}
	_, d.err = fmt.Fprintf(d.w, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
}

func pos(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

func (d *dumper) nodes(nodes []Node, depth int) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *Assign:
			d.printf(depth, "%s assign%s %s %s %s", pos(n.At), mods(n.Mods), exprString(n.Name), n.Op, exprString(n.Value))
		case *Define:
			d.printf(depth, "%s define%s %s %s %s", pos(n.At), mods(n.Mods), exprString(n.Name), n.Op, exprString(n.Body))
		case *Undefine:
			d.printf(depth, "%s undefine %s", pos(n.At), exprString(n.Name))
		case *Cond:
			for _, b := range n.Branches {
				switch b.Kind {
				case Ifdef, Ifndef:
					d.printf(depth, "%s %s %s%s", pos(b.At), b.Kind, exprString(b.Var), invalid(b))
				case Ifeq, Ifneq:
					d.printf(depth, "%s %s %s %s%s", pos(b.At), b.Kind, exprString(b.Left), exprString(b.Right), invalid(b))
				default:
					d.printf(depth, "%s else", pos(b.At))
				}
				d.nodes(b.Body, depth+1)
			}
			if n.EndPos.IsValid() {
				d.printf(depth, "%s endif", pos(n.EndPos))
			} else {
				d.printf(depth, "(no endif)")
			}
		case *Include:
			d.printf(depth, "%s include optional=%v %s", pos(n.At), n.Optional, exprString(n.Files))
		case *Export:
			d.printf(depth, "%s export unexport=%v %s", pos(n.At), n.Unexport, exprString(n.Names))
		case *Directive:
			d.printf(depth, "%s %s %s", pos(n.At), n.Name, exprString(n.Args))
		case *Rule:
			if n.TargetVar != nil {
				d.printf(depth, "%s rule %s: target-var %s %s %s", pos(n.At), exprString(n.Targets), exprString(n.TargetVar.Name), n.TargetVar.Op, exprString(n.TargetVar.Value))
			} else {
				d.printf(depth, "%s rule %s double=%v prereqs %s", pos(n.At), exprString(n.Targets), n.Double, exprString(n.Prereqs))
			}
			for _, r := range n.Recipe {
				d.printf(depth+1, "%s inline recipe %q", pos(r.At), r.Text)
			}
		case *Recipe:
			d.printf(depth, "%s recipe %q of rule at line %d", pos(n.At), n.Text, n.Rule.At.Line)
			if n.Alt != nil {
				d.nodes([]Node{n.Alt}, depth+2)
			}
		case *ExprLine:
			d.printf(depth, "%s expr %s", pos(n.At), exprString(n.X))
		case *Bad:
			if n.Msg != "" {
				d.printf(depth, "%s bad %q: %s", pos(n.At), n.Text, n.Msg)
			} else {
				d.printf(depth, "%s bad %q", pos(n.At), n.Text)
			}
		}
	}
}

func invalid(b *Branch) string {
	if b.Invalid {
		return " (invalid)"
	}
	return ""
}

func mods(m Modifiers) string {
	var s []string
	if m.Export {
		s = append(s, "export")
	}
	if m.Unexport {
		s = append(s, "unexport")
	}
	if m.Override {
		s = append(s, "override")
	}
	if m.Private {
		s = append(s, "private")
	}
	if len(s) == 0 {
		return ""
	}
	return "[" + strings.Join(s, ",") + "]"
}

// exprString shows the structure of an expression: literals quoted with
// their position, references and calls in brackets.
func exprString(e *Expr) string {
	if e == nil || len(e.Parts) == 0 {
		return `""`
	}
	var parts []string
	for _, p := range e.Parts {
		switch p := p.(type) {
		case *Lit:
			parts = append(parts, strconv.Quote(p.Text)+"@"+pos(p.Pos()))
		case *Ref:
			s := "ref(" + exprString(p.Name)
			if p.Subst != nil {
				s += " : " + exprString(p.Subst.From) + " = " + exprString(p.Subst.To)
			}
			parts = append(parts, s+")@"+pos(p.Pos()))
		case *Call:
			args := make([]string, len(p.Args))
			for i, a := range p.Args {
				args[i] = exprString(a)
			}
			parts = append(parts, p.Func+"("+strings.Join(args, ", ")+")@"+pos(p.Pos()))
		}
	}
	return strings.Join(parts, " ")
}
