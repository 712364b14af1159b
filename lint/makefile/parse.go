package makefile

import (
	"strings"
)

// MaxCondDepth bounds how deeply conditionals may nest.
const MaxCondDepth = 100000

// Mode changes how Parse reads its input.
type Mode uint

const (
	// Fragment parses lines out of context (the added lines of a patch hunk
	// that did not apply): unbalanced conditionals and define blocks are
	// expected there and are not Problems.
	Fragment Mode = 1 << iota
)

// Parse parses src as a makefile named name. Lines GNU make rejects or
// misreads are returned in File.Problems; the error is non-nil only when
// the input exceeds the parser's limits (a *LimitError).
func Parse(name string, src []byte, mode Mode) (*File, error) {
	return parse(name, string(src), mode, 0)
}

// ParseString is Parse of a string, without copying it.
func ParseString(name, src string, mode Mode) (*File, error) {
	return parse(name, src, mode, 0)
}

// ParseEval parses text given to $(eval ...) at pos: line k of the text
// is reported as line pos.Line+k-1 of pos.File.
func ParseEval(pos Pos, src []byte) (*File, error) {
	return parse(pos.File, string(src), 0, pos.Line-1)
}

func parse(name string, src string, mode Mode, lineOffset int) (*File, error) {
	p := &parser{file: name, fileRef: new(string), mode: mode}
	*p.fileRef = name
	p.f = &File{Name: name}
	p.body = &p.f.Nodes
	if len(src) > 0 {
		p.f.Lines = lineOffset + strings.Count(src, "\n")
		if !strings.HasSuffix(src, "\n") {
			p.f.Lines++
		}
	}
	p.lines = lineReader{s: src, lineNo: 1 + lineOffset}
	for p.limit == nil {
		rl, ok := p.lines.next()
		if !ok {
			break
		}
		p.line(rl)
	}
	if p.limit != nil {
		return p.f, p.limit
	}
	for len(p.stack) > 0 {
		fr := p.stack[len(p.stack)-1]
		if p.mode&Fragment == 0 {
			p.problemAt(fr.cond.Branches[0].At, Fatal, "missing 'endif' (GNU make reports it at the end of the file)", "")
		}
		p.pop()
	}
	return p.f, nil
}

type condFrame struct {
	cond     *Cond
	seenElse bool
	outer    *[]Node
}

type parser struct {
	file    string
	fileRef *string // file, shared by the line maps
	mode    Mode
	f       *File
	lines   lineReader
	body    *[]Node // where the next node goes
	stack   []condFrame
	inRule  *Rule // the rule whose recipe a tab-led line would continue
	// lastRule is the last rule read in any branch: after it, tab-led
	// lines may be recipe lines.
	lastRule *Rule
	limit    *LimitError
}

// add appends n to the current body. A long body doubles its capacity
// as it grows: append grows a large slice by a quarter at a time, which
// copies a makefile of many lines again and again and leaves four times
// the final list for the collector.
func (p *parser) add(n Node) {
	b := *p.body
	if len(b) == cap(b) && len(b) >= 256 {
		nb := make([]Node, len(b), 2*len(b))
		copy(nb, b)
		b = nb
	}
	*p.body = append(b, n)
}

func (p *parser) problemAt(pos Pos, sev Severity, msg, suggest string) {
	p.f.Problems = append(p.f.Problems, Problem{Pos: pos, Severity: sev, Msg: msg, Suggest: suggest})
}

func (p *parser) setLimit(l *LimitError) {
	if l != nil && p.limit == nil {
		p.limit = l
	}
}

// line handles one logical line, in the order GNU make 4.3's reader tries
// the interpretations: recipe, assignment, conditional, directive, rule.
func (p *parser) line(rl rawLine) {
	if p.recipeLine(rl) {
		return
	}
	text, lm := rl.collapse(p.fileRef)
	text, lm = removeComment(text, lm)
	start := 0
	for start < len(text) && isSpace(text[start]) {
		start++
	}
	if start == len(text) {
		return
	}
	ep := newExprParser(text, lm, &p.f.Problems)
	defer func() { p.setLimit(ep.limit) }()
	at := lm.Pos(start)

	if va, ok := parseVarAssignment(text, start); ok {
		p.inRule = nil
		p.assignment(va, text, lm, ep, at)
		return
	}

	word, rest := firstWord(text, start)
	if p.conditionalLine(word, text, rest, lm, ep, at) || p.directive(word, text, rest, ep, at) {
		return
	}

	if strings.HasPrefix(rl.text, "\t") {
		p.inRule = nil
		p.problemAt(at, Fatal, "recipe commences before first target", "")
		p.add(&Bad{At: at, Text: text[start:]})
		return
	}

	p.ruleOrExpr(text, start, lm, ep, at, word)
}

// recipeLine adds rl as a recipe line when it is one, and reports whether
// it did.
func (p *parser) recipeLine(rl rawLine) bool {
	// After a rule, a tab-led line may be a recipe line or a makefile line:
	// that depends on the branches make takes, so both readings are kept.
	// A line that would open or close a conditional cannot be kept both
	// ways; the text's own context decides it.
	if !strings.HasPrefix(rl.text, "\t") || p.lastRule == nil {
		return false
	}
	alt, structural := p.alternative(rl)
	if structural && p.inRule == nil {
		return false
	}
	rule := p.inRule
	if rule == nil {
		rule = p.lastRule
	}
	p.add(&Recipe{At: Pos{File: p.file, Line: rl.line, Col: 2}, Text: rl.text[1:], Rule: rule, Alt: alt})
	return true
}

// assignment adds the define, undefine or assignment va found in text.
func (p *parser) assignment(va varAssign, text string, lm *LineMap, ep *exprParser, at Pos) {
	switch {
	case va.define:
		p.define(va, text, lm, ep, at)
	case va.undefine:
		name := strings.TrimRight(text[va.nameStart:], " \t")
		p.add(&Undefine{At: at, Mods: va.mods, Name: ep.parse(va.nameStart, va.nameStart+len(name), 0)})
	default:
		// The statement and its name in one allocation, which also
		// fills the size class the statement alone would leave.
		an := &struct {
			a    Assign
			name Expr
		}{}
		ep.fill(&an.name, va.nameStart, va.nameEnd, 0)
		an.a = Assign{At: at, Mods: va.mods, Name: &an.name, Op: va.op, Value: ep.parse(va.valueStart, len(text), 0)}
		p.add(&an.a)
	}
}

// firstWord returns the word that starts at text[start] and where the
// text after it and its blanks starts.
func firstWord(text string, start int) (string, int) {
	wordEnd := start
	for wordEnd < len(text) && !isSpace(text[wordEnd]) {
		wordEnd++
	}
	rest := wordEnd
	for rest < len(text) && isSpace(text[rest]) {
		rest++
	}
	return text[start:wordEnd], rest
}

// conditionalLine handles the lines that open, continue or close a
// conditional (and a stray endef), and reports whether word was one.
func (p *parser) conditionalLine(word, text string, rest int, lm *LineMap, ep *exprParser, at Pos) bool {
	switch word {
	case "ifdef", "ifndef", "ifeq", "ifneq":
		b := p.condition(CondKind(word), text, rest, lm, ep, at)
		if len(p.stack) >= MaxCondDepth {
			p.setLimit(&LimitError{Pos: at, Msg: "conditionals nested more than 100000 deep"})
			return true
		}
		c := &Cond{Branches: []*Branch{b}}
		p.add(c)
		p.stack = append(p.stack, condFrame{cond: c, outer: p.body})
		p.body = &b.Body
	case "else":
		p.elseLine(text, rest, lm, ep, at)
	case "endif":
		p.endifLine(text, rest, at)
	case "endef":
		if p.mode&Fragment == 0 {
			p.problemAt(at, Fatal, "extraneous 'endef'", "")
		}
	default:
		return false
	}
	return true
}

func (p *parser) endifLine(text string, rest int, at Pos) {
	if rest < len(text) {
		p.problemAt(at, Misread, "extraneous text after 'endif' directive: GNU make ignores \""+strings.TrimSpace(text[rest:])+"\"", "endif")
	}
	if len(p.stack) == 0 {
		if p.mode&Fragment == 0 {
			p.problemAt(at, Fatal, "extraneous 'endif'", "")
		}
		return
	}
	p.stack[len(p.stack)-1].cond.EndPos = at
	p.pop()
}

// directive handles export, include, vpath and load lines, and reports
// whether word was one of them.
func (p *parser) directive(word, text string, rest int, ep *exprParser, at Pos) bool {
	switch word {
	case "export", "unexport":
		p.inRule = nil
		x := &Export{At: at, Unexport: word == "unexport"}
		if rest < len(text) {
			x.Names = ep.parse(rest, len(text), 0)
		}
		p.add(x)
	case "include", "-include", "sinclude":
		p.inRule = nil
		p.add(&Include{At: at, Optional: word != "include", Files: ep.parse(rest, len(text), 0)})
	case "vpath", "load", "-load":
		p.inRule = nil
		p.add(&Directive{At: at, Name: word, Args: ep.parse(rest, len(text), 0)})
	default:
		return false
	}
	return true
}

// alternative parses a tab-led line of a recipe as a makefile line, for
// the case that make is not in a rule's context when it reads it. Lines
// that would open or close a conditional or a define have none: their
// meaning would change the structure of the file.
func (p *parser) alternative(rl rawLine) (Node, bool) {
	text, lm := rl.collapse(p.fileRef)
	text, _ = removeComment(text, lm)
	f := strings.Fields(text)
	if len(f) == 0 {
		return nil, false
	}
	switch f[0] {
	case "ifdef", "ifndef", "ifeq", "ifneq", "else", "endif", "define", "endef":
		return nil, true
	}
	for _, w := range f[1:] {
		if w == "define" {
			return nil, true // export define ...
		}
		if w != "export" && w != "override" && w != "private" && w != "unexport" {
			break
		}
	}
	saved, savedRule, savedLast, nprob := p.body, p.inRule, p.lastRule, len(p.f.Problems)
	var scratch []Node
	p.body, p.inRule, p.lastRule = &scratch, nil, nil
	p.line(rl)
	p.body, p.inRule, p.lastRule = saved, savedRule, savedLast
	var msg string
	if len(p.f.Problems) > nprob {
		msg = p.f.Problems[nprob].Msg
	}
	p.f.Problems = p.f.Problems[:nprob]
	if len(scratch) != 1 {
		return nil, false
	}
	if b, ok := scratch[0].(*Bad); ok {
		b.Msg = msg
	}
	return scratch[0], false
}

func (p *parser) pop() {
	fr := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	p.body = fr.outer
}

// elseLine handles "else" and "else ifX ...".
func (p *parser) elseLine(text string, rest int, lm *LineMap, ep *exprParser, at Pos) {
	if len(p.stack) == 0 {
		if p.mode&Fragment == 0 {
			p.problemAt(at, Fatal, "extraneous 'else'", "")
		}
		return
	}
	fr := &p.stack[len(p.stack)-1]
	if fr.seenElse {
		p.problemAt(at, Fatal, "only one 'else' per conditional", "")
	}
	var b *Branch
	if rest >= len(text) {
		fr.seenElse = true
		b = &Branch{At: at, Kind: Else}
	} else {
		we := rest
		for we < len(text) && !isSpace(text[we]) {
			we++
		}
		w := text[rest:we]
		r2 := we
		for r2 < len(text) && isSpace(text[r2]) {
			r2++
		}
		switch w {
		case "ifdef", "ifndef", "ifeq", "ifneq":
			b = p.condition(CondKind(w), text, r2, lm, ep, at)
		default:
			// GNU make warns and takes it as a plain else: the condition
			// the author wrote is silently dropped.
			junk := strings.TrimSpace(text[rest:])
			p.problemAt(at, Misread, "extraneous text after 'else' directive: GNU make ignores \""+junk+"\" and takes every remaining case", suggestElse(junk))
			b = &Branch{At: at, Kind: Else}
		}
	}
	fr.cond.Branches = append(fr.cond.Branches, b)
	p.body = &b.Body
}

func suggestElse(junk string) string {
	f := strings.Fields(junk)
	if len(f) >= 2 && (f[0] == "if" || f[0] == "elif") && isIdent(f[1]) {
		return "else ifdef " + f[1]
	}
	return "else ifeq (...)"
}

// condition parses the condition of an ifdef/ifndef/ifeq/ifneq whose
// arguments start at text[rest:], following GNU make's conditional_line.
func (p *parser) condition(kind CondKind, text string, rest int, lm *LineMap, ep *exprParser, at Pos) *Branch {
	b := &Branch{At: at, Kind: kind}
	invalid := func() *Branch {
		b.Invalid = true
		p.problemAt(at, Fatal, "invalid syntax in conditional", "")
		return b
	}
	if kind == Ifdef || kind == Ifndef {
		// One variable name, possibly computed: several words are an error.
		end := len(text)
		for end > rest && isSpace(text[end-1]) {
			end--
		}
		if ep.scanTopSpace(rest, end) >= 0 {
			return invalid()
		}
		b.Var = ep.parse(rest, end, 0)
		return b
	}
	if rest >= len(text) {
		return invalid()
	}
	termin := text[rest]
	if termin == '(' {
		termin = ','
	} else if termin != '"' && termin != '\'' {
		return invalid()
	}
	s1 := rest + 1
	e1, i, ok := firstCondArg(text, s1, termin)
	if !ok {
		return invalid()
	}
	b.Left = ep.parse(s1, e1, 0)
	s2, e2, ok := secondCondArg(text, i, termin)
	if !ok {
		return invalid()
	}
	b.Right = ep.parse(s2, e2, 0)
	i = e2 + 1
	for i < len(text) && isSpace(text[i]) {
		i++
	}
	if i < len(text) {
		p.problemAt(at, Misread, "extraneous text after '"+string(kind)+"' directive: GNU make ignores \""+strings.TrimSpace(text[i:])+"\"", "")
	}
	return b
}

// firstCondArg finds the end of the first argument of an ifeq/ifneq that
// starts at text[s1], closed by termin: a comma outside parentheses for
// "(a,b)", else the quote that opened it. It returns the argument's end,
// blanks before a comma dropped, and where the text after its closer
// starts.
func firstCondArg(text string, s1 int, termin byte) (end, next int, ok bool) {
	i := s1
	if termin == ',' {
		count := 0
	scan:
		for ; i < len(text); i++ {
			switch text[i] {
			case '(':
				count++
			case ')':
				count--
			case ',':
				if count <= 0 {
					break scan
				}
			}
		}
	} else {
		for i < len(text) && text[i] != termin {
			i++
		}
	}
	if i >= len(text) {
		return 0, 0, false
	}
	end = i
	if termin == ',' {
		for end > s1 && isBlank(text[end-1]) {
			end--
		}
	}
	return end, i + 1, true
}

// secondCondArg finds the second argument of an ifeq/ifneq in text[i:],
// after the first one's closer: up to the unbalanced ')' for "(a,b)",
// else between a pair of quotes.
func secondCondArg(text string, i int, termin byte) (start, end int, ok bool) {
	for i < len(text) && isSpace(text[i]) {
		i++
	}
	if termin == ',' {
		start = i
		count := 0
		for ; i < len(text); i++ {
			switch text[i] {
			case '(':
				count++
			case ')':
				if count <= 0 {
					return start, i, true
				}
				count--
			}
		}
		return 0, 0, false
	}
	if i >= len(text) {
		return 0, 0, false
	}
	q := text[i]
	if q != '"' && q != '\'' {
		return 0, 0, false
	}
	i++
	start = i
	for i < len(text) && text[i] != q {
		i++
	}
	if i >= len(text) {
		return 0, 0, false
	}
	return start, i, true
}

// scanTopSpace finds whitespace in [a, end) outside references.
func (p *exprParser) scanTopSpace(a, end int) int {
	for j := a; j < end; j++ {
		switch c := p.text[j]; {
		case isSpace(c):
			return j
		case c == '$':
			if j+1 < end && (p.text[j+1] == '(' || p.text[j+1] == '{') {
				p.prepare()
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

// define reads a define block up to its matching endef.
func (p *parser) define(va varAssign, text string, lm *LineMap, ep *exprParser, at Pos) {
	d := &Define{At: at, Mods: va.mods, Op: Recursive}
	// "define NAME", "define NAME =", "define NAME :=" ...
	head := strings.TrimRight(text[va.nameStart:], " \t")
	nameEnd := va.nameStart + len(head)
	for _, op := range []AssignOp{SimplePosix, Simple, Append, Conditional, Shell, Recursive} {
		if strings.HasSuffix(head, string(op)) {
			d.Op = op
			nameEnd -= len(op)
			for nameEnd > va.nameStart && isBlank(text[nameEnd-1]) {
				nameEnd--
			}
			break
		}
	}
	d.Name = ep.parse(va.nameStart, nameEnd, 0)

	// The body: whole logical lines, continuations collapsed, comments
	// kept, up to the endef that balances nested defines.
	bodyMap := &LineMap{file: p.fileRef}
	var body strings.Builder
	level := 1
	for {
		rl, ok := p.lines.next()
		if !ok {
			break
		}
		if !strings.HasPrefix(rl.text, "\t") {
			t := strings.TrimLeft(rl.text, " \t")
			switch {
			case t == "define" || strings.HasPrefix(t, "define ") || strings.HasPrefix(t, "define\t"):
				level++
			case t == "endef" || strings.HasPrefix(t, "endef ") || strings.HasPrefix(t, "endef\t") || strings.HasPrefix(t, "endef#"):
				tail := strings.TrimSpace(t[len("endef"):])
				if tail != "" && !strings.HasPrefix(tail, "#") {
					p.problemAt(Pos{File: p.file, Line: rl.line, Col: 1}, Misread, "extraneous text after 'endef' directive", "endef")
				}
				level--
				if level == 0 {
					d.EndPos = Pos{File: p.file, Line: rl.line, Col: 1 + len(rl.text) - len(t)}
					bp := newExprParser(body.String(), bodyMap, &p.f.Problems)
					d.Body = bp.parse(0, body.Len(), 0)
					p.setLimit(bp.limit)
					p.add(d)
					return
				}
			}
		}
		if body.Len() > 0 || len(bodyMap.marks) > 0 {
			body.WriteByte('\n')
		}
		t, m := rl.collapse(p.fileRef)
		for _, mk := range m.marks {
			bodyMap.marks = append(bodyMap.marks, newMark(body.Len()+int(mk.out), int(mk.line), int(mk.col)))
		}
		body.WriteString(t)
	}
	if p.mode&Fragment == 0 {
		p.problemAt(at, Fatal, "missing 'endef', unterminated 'define'", "")
	}
	bp := newExprParser(body.String(), bodyMap, &p.f.Problems)
	d.Body = bp.parse(0, body.Len(), 0)
	p.setLimit(bp.limit)
	p.add(d)
}

// ruleOrExpr handles a line that is not an assignment or a directive: a
// rule if it has a colon outside references, a line of references to be
// expanded, or a line GNU make rejects.
func (p *parser) ruleOrExpr(text string, start int, lm *LineMap, ep *exprParser, at Pos, word string) {
	colon := ep.scanTop(start, len(text), ':')
	if colon < 0 {
		p.inRule = nil
		if strings.IndexByte(text[start:], '$') >= 0 {
			p.add(&ExprLine{At: at, X: ep.parse(start, len(text), 0)})
			return
		}
		msg, suggest := nonMakeDirective(text[start:], word)
		p.problemAt(at, Fatal, msg, suggest)
		p.add(&Bad{At: at, Text: text[start:]})
		return
	}
	r := &Rule{At: at, Targets: ep.parse(start, colon, 0)}
	after := colon + 1
	if after < len(text) && text[after] == ':' {
		r.Double = true
		after++
	}
	if va, ok := parseVarAssignment(text, after); ok && !va.define && !va.undefine {
		r.TargetVar = &Assign{At: lm.Pos(va.nameStart), Mods: va.mods, Name: ep.parse(va.nameStart, va.nameEnd, 0),
			Op: va.op, Value: ep.parse(va.valueStart, len(text), 0)}
		p.inRule = nil
		p.add(r)
		return
	}
	end := len(text)
	if semi := ep.scanTop(after, len(text), ';'); semi >= 0 {
		end = semi
		r.Recipe = append(r.Recipe, &Recipe{At: lm.Pos(semi + 1), Text: strings.TrimLeft(text[semi+1:], " \t"), Rule: r})
	}
	r.Prereqs = ep.parse(after, end, 0)
	p.inRule = r
	p.lastRule = r
	p.add(r)
}

// nonMakeDirective explains a line without a separator, recognising shell
// and C preprocessor conditionals written where make conditionals belong.
func nonMakeDirective(line, word string) (string, string) {
	f := strings.Fields(line)
	arg := ""
	if len(f) > 1 {
		arg = f[1]
	}
	switch word {
	case "if":
		if isIdent(arg) && len(f) == 2 {
			return "'if' is not a make directive (missing separator)", "ifdef " + arg
		}
		return "'if' is not a make directive (missing separator)", "ifeq (...)"
	case "elif", "elsif", "elseif":
		if isIdent(arg) && len(f) == 2 {
			return "'" + word + "' is not a make directive (missing separator)", "else ifdef " + arg
		}
		return "'" + word + "' is not a make directive (missing separator)", "else ifeq (...)"
	case "fi", "end", "endi", "endiff":
		return "'" + word + "' is not a make directive (missing separator)", "endif"
	case "then":
		return "'then' is not a make directive (missing separator)", ""
	}
	for _, d := range []string{"ifdef", "ifndef", "ifeq", "ifneq", "else", "endif"} {
		if strings.HasPrefix(word, d+"(") || strings.HasPrefix(word, d+"\"") || strings.HasPrefix(word, d+"'") {
			return "'" + d + "' needs a space before its arguments (missing separator)", d + " " + line[len(d):]
		}
	}
	return "missing separator", ""
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// varAssign is the result of parseVarAssignment.
type varAssign struct {
	mods               Modifiers
	define, undefine   bool
	nameStart, nameEnd int
	op                 AssignOp
	valueStart         int
}

// parseVarAssignment recognises "[modifiers] NAME op value", "define ..."
// and "undefine ..." at text[start:], as GNU make's parse_var_assignment.
func parseVarAssignment(text string, start int) (varAssign, bool) {
	var va varAssign
	p := start
	for p < len(text) && isSpace(text[p]) {
		p++
	}
	if p >= len(text) {
		return va, false
	}
	for {
		if ok := parseVarDefinition(text, p, &va); ok {
			return va, true
		}
		e := p
		for e < len(text) && !isSpace(text[e]) {
			e++
		}
		switch text[p:e] {
		case "export":
			va.mods.Export = true
		case "unexport":
			va.mods.Unexport = true
		case "override":
			va.mods.Override = true
		case "private":
			va.mods.Private = true
		case "define", "undefine":
			va.define = text[p:e] == "define"
			va.undefine = !va.define
			for e < len(text) && isSpace(text[e]) {
				e++
			}
			va.nameStart = e
			return va, true
		default:
			return va, false
		}
		for e < len(text) && isSpace(text[e]) {
			e++
		}
		if e >= len(text) {
			return va, false
		}
		p = e
	}
}

// parseVarDefinition is GNU make's parse_variable_definition: a name (one
// word, references allowed), optional blanks, then an operator.
func parseVarDefinition(text string, p int, va *varAssign) bool {
	name := p
	wspace := false
	e := -1
	for p < len(text) {
		c := text[p]
		p++
		if c == '#' {
			return false
		}
		if c == '$' {
			if p >= len(text) {
				return false
			}
			p = skipReference(text, p)
			continue
		}
		if isBlank(c) {
			wspace = true
			e = p - 1
			for p < len(text) && isSpace(text[p]) {
				p++
			}
			if p >= len(text) {
				return false
			}
			c = text[p]
			p++
		}
		if op, next := assignOpAt(text, p, c); op != "" {
			va.op = op
			if !wspace {
				e = p - 1
			}
			p = next
			break
		}
		if c == ':' || wspace {
			return false
		}
	}
	if va.op == "" {
		return false
	}
	va.nameStart, va.nameEnd = name, e
	for p < len(text) && isSpace(text[p]) {
		p++
	}
	va.valueStart = p
	return true
}

// skipReference skips the reference whose '$' is text[p-1] and returns
// where the text after it starts: a '$' that opens no parenthesis or brace
// takes one character.
func skipReference(text string, p int) int {
	c := text[p]
	p++
	var closeCh byte
	switch c {
	case '(':
		closeCh = ')'
	case '{':
		closeCh = '}'
	default:
		return p
	}
	for count := 1; p < len(text); p++ {
		if text[p] == closeCh {
			count--
			if count == 0 {
				return p + 1
			}
		}
		if text[p] == c {
			count++
		}
	}
	return p
}

// assignOpAt recognises an assignment operator that starts with c, the
// character before text[p], and returns it with where the text after it
// starts; "" when c starts none.
func assignOpAt(text string, p int, c byte) (AssignOp, int) {
	if c == '=' {
		return Recursive, p
	}
	if p < len(text) && text[p] == '=' {
		switch c {
		case ':':
			return Simple, p + 1
		case '+':
			return Append, p + 1
		case '?':
			return Conditional, p + 1
		case '!':
			return Shell, p + 1
		}
	}
	if c == ':' && p+1 < len(text) && text[p] == ':' && text[p+1] == '=' {
		return SimplePosix, p + 2
	}
	return "", p
}
