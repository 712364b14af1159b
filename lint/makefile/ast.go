package makefile

// File is a parsed makefile.
type File struct {
	Name     string
	Nodes    []Node
	Problems []Problem // lines GNU make rejects or misreads, in file order
	Lines    int       // number of physical lines
}

// Node is a statement of a makefile.
type Node interface {
	Pos() Pos
	node()
}

// AssignOp is an assignment operator.
type AssignOp string

// The assignment operators of GNU make.
const (
	Recursive   AssignOp = "="
	Simple      AssignOp = ":="
	SimplePosix AssignOp = "::="
	Append      AssignOp = "+="
	Conditional AssignOp = "?="
	Shell       AssignOp = "!="
)

// Modifiers are the words that may precede an assignment.
type Modifiers struct {
	Export, Unexport, Override, Private bool
}

// Assign is NAME op VALUE, possibly with modifiers, or a target-specific
// assignment inside a Rule.
type Assign struct {
	At    Pos
	Mods  Modifiers
	Name  *Expr
	Op    AssignOp
	Value *Expr
}

// Define is define NAME [op] ... endef. The body is kept as an expression
// over the joined body lines, newlines included.
type Define struct {
	At     Pos
	Mods   Modifiers
	Name   *Expr
	Op     AssignOp
	Body   *Expr
	EndPos Pos // position of endef; invalid if missing
}

// Undefine is undefine NAME.
type Undefine struct {
	At   Pos
	Mods Modifiers
	Name *Expr
}

// CondKind is the directive that opens a branch of a conditional.
type CondKind string

// The conditional directives. Else is a plain else.
const (
	Ifdef  CondKind = "ifdef"
	Ifndef CondKind = "ifndef"
	Ifeq   CondKind = "ifeq"
	Ifneq  CondKind = "ifneq"
	Else   CondKind = "else"
)

// Cond is a conditional: ifX ... [else ifX ...]* [else ...] endif.
type Cond struct {
	Branches []*Branch
	EndPos   Pos // position of endif; invalid if the conditional is not closed
}

// Branch is one arm of a Cond. The first branch starts at its ifX; later
// ones at their else.
type Branch struct {
	At   Pos
	Kind CondKind
	// Var is the expression naming the variable of ifdef/ifndef.
	Var *Expr
	// Left and Right are the operands of ifeq/ifneq.
	Left, Right *Expr
	// Invalid marks a condition GNU make cannot parse ("invalid syntax in
	// conditional"); an evaluator treats its outcome as unknown.
	Invalid bool
	Body    []Node
}

// Include is include, -include or sinclude.
type Include struct {
	At       Pos
	Optional bool
	Files    *Expr
}

// Export is export or unexport without an assignment.
type Export struct {
	At       Pos
	Unexport bool
	Names    *Expr // nil: all variables
}

// Directive is a directive that does not affect variables (vpath, load).
type Directive struct {
	At   Pos
	Name string
	Args *Expr
}

// Rule is targets: prerequisites, with its recipe lines. A rule that
// assigns a target-specific variable has TargetVar set instead of
// Prereqs.
type Rule struct {
	At        Pos
	Targets   *Expr
	Double    bool // "::"
	Prereqs   *Expr
	TargetVar *Assign
	// Recipe is the recipe given on the rule line after ';'. Recipe
	// lines that follow are Recipe nodes of their own.
	Recipe []*Recipe
}

// Recipe is a tab-led line after a rule: text GNU make hands to the
// shell. Whether make really is in a rule's context when it reads the
// line depends on which conditional branches were taken (a rule in a false
// branch does not count, neither does an assignment that ended the rule),
// so Alt holds the line read as a makefile line, for when it is not.
type Recipe struct {
	At   Pos
	Text string
	// Rule is the rule the line follows in the text.
	Rule *Rule
	// Alt is the line as an assignment, rule or directive; nil for lines
	// that are nothing else (or would open a conditional or define).
	Alt Node
}

// ExprLine is a line that is neither assignment, directive nor rule but
// consists of references, such as $(info ...) or $(eval ...). GNU make
// expands it and requires the result to be empty or a rule.
type ExprLine struct {
	At Pos
	X  *Expr
}

// Bad is a line GNU make rejects; the matching Problem is in File.Problems,
// or, for the Alt of a Recipe, in Msg.
type Bad struct {
	At   Pos
	Text string
	Msg  string
}

func (n *Assign) Pos() Pos    { return n.At }
func (n *Define) Pos() Pos    { return n.At }
func (n *Undefine) Pos() Pos  { return n.At }
func (n *Cond) Pos() Pos      { return n.Branches[0].At }
func (n *Include) Pos() Pos   { return n.At }
func (n *Export) Pos() Pos    { return n.At }
func (n *Directive) Pos() Pos { return n.At }
func (n *Rule) Pos() Pos      { return n.At }
func (n *Recipe) Pos() Pos    { return n.At }
func (n *ExprLine) Pos() Pos  { return n.At }
func (n *Bad) Pos() Pos       { return n.At }

func (*Assign) node()    {}
func (*Define) node()    {}
func (*Undefine) node()  {}
func (*Cond) node()      {}
func (*Include) node()   {}
func (*Export) node()    {}
func (*Directive) node() {}
func (*Rule) node()      {}
func (*Recipe) node()    {}
func (*ExprLine) node()  {}
func (*Bad) node()       {}

// Inspect calls fn for every node of nodes in source order, entering
// conditional branches; fn returning false skips a node's children.
func Inspect(nodes []Node, fn func(Node) bool) {
	// An explicit stack: conditionals may nest thousands deep.
	type frame struct {
		nodes []Node
		i     int
	}
	stack := []frame{{nodes: nodes}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i >= len(top.nodes) {
			stack = stack[:len(stack)-1]
			continue
		}
		n := top.nodes[top.i]
		top.i++
		if !fn(n) {
			continue
		}
		if c, ok := n.(*Cond); ok {
			// Push branches in reverse so the first is visited first.
			for k := len(c.Branches) - 1; k >= 0; k-- {
				stack = append(stack, frame{nodes: c.Branches[k].Body})
			}
		}
	}
}
