package kconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// Expr is a Kconfig expression.
type Expr interface{ String() string }

// Sym is a symbol or an unquoted constant (y, m, n, 230000).
type Sym struct{ Name string }

// Str is a quoted constant.
type Str struct{ Value string }

// Not is !X.
type Not struct{ X Expr }

// And is L && R.
type And struct{ L, R Expr }

// Or is L || R.
type Or struct{ L, R Expr }

// Cmp is L op R with op one of = != < <= > >=.
type Cmp struct {
	Op   string
	L, R Expr
}

// Invalid is an expression that did not parse: Eval gives Unknown, so an
// unparsable "depends on" or "if" never counts as true. Text is the
// expression as written; File.Problems has the error.
type Invalid struct{ Text string }

func (e *Invalid) String() string { return e.Text }
func (e *Sym) String() string     { return e.Name }
func (e *Str) String() string     { return strconv.Quote(e.Value) }
func (e *Not) String() string     { return "!" + e.X.String() }
func (e *And) String() string     { return "(" + e.L.String() + " && " + e.R.String() + ")" }
func (e *Or) String() string      { return "(" + e.L.String() + " || " + e.R.String() + ")" }
func (e *Cmp) String() string     { return e.L.String() + " " + e.Op + " " + e.R.String() }

// ParseExpr parses a Kconfig expression.
func ParseExpr(s string) (Expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in expression %q", p.toks[p.i].text, s)
	}
	return e, nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			return toks, nil
		case c == '"' || c == '\'':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string in expression %q", s)
			}
			toks = append(toks, token{text: b.String(), quoted: true})
			i = j + 1
		case strings.HasPrefix(s[i:], "&&"), strings.HasPrefix(s[i:], "||"),
			strings.HasPrefix(s[i:], "!="), strings.HasPrefix(s[i:], "<="), strings.HasPrefix(s[i:], ">="):
			toks = append(toks, token{text: s[i : i+2]})
			i += 2
		case strings.ContainsRune("!()=<>", rune(c)):
			toks = append(toks, token{text: s[i : i+1]})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t!()=<>&|\"'#", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q in expression %q", s[i:i+1], s)
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type exprParser struct {
	toks  []token
	i     int
	depth int
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) && !p.toks[p.i].quoted {
		return p.toks[p.i].text
	}
	return ""
}

func (p *exprParser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "||" {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Or{l, r}
	}
	return l, nil
}

func (p *exprParser) and() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "&&" {
		p.i++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &And{l, r}
	}
	return l, nil
}

func (p *exprParser) unary() (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 1000 {
		return nil, fmt.Errorf("expression nested too deep")
	}
	if p.peek() == "!" {
		p.i++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	}
	return p.cmp()
}

func (p *exprParser) cmp() (Expr, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	switch op := p.peek(); op {
	case "=", "!=", "<", "<=", ">", ">=":
		p.i++
		r, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &Cmp{Op: op, L: l, R: r}, nil
	}
	return l, nil
}

func (p *exprParser) primary() (Expr, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("expression ends early")
	}
	t := p.toks[p.i]
	p.i++
	if t.quoted {
		return &Str{t.text}, nil
	}
	switch t.text {
	case "(":
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')'")
		}
		p.i++
		return e, nil
	case ")", "&&", "||", "=", "!=", "<", "<=", ">", ">=", "!":
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	return &Sym{t.text}, nil
}

// Tri is a tristate value extended with Unknown.
type Tri int

// The values of Tri. No < Mod < Yes as in Kconfig.
const (
	Unknown Tri = -1
	No      Tri = 0
	Mod     Tri = 1
	Yes     Tri = 2
)

func (t Tri) String() string {
	switch t {
	case No:
		return "n"
	case Mod:
		return "m"
	case Yes:
		return "y"
	}
	return "unknown"
}

func triOf(v string) Tri {
	switch v {
	case "y":
		return Yes
	case "m":
		return Mod
	}
	return No
}

// Lookup gives a symbol's value ("y", "m", "n", a number or a string) and
// whether it is known.
type Lookup func(name string) (string, bool)

// Eval computes e over the symbol values lookup gives.
func Eval(e Expr, lookup Lookup) Tri {
	switch e := e.(type) {
	case nil:
		return Yes
	case *Sym:
		switch e.Name {
		case "y", "m", "n":
			return triOf(e.Name)
		}
		v, ok := lookup(e.Name)
		if !ok {
			return Unknown
		}
		return triOf(v)
	case *Str:
		return triOf(e.Value)
	case *Not:
		x := Eval(e.X, lookup)
		if x == Unknown {
			return Unknown
		}
		return Yes - x
	case *And:
		l, r := Eval(e.L, lookup), Eval(e.R, lookup)
		if l == No || r == No {
			return No
		}
		if l == Unknown || r == Unknown {
			return Unknown
		}
		return min(l, r)
	case *Or:
		l, r := Eval(e.L, lookup), Eval(e.R, lookup)
		if l == Yes || r == Yes {
			return Yes
		}
		if l == Unknown || r == Unknown {
			return Unknown
		}
		return max(l, r)
	case *Cmp:
		lv, lok := operand(e.L, lookup)
		rv, rok := operand(e.R, lookup)
		if !lok || !rok {
			return Unknown
		}
		c, ok := compare(lv, rv)
		if !ok {
			return Unknown
		}
		var res bool
		switch e.Op {
		case "=":
			res = c == 0
		case "!=":
			res = c != 0
		case "<":
			res = c < 0
		case "<=":
			res = c <= 0
		case ">":
			res = c > 0
		case ">=":
			res = c >= 0
		}
		if res {
			return Yes
		}
		return No
	}
	return Unknown
}

// operand is the string value of one side of a comparison. A name that is
// a number is a constant; other undefined names are unknown.
func operand(e Expr, lookup Lookup) (string, bool) {
	switch e := e.(type) {
	case *Str:
		return e.Value, true
	case *Sym:
		switch e.Name {
		case "y", "m", "n":
			return e.Name, true
		}
		if v, ok := lookup(e.Name); ok {
			return v, true
		}
		if _, err := parseNum(e.Name); err == nil {
			return e.Name, true
		}
		return "", false
	}
	t := Eval(e, lookup)
	if t == Unknown {
		return "", false
	}
	return t.String(), true
}

func parseNum(s string) (int64, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return strconv.ParseInt(s[2:], 16, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

// compare compares numerically when both sides are numbers, else as strings.
func compare(a, b string) (int, bool) {
	x, err1 := parseNum(a)
	y, err2 := parseNum(b)
	if err1 == nil && err2 == nil {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return strings.Compare(a, b), true
}

// VersionBound is a comparison of a toolchain version symbol with a
// number, such as CLANG_VERSION >= 230000.
type VersionBound struct {
	Symbol string // CLANG_VERSION, LLD_VERSION, ...
	Op     string
	N      int64
}

// Min is the smallest version the bound admits, or 0 for upper bounds.
func (b VersionBound) Min() int64 {
	switch b.Op {
	case ">=", "=":
		return b.N
	case ">":
		return b.N + 1
	}
	return 0
}

func (b VersionBound) String() string { return fmt.Sprintf("%s %s %d", b.Symbol, b.Op, b.N) }

// IsVersionSymbol reports whether name is a Kconfig toolchain version.
func IsVersionSymbol(name string) bool {
	switch name {
	case "CLANG_VERSION", "LLD_VERSION", "GCC_VERSION", "AS_VERSION", "LD_VERSION", "RUSTC_VERSION":
		return true
	}
	return false
}

// VersionBounds lists the version comparisons in e.
func VersionBounds(e Expr) []VersionBound {
	var out []VersionBound
	var walk func(Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Not:
			walk(e.X)
		case *And:
			walk(e.L)
			walk(e.R)
		case *Or:
			walk(e.L)
			walk(e.R)
		case *Cmp:
			l, lok := e.L.(*Sym)
			r, rok := e.R.(*Sym)
			if !lok || !rok {
				return
			}
			if IsVersionSymbol(l.Name) {
				if n, err := parseNum(r.Name); err == nil {
					out = append(out, VersionBound{Symbol: l.Name, Op: e.Op, N: n})
				}
			} else if IsVersionSymbol(r.Name) {
				if n, err := parseNum(l.Name); err == nil {
					out = append(out, VersionBound{Symbol: r.Name, Op: flip(e.Op), N: n})
				}
			}
		}
	}
	walk(e)
	return out
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// Names lists the symbols e refers to.
func Names(e Expr) []string {
	var out []string
	var walk func(Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Sym:
			out = append(out, e.Name)
		case *Not:
			walk(e.X)
		case *And:
			walk(e.L)
			walk(e.R)
		case *Or:
			walk(e.L)
			walk(e.R)
		case *Cmp:
			walk(e.L)
			walk(e.R)
		}
	}
	walk(e)
	return out
}
