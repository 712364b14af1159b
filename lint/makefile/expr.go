package makefile

import (
	"sort"
	"strings"
)

// Expr is unexpanded make text: literal runs, variable references and
// function calls, in order. A nil or empty Expr is the empty string.
type Expr struct {
	Parts []Part
}

// Part is one piece of an Expr: *Lit, *Ref or *Call.
type Part interface {
	Pos() Pos
	part()
}

// Lit is literal text. "$$" becomes a Lit of its own holding "$", so that a
// byte offset into Text always maps back to the file.
type Lit struct {
	Text string
	Off  int // offset of Text[0] in the logical line
	Map  *LineMap
}

// Ref is a variable reference: $(NAME), ${NAME}, $X, or a substitution
// reference $(NAME:from=to).
type Ref struct {
	Name  *Expr
	Subst *Subst // nil unless a substitution reference
	Raw   string // the reference as written, for messages
	Off   int
	Map   *LineMap
}

// Subst is the from=to part of $(NAME:from=to).
type Subst struct {
	From, To *Expr
}

// Call is a call of a GNU make built-in function, such as $(call f,a) or
// $(if c,t,e). User functions are called through "call".
type Call struct {
	Func string
	Args []*Expr
	Raw  string // the call as written, for messages
	Off  int
	Map  *LineMap
}

func (*Lit) part()  {}
func (*Ref) part()  {}
func (*Call) part() {}

// Pos returns the position of the first byte.
func (l *Lit) Pos() Pos { return l.Map.Pos(l.Off) }

// PosAt returns the position of byte k of l.Text.
func (l *Lit) PosAt(k int) Pos { return l.Map.Pos(l.Off + k) }

// Pos returns the position of the '$'.
func (r *Ref) Pos() Pos { return r.Map.Pos(r.Off) }

// Pos returns the position of the '$'.
func (c *Call) Pos() Pos { return c.Map.Pos(c.Off) }

// Pos returns the position of the first part, or the zero Pos.
func (e *Expr) Pos() Pos {
	if e == nil || len(e.Parts) == 0 {
		return Pos{}
	}
	return e.Parts[0].Pos()
}

// Literal returns the text of e when it holds no references.
func (e *Expr) Literal() (string, bool) {
	if e == nil {
		return "", true
	}
	if len(e.Parts) == 1 {
		// The common case (a variable's name) without a copy.
		l, ok := e.Parts[0].(*Lit)
		if !ok {
			return "", false
		}
		return l.Text, true
	}
	var b strings.Builder
	for _, p := range e.Parts {
		l, ok := p.(*Lit)
		if !ok {
			return "", false
		}
		b.WriteString(l.Text)
	}
	return b.String(), true
}

// String renders e back in make syntax (literal "$" is written as "$$").
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	if len(e.Parts) == 1 {
		// The common case without a copy: a long line is one part.
		switch p := e.Parts[0].(type) {
		case *Lit:
			return strings.ReplaceAll(p.Text, "$", "$$")
		case *Ref:
			return p.Raw
		case *Call:
			return p.Raw
		}
	}
	var b strings.Builder
	for _, p := range e.Parts {
		switch p := p.(type) {
		case *Lit:
			b.WriteString(strings.ReplaceAll(p.Text, "$", "$$"))
		case *Ref:
			b.WriteString(p.Raw)
		case *Call:
			b.WriteString(p.Raw)
		}
	}
	return b.String()
}

// Walk calls fn for every part of e, depth first, entering function
// arguments, reference names and substitution patterns.
func (e *Expr) Walk(fn func(Part) bool) {
	if e == nil {
		return
	}
	for _, p := range e.Parts {
		if !fn(p) {
			continue
		}
		switch p := p.(type) {
		case *Ref:
			p.Name.Walk(fn)
			if p.Subst != nil {
				p.Subst.From.Walk(fn)
				p.Subst.To.Walk(fn)
			}
		case *Call:
			for _, a := range p.Args {
				a.Walk(fn)
			}
		}
	}
}

// FuncArity is the number of arguments a built-in function takes: Min, and
// Max where 0 means any number. Arguments beyond Max-1 are not split at
// commas, as in GNU make.
type FuncArity struct{ Min, Max int }

// Funcs lists GNU make 4.3's built-in functions.
var Funcs = map[string]FuncArity{
	"abspath": {0, 1}, "addprefix": {2, 2}, "addsuffix": {2, 2}, "and": {1, 0},
	"basename": {0, 1}, "call": {1, 0}, "dir": {0, 1}, "error": {0, 1},
	"eval": {0, 1}, "file": {1, 2}, "filter": {2, 2}, "filter-out": {2, 2},
	"findstring": {2, 2}, "firstword": {0, 1}, "flavor": {0, 1}, "foreach": {3, 3},
	"guile": {0, 1}, "if": {2, 3}, "info": {0, 1}, "join": {2, 2},
	"lastword": {0, 1}, "notdir": {0, 1}, "or": {1, 0}, "origin": {0, 1},
	"patsubst": {3, 3}, "realpath": {0, 1}, "shell": {0, 1}, "sort": {0, 1},
	"strip": {0, 1}, "subst": {3, 3}, "suffix": {0, 1}, "value": {0, 1},
	"warning": {0, 1}, "wildcard": {0, 1}, "word": {2, 2}, "wordlist": {3, 3},
	"words": {0, 1},
}

// MaxDepth bounds the nesting of references and function calls in one
// expression. GNU make has no limit; kbuild never goes beyond a handful.
const MaxDepth = 10000

// exprParser parses the references in one logical line. It precomputes the
// positions of the characters GNU make's scanner looks for, so that each
// reference is found with a binary search and the whole line is parsed in
// O(n log n) even when it is megabytes long or unbalanced.
type exprParser struct {
	text    string
	lm      *LineMap
	ready   bool
	dollars []int32 // positions of '$'
	closeP  []int32 // positions of ')'
	closeB  []int32 // positions of '}'
	opens   []int32 // positions of '(' and '{'
	matches []int32 // matching close of opens[i], or -1
	probs   *[]Problem
	limit   *LimitError
}

func newExprParser(text string, lm *LineMap, probs *[]Problem) *exprParser {
	return &exprParser{text: text, lm: lm, probs: probs}
}

func (p *exprParser) prepare() {
	if p.ready {
		return
	}
	p.ready = true
	var stackP, stackB []int // indexes into opens
	for i := 0; i < len(p.text); i++ {
		switch p.text[i] {
		case '$':
			p.dollars = append(p.dollars, int32(i))
		case '(':
			stackP = append(stackP, len(p.opens))
			p.opens = append(p.opens, int32(i))
			p.matches = append(p.matches, -1)
		case '{':
			stackB = append(stackB, len(p.opens))
			p.opens = append(p.opens, int32(i))
			p.matches = append(p.matches, -1)
		case ')':
			p.closeP = append(p.closeP, int32(i))
			if n := len(stackP); n > 0 {
				p.matches[stackP[n-1]] = int32(i)
				stackP = stackP[:n-1]
			}
		case '}':
			p.closeB = append(p.closeB, int32(i))
			if n := len(stackB); n > 0 {
				p.matches[stackB[n-1]] = int32(i)
				stackB = stackB[:n-1]
			}
		}
	}
}

// match returns the close that balances the open paren or brace at i,
// counting only its own kind as GNU make does, or -1.
func (p *exprParser) match(i int) int {
	k := sort.Search(len(p.opens), func(k int) bool { return int(p.opens[k]) >= i })
	if k < len(p.opens) && int(p.opens[k]) == i {
		return int(p.matches[k])
	}
	return -1
}

// firstAt returns the first element of sorted list that is >= i, or -1.
func firstAt(list []int32, i int) int {
	k := sort.Search(len(list), func(k int) bool { return int(list[k]) >= i })
	if k < len(list) {
		return int(list[k])
	}
	return -1
}

func (p *exprParser) problem(off int, sev Severity, msg string) {
	*p.probs = append(*p.probs, Problem{Pos: p.lm.Pos(off), Severity: sev, Msg: msg})
}

// parse parses text[lo:hi] at nesting depth depth.
func (p *exprParser) parse(lo, hi, depth int) *Expr {
	e := &Expr{}
	p.fill(e, lo, hi, depth)
	return e
}

// oneLit is the parts of an Expr that is one literal, allocated at once:
// most expressions of a makefile are.
type oneLit struct {
	parts [1]Part
	lit   Lit
}

// fill parses text[lo:hi] at nesting depth depth into e.
func (p *exprParser) fill(e *Expr, lo, hi, depth int) {
	if lo >= hi {
		return
	}
	if depth > MaxDepth {
		if p.limit == nil {
			p.limit = &LimitError{Pos: p.lm.Pos(lo), Msg: "references nested more than 10000 deep"}
		}
		return
	}
	if strings.IndexByte(p.text[lo:hi], '$') < 0 {
		one := &oneLit{lit: Lit{Text: p.text[lo:hi], Off: lo, Map: p.lm}}
		one.parts[0] = &one.lit
		e.Parts = one.parts[:]
		return
	}
	litStart := lo
	flush := func(end int) {
		if end > litStart {
			e.Parts = append(e.Parts, &Lit{Text: p.text[litStart:end], Off: litStart, Map: p.lm})
		}
	}
	i := lo
	for i < hi {
		d := strings.IndexByte(p.text[i:hi], '$')
		if d < 0 {
			break
		}
		i += d
		flush(i)
		if i+1 >= hi {
			// A '$' that ends the text expands to nothing.
			litStart = hi
			i = hi
			break
		}
		switch c := p.text[i+1]; c {
		case '$':
			e.Parts = append(e.Parts, &Lit{Text: "$", Off: i, Map: p.lm})
			i += 2
		case '(', '{':
			end, part := p.reference(i, hi, depth)
			if part == nil {
				// Unterminated: GNU make stops when it expands this.
				e.Parts = append(e.Parts, &Lit{Text: p.text[i:hi], Off: i, Map: p.lm})
				i = hi
			} else {
				e.Parts = append(e.Parts, part)
				i = end + 1
			}
		default:
			name := &Expr{Parts: []Part{&Lit{Text: p.text[i+1 : i+2], Off: i + 1, Map: p.lm}}}
			e.Parts = append(e.Parts, &Ref{Name: name, Raw: p.text[i : i+2], Off: i, Map: p.lm})
			i += 2
		}
		litStart = i
	}
	flush(hi)
}

// reference parses the $( or ${ at i, bounded by hi. It returns the offset
// of the closing character and the part, or a nil part if unterminated.
func (p *exprParser) reference(i, hi, depth int) (int, Part) {
	p.prepare()
	open := p.text[i+1]
	closeCh := byte(')')
	closes := p.closeP
	if open == '{' {
		closeCh = '}'
		closes = p.closeB
	}
	beg := i + 2
	// A built-in function: a known name followed by whitespace.
	n := beg
	for n < hi && (p.text[n] >= 'a' && p.text[n] <= 'z' || p.text[n] == '-') {
		n++
	}
	if ar, ok := Funcs[p.text[beg:n]]; ok && n < hi && isSpace(p.text[n]) {
		end := p.match(i + 1)
		if end < 0 || end >= hi {
			p.problem(i, Fatal, "unterminated call to function '"+p.text[beg:n]+"': missing '"+string(closeCh)+"'")
			return 0, nil
		}
		call := &Call{Func: p.text[beg:n], Raw: p.text[i : end+1], Off: i, Map: p.lm}
		a := n
		for a < end && isSpace(p.text[a]) {
			a++
		}
		for {
			next := -1
			if ar.Max == 0 || len(call.Args)+1 < ar.Max {
				next = p.nextArg(a, end, open)
			}
			if next < 0 {
				call.Args = append(call.Args, p.parse(a, end, depth+1))
				break
			}
			call.Args = append(call.Args, p.parse(a, next, depth+1))
			a = next + 1
		}
		if len(call.Args) < ar.Min {
			p.problem(i, Fatal, "insufficient number of arguments to function '"+call.Func+"'")
		}
		return end, call
	}
	// A variable reference. GNU make takes the first closing character
	// unless a '$' comes before it, in which case it counts nesting.
	fc := firstAt(closes, beg)
	if fc < 0 || fc >= hi {
		p.problem(i, Fatal, "unterminated variable reference")
		return 0, nil
	}
	end := fc
	if d := firstAt(p.dollars, beg); d >= 0 && d < fc {
		if m := p.match(i + 1); m >= 0 && m < hi {
			end = m
		}
	}
	ref := &Ref{Raw: p.text[i : end+1], Off: i, Map: p.lm}
	colon := p.scanTop(beg, end, ':')
	if colon >= 0 {
		if eq := p.scanTop(colon+1, end, '='); eq >= 0 {
			ref.Name = p.parse(beg, colon, depth+1)
			ref.Subst = &Subst{From: p.parse(colon+1, eq, depth+1), To: p.parse(eq+1, end, depth+1)}
			return end, ref
		}
	}
	ref.Name = p.parse(beg, end, depth+1)
	return end, ref
}

// nextArg finds the comma that ends a function argument in [a, end),
// counting only parens of the call's own kind, as GNU make does.
func (p *exprParser) nextArg(a, end int, open byte) int {
	for j := a; j < end; j++ {
		switch c := p.text[j]; {
		case c == open:
			m := p.match(j)
			if m < 0 || m >= end {
				return -1
			}
			j = m
		case c == ',':
			return j
		}
	}
	return -1
}

// scanTop finds c in [a, end) outside nested references.
func (p *exprParser) scanTop(a, end int, c byte) int {
	p.prepare()
	for j := a; j < end; j++ {
		switch p.text[j] {
		case c:
			return j
		case '$':
			if j+1 < end && (p.text[j+1] == '(' || p.text[j+1] == '{') {
				if m := p.match(j + 1); m >= 0 && m < end {
					j = m
				}
			} else {
				j++
			}
		}
	}
	return -1
}
