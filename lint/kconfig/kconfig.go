// Package kconfig reads the parts of Kconfig files that decide whether a
// kbuild variable is set: config and choice entries with their types,
// prompts, defaults, dependencies, selects and help text, and evaluates
// symbols over a partial assignment of other symbols with three-valued
// (tristate plus unknown) logic.
//
// It is not a full Kconfig implementation: "source" is not followed, and a
// prompted symbol is taken at its default, which is what a fresh
// olddefconfig gives.
package kconfig

import (
	"fmt"
	"strings"
)

// Pos is a position in a Kconfig file (1-based line; column 1 unless the
// construct sits further in).
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// File is a parsed Kconfig file.
type File struct {
	Name    string
	Symbols []*Symbol // config and menuconfig entries in file order
	Choices []*Choice
	// Fragment: the added lines of a hunk that did not apply, parsed out
	// of context (their problems are not the file's).
	Fragment bool
	// Problems are lines that could not be understood; they are reported
	// by the caller but never stop the reading.
	Problems []Problem
}

// Problem is a line the parser did not understand.
type Problem struct {
	Pos Pos
	Msg string
	// Kind says whose limit it is: a syntax error in the file, a Kconfig
	// macro ($(cc-option,...)) klpcheck does not expand, or a keyword it
	// does not know.
	Kind ProblemKind
}

// ProblemKind classifies a Problem.
type ProblemKind int

// The kinds of problems.
const (
	ProblemSyntax ProblemKind = iota
	ProblemMacro
	ProblemKeyword
)

// Symbol is one config entry.
type Symbol struct {
	Name     string
	Pos      Pos
	Type     string // bool, tristate, int, hex, string; "" if not given
	Prompt   string
	Defaults []Default
	Depends  []Dep // "depends on" lines and enclosing if/menu conditions
	Selects  []Select
	Help     string
	HelpPos  Pos
	Choice   *Choice // the choice this symbol is a member of
}

// Default is "default EXPR [if COND]" (or def_bool/def_tristate).
type Default struct {
	Pos  Pos
	Expr Expr
	Cond Expr // nil: unconditional
}

// Dep is one dependency with its position.
type Dep struct {
	Pos  Pos
	Expr Expr
	// Inherited marks conditions of an enclosing if/menu block.
	Inherited bool
}

// Select is "select SYM [if COND]".
type Select struct {
	Pos    Pos
	Target string
	Cond   Expr
}

// Choice is a choice ... endchoice block.
type Choice struct {
	Pos     Pos
	Prompt  string
	Members []*Symbol
}

// Parse reads a Kconfig file. It never fails: what it does not understand
// goes to File.Problems.
func Parse(name string, src []byte) *File {
	p := &kparser{f: &File{Name: name}}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	// Join continuation lines, remembering where each logical line began.
	type logical struct {
		text string
		line int
	}
	var logicals []logical
	for i := 0; i < len(lines); i++ {
		start := i
		t := lines[i]
		for strings.HasSuffix(t, "\\") && i+1 < len(lines) {
			i++
			t = t[:len(t)-1] + " " + strings.TrimLeft(lines[i], " \t")
		}
		logicals = append(logicals, logical{t, start + 1})
	}
	for i := 0; i < len(logicals); i++ {
		l := logicals[i]
		trim := strings.TrimSpace(l.text)
		if trim == "" || strings.HasPrefix(trim, "#") {
			continue
		}
		col := 1 + len(l.text) - len(strings.TrimLeft(l.text, " \t"))
		pos := Pos{File: name, Line: l.line, Col: col}
		kw, rest := splitWord(trim)
		if kw == "help" || kw == "---help---" {
			// The help text: following lines indented at least as much as
			// its first line, blank lines included.
			var text []string
			indent := -1
			j := i + 1
			for ; j < len(logicals); j++ {
				t := logicals[j].text
				if strings.TrimSpace(t) == "" {
					text = append(text, "")
					continue
				}
				w := indentWidth(t)
				if indent < 0 {
					if w <= indentWidth(l.text) {
						break
					}
					indent = w
				}
				if w < indent {
					break
				}
				text = append(text, strings.TrimSpace(t))
			}
			for len(text) > 0 && text[len(text)-1] == "" {
				text = text[:len(text)-1]
			}
			if p.cur != nil {
				p.cur.Help = strings.Join(text, "\n")
				p.cur.HelpPos = Pos{File: name, Line: l.line + 1, Col: 1}
				if len(text) > 0 {
					p.cur.HelpPos.Line = logicals[i+1].line
				}
			}
			i = j - 1
			continue
		}
		p.statement(kw, rest, pos)
	}
	return p.f
}

func indentWidth(s string) int {
	w := 0
	for _, c := range s {
		switch c {
		case ' ':
			w++
		case '\t':
			w = (w/8 + 1) * 8
		default:
			return w
		}
	}
	return w
}

func splitWord(s string) (string, string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

type kparser struct {
	f             *File
	cur           *Symbol
	choice        *Choice
	inChoiceEntry bool  // attributes belong to the choice, not a symbol
	blocks        []Dep // conditions of enclosing if and menu blocks
	menus         []int // len(blocks) at each menu start, to pop "depends on" of menus
	// inMenuHead: "depends on" right after "menu" applies to the whole menu.
	inMenuHead bool
}

func (p *kparser) problem(pos Pos, msg string) {
	p.f.Problems = append(p.f.Problems, Problem{Pos: pos, Msg: msg})
}

func (p *kparser) problemOf(kind ProblemKind, pos Pos, msg string) {
	p.f.Problems = append(p.f.Problems, Problem{Pos: pos, Msg: msg, Kind: kind})
}

// expr parses a condition or value; one that does not parse is a problem
// at pos and an *Invalid, which evaluates to unknown (never to true, as a
// nil condition would).
func (p *kparser) expr(pos Pos, text string) Expr {
	e, err := ParseExpr(text)
	if err != nil {
		kind := ProblemSyntax
		if strings.Contains(text, "$(") {
			kind = ProblemMacro
		}
		p.problemOf(kind, pos, err.Error())
		return &Invalid{Text: text}
	}
	return e
}

// statement handles one line of a Kconfig file: kw is its keyword, rest
// the text after it.
func (p *kparser) statement(kw, rest string, pos Pos) {
	if !p.entry(kw, rest, pos) && !p.block(kw, rest, pos) && !p.attribute(kw, rest, pos) {
		p.problemOf(ProblemKeyword, pos, fmt.Sprintf("unknown Kconfig keyword %q", kw))
	}
	if kw != "menu" && kw != "depends" && kw != "visible" {
		p.inMenuHead = false
	}
}

// entry handles the keywords that start an entry: a symbol, a choice or
// one whose attributes klpcheck does not read. It reports whether kw was
// one of them.
func (p *kparser) entry(kw, rest string, pos Pos) bool {
	switch kw {
	case "config", "menuconfig":
		s := &Symbol{Name: rest, Pos: pos, Choice: p.choice}
		for _, b := range p.blocks {
			b.Inherited = true
			s.Depends = append(s.Depends, b)
		}
		p.f.Symbols = append(p.f.Symbols, s)
		if p.choice != nil {
			p.choice.Members = append(p.choice.Members, s)
		}
		p.cur = s
		p.inChoiceEntry = false
	case "choice":
		p.choice = &Choice{Pos: pos}
		p.f.Choices = append(p.f.Choices, p.choice)
		p.cur = nil
		p.inChoiceEntry = true
	case "endchoice":
		p.choice = nil
		p.cur = nil
		p.inChoiceEntry = false
	case "comment", "mainmenu", "source", "rsource", "osource", "orsource":
		p.cur = nil
		p.inChoiceEntry = false
	default:
		return false
	}
	return true
}

// block handles the if and menu blocks, whose conditions the entries in
// them inherit. It reports whether kw opened or closed one.
func (p *kparser) block(kw, rest string, pos Pos) bool {
	switch kw {
	case "if":
		e := p.expr(pos, rest)
		p.blocks = append(p.blocks, Dep{Pos: pos, Expr: e})
		p.cur = nil
	case "endif":
		if len(p.blocks) > 0 {
			p.blocks = p.blocks[:len(p.blocks)-1]
		}
		p.cur = nil
	case "menu":
		p.menus = append(p.menus, len(p.blocks))
		p.cur = nil
		p.inChoiceEntry = false
		p.inMenuHead = true
	case "endmenu":
		if n := len(p.menus); n > 0 {
			p.blocks = p.blocks[:p.menus[n-1]]
			p.menus = p.menus[:n-1]
		}
		p.cur = nil
	default:
		return false
	}
	return true
}

// attribute handles an attribute of the current entry, and reports
// whether kw was one.
func (p *kparser) attribute(kw, rest string, pos Pos) bool {
	switch kw {
	case "bool", "boolean", "tristate", "int", "hex", "string":
		p.typeLine(kw, rest)
	case "def_bool", "def_tristate":
		if p.cur != nil {
			p.cur.Type = strings.TrimPrefix(kw, "def_")
			p.addDefault(rest, pos)
		}
	case "prompt":
		if p.cur != nil {
			p.cur.Prompt = promptText(rest)
		} else if p.inChoiceEntry && p.choice != nil {
			p.choice.Prompt = promptText(rest)
		}
	case "default":
		if p.cur != nil {
			p.addDefault(rest, pos)
		}
	case "depends":
		p.dependsOn(rest, pos)
	case "select", "imply":
		if p.cur != nil && kw == "select" {
			target, cond := splitIf(rest)
			s := Select{Pos: pos, Target: target}
			if cond != "" {
				s.Cond = p.expr(pos, cond)
			}
			p.cur.Selects = append(p.cur.Selects, s)
		}
	case "range", "option", "modules", "visible", "optional", "transitional", "allnoconfig_y", "defconfig_list", "modules_option":
		// Do not affect the value of a symbol at its default.
	default:
		return false
	}
	return true
}

// typeLine handles a type, with its optional prompt, of the current
// symbol or choice.
func (p *kparser) typeLine(kw, rest string) {
	if kw == "boolean" {
		kw = "bool"
	}
	if p.cur != nil {
		p.cur.Type = kw
		if rest != "" {
			p.cur.Prompt = promptText(rest)
		}
	} else if p.inChoiceEntry && p.choice != nil && rest != "" {
		p.choice.Prompt = promptText(rest)
	}
}

// dependsOn handles "depends on": a dependency of the current symbol, or
// right after "menu" one of the whole menu.
func (p *kparser) dependsOn(rest string, pos Pos) {
	on := strings.TrimPrefix(rest, "on")
	if on == rest {
		p.problem(pos, "expected 'depends on'")
		return
	}
	e := p.expr(pos, strings.TrimSpace(on))
	switch {
	case p.cur != nil:
		p.cur.Depends = append(p.cur.Depends, Dep{Pos: pos, Expr: e})
	case p.inMenuHead:
		p.blocks = append(p.blocks, Dep{Pos: pos, Expr: e})
	}
}

func (p *kparser) addDefault(rest string, pos Pos) {
	val, cond := splitIf(rest)
	d := Default{Pos: pos, Expr: p.expr(pos, val)}
	if cond != "" {
		d.Cond = p.expr(pos, cond)
	}
	p.cur.Defaults = append(p.cur.Defaults, d)
}

// splitIf splits "X if COND" outside quotes.
func splitIf(s string) (string, string) {
	inQuote := byte(0)
	for i := 0; i+4 <= len(s); i++ {
		c := s[i]
		if inQuote != 0 {
			if c == inQuote {
				inQuote = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			inQuote = c
			continue
		}
		if (c == ' ' || c == '\t') && strings.HasPrefix(s[i+1:], "if") && i+3 < len(s) && (s[i+3] == ' ' || s[i+3] == '\t') {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+3:])
		}
	}
	return strings.TrimSpace(s), ""
}

func promptText(s string) string {
	s, _ = splitIf(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
