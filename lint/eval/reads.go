package eval

import (
	"strings"

	"klpcheck/lint/makefile"
)

// ReadSet names the variables whose values an evaluation can observe: the
// ones the makefile reads somewhere (a reference, ifdef, $(call), $(value),
// $(origin), $(flavor)), the ones the evaluator reads itself (the probes'
// KBUILD_LDFLAGS, CURDIR...), the ones the caller keeps, and the ones some
// assignment has a side effect for. An assignment to any other variable
// changes nothing anybody sees: Run skips it instead of storing a value per
// configuration, which on a makefile of many assignments is most of the
// work and of the memory.
type ReadSet struct {
	names map[string]bool
	// file and skip say which of file's top-level statements are such
	// assignments (bit i of skip for file.Nodes[i]), found once for every
	// configuration instead of in each.
	file *makefile.File
	skip []uint64
}

// evaluatorReads are the variables the evaluator reads by name.
var evaluatorReads = []string{"KBUILD_LDFLAGS", "CONFIG_CLANG_VERSION", "CONFIG_GCC_VERSION", "CURDIR", "MAKEFILE_LIST"}

// Reads returns the ReadSet of f, with keep added, or nil when the reads
// cannot be known before evaluating: a reference or function argument
// whose variable name is computed, an $(eval) (its text may read
// anything), an include (the included file's text is not known yet), or
// an assignment whose name is computed and whose value has side effects.
// A nil ReadSet keeps every variable. track is the evaluation's
// Config.Track. It is linear in the size of f.
func Reads(f *makefile.File, track map[makefile.Node]bool, keep ...string) *ReadSet {
	r := &readScan{names: map[string]bool{}}
	for _, name := range keep {
		r.names[name] = true
	}
	for _, name := range evaluatorReads {
		r.names[name] = true
	}
	makefile.Inspect(f.Nodes, func(n makefile.Node) bool {
		r.node(n)
		return !r.unbounded
	})
	if r.unbounded {
		return nil
	}
	rs := &ReadSet{names: r.names, file: f, skip: make([]uint64, (len(f.Nodes)+63)/64)}
	for i, n := range f.Nodes {
		if rs.skippable(n, track) {
			rs.skip[i/64] |= 1 << (i % 64)
		}
	}
	return rs
}

// skippable reports whether top-level statement n is an assignment Run
// may skip: of a literal name nobody reads, of a value whose expansion
// has no side effect, and not a statement whose reach is tracked.
func (s *ReadSet) skippable(n makefile.Node, track map[makefile.Node]bool) bool {
	var name, value *makefile.Expr
	var op makefile.AssignOp
	switch n := n.(type) {
	case *makefile.Assign:
		name, op, value = n.Name, n.Op, n.Value
	case *makefile.Define:
		name, op, value = n.Name, n.Op, n.Body
	default:
		return false
	}
	lit, ok := name.Literal()
	if !ok || op == makefile.Shell || !literalOnly(value) || track[n] {
		return false
	}
	lit = strings.TrimSpace(lit)
	return lit != "" && s.drops(lit)
}

// skips reports whether statement i of f's top level may be skipped.
func (s *ReadSet) skips(f *makefile.File, i int) bool {
	return s != nil && s.file == f && s.skip[i/64]&(1<<(i%64)) != 0
}

// drops reports whether an assignment to name can be skipped.
func (s *ReadSet) drops(name string) bool {
	return s != nil && !s.names[name]
}

type readScan struct {
	names     map[string]bool
	unbounded bool
}

func (r *readScan) node(n makefile.Node) {
	switch n := n.(type) {
	case *makefile.Assign:
		r.assign(n.Name, n.Op, n.Value)
	case *makefile.Define:
		r.assign(n.Name, n.Op, n.Body)
	case *makefile.Undefine:
		r.expr(n.Name)
	case *makefile.Cond:
		for _, b := range n.Branches {
			if b.Kind == makefile.Ifdef || b.Kind == makefile.Ifndef {
				r.name(b.Var)
			}
			r.expr(b.Var)
			r.expr(b.Left)
			r.expr(b.Right)
		}
	case *makefile.Include:
		r.unbounded = true
	case *makefile.ExprLine:
		r.expr(n.X)
	case *makefile.Rule:
		r.expr(n.Targets)
		r.expr(n.Prereqs)
		if n.TargetVar != nil {
			r.expr(n.TargetVar.Name)
			r.expr(n.TargetVar.Value)
		}
	case *makefile.Recipe:
		if n.Alt != nil {
			r.node(n.Alt)
		}
	case *makefile.Export:
		r.expr(n.Names)
	case *makefile.Directive:
		r.expr(n.Args)
	}
}

// assign records what an assignment reads. A variable assigned with side
// effects (an expansion that may run a function, a != command) is kept:
// skipping the assignment would skip them.
func (r *readScan) assign(name *makefile.Expr, op makefile.AssignOp, value *makefile.Expr) {
	r.expr(name)
	r.expr(value)
	if literalOnly(value) && op != makefile.Shell {
		return
	}
	lit, ok := name.Literal()
	if !ok {
		r.unbounded = true
		return
	}
	r.names[strings.TrimSpace(lit)] = true
}

// name records the variable named by x, which must not be computed.
func (r *readScan) name(x *makefile.Expr) {
	lit, ok := x.Literal()
	if !ok {
		r.unbounded = true
		return
	}
	// ifdef and the functions trim the name; a reference does not.
	r.names[lit] = true
	r.names[strings.TrimSpace(lit)] = true
}

func (r *readScan) expr(x *makefile.Expr) {
	if literalOnly(x) {
		return // most expressions: nothing to walk
	}
	x.Walk(func(p makefile.Part) bool {
		switch p := p.(type) {
		case *makefile.Ref:
			r.name(p.Name)
		case *makefile.Call:
			switch p.Func {
			case "eval":
				r.unbounded = true
			case "call", "value", "origin", "flavor":
				if len(p.Args) > 0 {
					r.name(p.Args[0])
				}
			}
		}
		return !r.unbounded
	})
}

// literalOnly reports whether x holds no reference or call.
func literalOnly(x *makefile.Expr) bool {
	if x == nil {
		return true
	}
	for _, p := range x.Parts {
		if _, ok := p.(*makefile.Lit); !ok {
			return false
		}
	}
	return true
}
