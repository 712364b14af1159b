package eval

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"klpcheck/lint/makefile"
)

// shell answers $(shell BODY) without running it. The body is parsed with
// mvdan.cc/sh and interpreted only if it is made of version tests: test and
// [ with integer or string comparisons, echo, true, false, :, $?, &&, ||,
// ;, if/then/else and redirections to /dev/null. Anything else is unknown.
func (ev *evaluator) shell(body Value, pos makefile.Pos, info *Info) Value {
	if ev.cfg.TryRun {
		if v, ok := ev.tryRun(body, pos, info); ok {
			return v
		}
	}
	text := body.String()
	if !body.Exact() {
		return unknownShell(text, pos, info)
	}
	if out, ok := ev.compilerVersionText(text); ok {
		ev.res.ShellModelled++
		return Value{{Text: out, At: pos, Info: info}}
	}
	sh := &shellRun{tainted: taintedNumbers(body)}
	out, ok := sh.run(text)
	if !ok {
		return unknownShell(text, pos, info)
	}
	ev.res.ShellModelled++
	// $(shell) turns newlines into spaces and drops the trailing ones.
	out = strings.TrimRight(strings.ReplaceAll(strings.ReplaceAll(out, "\r\n", "\n"), "\n", " "), " ")
	if strings.HasSuffix(text, "\n") {
		out = strings.TrimRight(out, " ")
	}
	res := &Info{Stmt: info.Stmt, Var: info.Var, Gates: info.Gates, Maybe: info.Maybe, Why: info.Why}
	if sh.gate != nil {
		g := *sh.gate
		g.At, g.Source = pos, pos
		g.What = "$(shell " + strings.TrimSpace(text) + ")"
		res.Taint = &g
	}
	return Value{{Text: out, At: pos, Info: res}}
}

// ccVersionCommand is kbuild's CC_VERSION_TEXT command, `LC_ALL=C $(CC)
// --version 2>/dev/null | head -n 1`, with CC a clang (LLVM= makes it
// clang, clang-22 or PREFIX/clang).
var ccVersionCommand = regexp.MustCompile(`^\s*LC_ALL=C\s+(\S*/)?clang(-[0-9]+)?\s+--version\s+2>\s*/dev/null\s*\|\s*head\s+-n\s*1\s*$`)

// compilerVersionText answers kbuild's CC_VERSION_TEXT command for the
// configuration's clang: the first line of `clang --version`, from the
// toolchain's version. Nothing is run. Which branches the Makefile takes
// (`ifneq ($(findstring clang,$(CC_VERSION_TEXT)),)` includes
// scripts/Makefile.clang) depends only on the word "clang" in it.
func (ev *evaluator) compilerVersionText(text string) (string, bool) {
	if !ccVersionCommand.MatchString(text) || ev.cfg.Toolchain.Version <= 0 {
		return "", false
	}
	v := ev.cfg.Toolchain.Version
	return fmt.Sprintf("clang version %d.%d.%d", v/10000, v/100%100, v%100), true
}

// maxUnknownShell bounds the text an unknown $(shell) stands as. kbuild's
// try-run puts all of KBUILD_CFLAGS in the command of every
// cc-disable-warning, and KBUILD_CFLAGS then holds each such result: in
// full, the text would double with every call.
const maxUnknownShell = 256

func unknownShell(text string, pos makefile.Pos, info *Info) Value {
	text = strings.TrimSpace(text)
	if len(text) > maxUnknownShell {
		text = text[:maxUnknownShell] + " ..."
	}
	return unknownValue("$(shell "+text+")", pos, info, "$(shell "+text+")")
}

// taintedNumbers maps the version numbers that appear in a shell body to
// the taint they came with (CONFIG_CLANG_VERSION's value...). A word made
// of a tainted value and more text, kbuild's "$(CONFIG_CLANG_VERSION)0",
// is tainted too, with the text after the value as its suffix.
func taintedNumbers(v Value) map[string]taintedNumber {
	m := map[string]taintedNumber{}
	for _, s := range v {
		if s.Info != nil && s.Info.Taint != nil {
			m[strings.TrimSpace(s.Text)] = taintedNumber{gate: s.Info.Taint}
		}
	}
	for _, w := range v.Words() {
		for i, s := range w.Segs {
			if s.Info == nil || s.Info.Taint == nil {
				continue
			}
			if _, seen := m[w.Text()]; !seen {
				m[w.Text()] = taintedNumber{gate: s.Info.Taint, suffix: w.Segs[i+1:].String()}
			}
			break
		}
	}
	return m
}

// taintedNumber is a version in a shell body and the text appended to it.
type taintedNumber struct {
	gate   *Gate
	suffix string
}

// maxShellSteps bounds the interpretation of one body.
const maxShellSteps = 1000

type shellRun struct {
	out     []byte
	status  int
	steps   int
	tainted map[string]taintedNumber
	gate    *Gate // set when a test compared a tainted version
	// keep names the variables whose plain $NAME is left as that text
	// (try-run's "$TMP"): the word is recognised, not interpreted.
	keep map[string]bool
}

// run parses and interprets text; ok is false if any part is outside the
// modelled subset.
func (sh *shellRun) run(text string) (out string, ok bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(text), "")
	if err != nil {
		return "", false
	}
	if !sh.stmts(f.Stmts) {
		return "", false
	}
	return string(sh.out), true
}

func (sh *shellRun) stmts(list []*syntax.Stmt) bool {
	for _, s := range list {
		if !sh.stmt(s) {
			return false
		}
	}
	return true
}

func (sh *shellRun) stmt(s *syntax.Stmt) bool {
	sh.steps++
	if sh.steps > maxShellSteps || s.Background || s.Coprocess || s.Disown {
		return false
	}
	discard := false
	for _, r := range s.Redirs {
		w, ok := sh.word(r.Word)
		if !ok || w != "/dev/null" || r.Hdoc != nil {
			return false
		}
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll:
			if r.N == nil || r.N.Value == "1" {
				discard = true
			}
		default:
			if r.Op.String() != ">&" {
				return false
			}
		}
	}
	before := len(sh.out)
	if !sh.cmd(s.Cmd) {
		return false
	}
	if discard {
		sh.out = sh.out[:before]
	}
	if s.Negated {
		if sh.status == 0 {
			sh.status = 1
		} else {
			sh.status = 0
		}
	}
	return true
}

func (sh *shellRun) cmd(c syntax.Command) bool {
	switch c := c.(type) {
	case *syntax.CallExpr:
		if len(c.Assigns) > 0 || len(c.Args) == 0 {
			return false
		}
		args := make([]string, len(c.Args))
		for i, w := range c.Args {
			s, ok := sh.word(w)
			if !ok {
				return false
			}
			args[i] = s
		}
		return sh.builtin(args)
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt:
			if !sh.stmt(c.X) {
				return false
			}
			if sh.status == 0 {
				return sh.stmt(c.Y)
			}
			return true
		case syntax.OrStmt:
			if !sh.stmt(c.X) {
				return false
			}
			if sh.status != 0 {
				return sh.stmt(c.Y)
			}
			return true
		}
		return false
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			if len(ic.Cond) == 0 { // a plain else
				return sh.stmts(ic.Then)
			}
			if !sh.stmts(ic.Cond) {
				return false
			}
			if sh.status == 0 {
				return sh.stmts(ic.Then)
			}
		}
		sh.status = 0
		return true
	case *syntax.Block:
		return sh.stmts(c.Stmts)
	case *syntax.Subshell:
		return sh.stmts(c.Stmts)
	}
	return false
}

// word evaluates a word made of literals, quotes and $?.
func (sh *shellRun) word(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range w.Parts {
		if !sh.wordPart(&b, p) {
			return "", false
		}
	}
	return b.String(), true
}

func (sh *shellRun) wordPart(b *strings.Builder, p syntax.WordPart) bool {
	switch p := p.(type) {
	case *syntax.Lit:
		if isGlob(p.Value) {
			return false // a glob or ~ would look at the file system
		}
		b.WriteString(p.Value)
	case *syntax.SglQuoted:
		if p.Dollar {
			return false
		}
		b.WriteString(p.Value)
	case *syntax.DblQuoted:
		if p.Dollar {
			return false
		}
		for _, q := range p.Parts {
			if !sh.wordPart(b, q) {
				return false
			}
		}
	case *syntax.ParamExp:
		if p.Param != nil && sh.keep[p.Param.Value] && p.Exp == nil && p.Slice == nil && p.Repl == nil &&
			!p.Length && !p.Excl && p.Index == nil && p.Names == 0 {
			b.WriteString("$" + p.Param.Value)
			return true
		}
		if p.Param == nil || p.Param.Value != "?" || p.Exp != nil || p.Slice != nil || p.Repl != nil ||
			p.Length || p.Excl || p.Index != nil || p.Names != 0 {
			return false
		}
		b.WriteString(strconv.Itoa(sh.status))
	default:
		return false
	}
	return true
}

// isGlob reports whether an unquoted word would be expanded against the
// file system. A lone "[" or "]" (the test command) is not a pattern.
func isGlob(w string) bool {
	if strings.ContainsAny(w, "*?") || strings.HasPrefix(w, "~") {
		return true
	}
	if i := strings.IndexByte(w, '['); i >= 0 && strings.IndexByte(w[i+1:], ']') >= 0 {
		return true
	}
	return false
}

func (sh *shellRun) builtin(args []string) bool {
	switch args[0] {
	case "true", ":":
		sh.status = 0
	case "false":
		sh.status = 1
	case "echo":
		a := args[1:]
		newline := true
		if len(a) > 0 && a[0] == "-n" {
			newline = false
			a = a[1:]
		}
		for _, s := range a {
			if strings.ContainsRune(s, '\\') {
				return false // dash's echo interprets escapes
			}
		}
		sh.out = append(sh.out, strings.Join(a, " ")...)
		if newline {
			sh.out = append(sh.out, '\n')
		}
		sh.status = 0
	case "test", "[":
		a := args[1:]
		if args[0] == "[" {
			if len(a) == 0 || a[len(a)-1] != "]" {
				return false
			}
			a = a[:len(a)-1]
		}
		st, ok := sh.test(a)
		if !ok {
			return false
		}
		sh.status = st
	default:
		return false
	}
	return true
}

// test evaluates test's arguments and returns the exit status: 0 true,
// 1 false, 2 error (as dash: a non-integer operand of -ge is an error).
func (sh *shellRun) test(a []string) (int, bool) {
	bool2 := func(b bool) int {
		if b {
			return 0
		}
		return 1
	}
	if len(a) > 0 && a[0] == "!" {
		st, ok := sh.test(a[1:])
		if !ok || st == 2 {
			return st, ok
		}
		return 1 - st, true
	}
	switch len(a) {
	case 0:
		return 1, true
	case 1:
		return bool2(a[0] != ""), true
	case 2:
		switch a[0] {
		case "-n":
			return bool2(a[1] != ""), true
		case "-z":
			return bool2(a[1] == ""), true
		case "-b", "-c", "-d", "-e", "-f", "-g", "-G", "-h", "-k", "-L", "-O", "-p", "-r", "-s", "-S", "-t", "-u", "-w", "-x":
			return 0, false // file tests look at the file system
		}
		// Not a unary operator: test reports a syntax error.
		return 2, true
	case 3:
		l, op, r := a[0], a[1], a[2]
		switch op {
		case "=", "==":
			return bool2(l == r), true
		case "!=":
			return bool2(l != r), true
		case "-eq", "-ne", "-gt", "-ge", "-lt", "-le":
			x, err1 := strconv.ParseInt(strings.TrimSpace(l), 10, 64)
			y, err2 := strconv.ParseInt(strings.TrimSpace(r), 10, 64)
			if err1 != nil || err2 != nil {
				return 2, true
			}
			if t, ok := sh.tainted[strings.TrimSpace(l)]; ok && sh.gate == nil {
				c := *t.gate
				// "V0 -ge N0" admits N: the bound without the suffix.
				c.Min = minFor(op, strings.TrimSuffix(strings.TrimSpace(r), t.suffix))
				sh.gate = &c
			} else if t, ok := sh.tainted[strings.TrimSpace(r)]; ok && sh.gate == nil {
				c := *t.gate
				c.Min = 0
				sh.gate = &c
			}
			switch op {
			case "-eq":
				return bool2(x == y), true
			case "-ne":
				return bool2(x != y), true
			case "-gt":
				return bool2(x > y), true
			case "-ge":
				return bool2(x >= y), true
			case "-lt":
				return bool2(x < y), true
			default:
				return bool2(x <= y), true
			}
		}
	}
	return 0, false
}
