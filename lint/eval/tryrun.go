package eval

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// useHelper reports whether $(call name,...) is answered by the model:
// with TryRun, every helper is expanded from the tree's own definition
// once the Makefile has included it (scripts/Makefile.compiler), and the
// model answers only the shell commands they run (the linker or the
// compiler in try-run, test).
func (ev *evaluator) useHelper(name string) bool {
	if !ev.cfg.Helpers[name] {
		return false
	}
	if ev.cfg.TryRun {
		_, defined := ev.vars[name]
		return !defined
	}
	return true
}

// versionHelper reports whether name is one of kbuild's version tests.
func versionHelper(name string) bool {
	switch name {
	case "clang-min-version", "gcc-min-version", "test-ge", "test-gt", "test-le", "test-lt":
		return true
	}
	return false
}

// namedGate restates what the tree's own version helper NAME expanded to
// (args are those of the call, args[0] the name) the way the name-based
// answer states it: the gate names the helper the Makefile called, at the
// call, not the $(shell test ...) in its body. The gate must come from the
// expansion (the shell model saw a tainted version in a test): a
// definition that tests no version yields no gate. An expansion the model
// could not follow is left as it is. As the name-based answer, the result
// is certain text even in a maybe context: the test itself is known.
func namedGate(name string, args []Value, pos makefile.Pos, info *Info, out Value) Value {
	g := out.taint()
	if g == nil || out.HasUnknown() {
		return out
	}
	arg := func(i int) Value {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	gate := &Gate{At: pos, Source: pos, Subject: g.Subject, Min: g.Min}
	switch name {
	case "clang-min-version", "gcc-min-version":
		gate.What = name + " " + strings.TrimSpace(arg(1).String())
	default:
		as, bs := strings.TrimSpace(arg(1).String()), strings.TrimSpace(arg(2).String())
		if t := arg(1).taint(); t != nil {
			gate.Source, gate.Subject, gate.What = t.Source, t.Subject, name+" "+bs
			gate.Min = minFor("-"+strings.TrimPrefix(name, "test-"), bs)
		} else if t := arg(2).taint(); t != nil {
			gate.Source, gate.Subject, gate.What, gate.Min = t.Source, t.Subject, name+" "+as, 0
		} else {
			return out
		}
	}
	return Value{{Text: strings.TrimSpace(out.String()), At: pos, Info: &Info{Taint: gate, Stmt: info.Stmt, Var: info.Var, Gates: info.Gates}}}
}

// tryRunCall is the shape of kbuild's try-run once expanded
// (scripts/Makefile.compiler):
//
//	set -e; TMP=$(TMPOUT)/tmp; trap "rm -rf $(TMPOUT)" EXIT; mkdir -p $(TMPOUT);
//	if (CMD) >/dev/null 2>&1; then echo "YES"; else echo "NO"; fi
//
// argv is CMD's words ("$TMP" stays as that text), yes and no the echoed
// text with its provenance.
type tryRunCall struct {
	argv    []string
	yesText string
	yes, no Value
}

// parseTryRun recognises try-run's body. Nothing is run: the set-up
// commands are only recognised. ok is false for any other body.
func parseTryRun(body Value) (tryRunCall, bool) {
	if body.HasUnknown() {
		return tryRunCall{}, false
	}
	text := body.String()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(text), "")
	if err != nil || len(f.Stmts) == 0 {
		return tryRunCall{}, false
	}
	for _, s := range f.Stmts[:len(f.Stmts)-1] {
		if !tryRunSetup(s) {
			return tryRunCall{}, false
		}
	}
	last := f.Stmts[len(f.Stmts)-1]
	ic, ok := last.Cmd.(*syntax.IfClause)
	if !ok || len(last.Redirs) > 0 || ic.Else == nil || ic.Else.Else != nil || len(ic.Else.Cond) != 0 ||
		len(ic.Cond) != 1 || len(ic.Then) != 1 || len(ic.Else.Then) != 1 {
		return tryRunCall{}, false
	}
	argv, ok := silencedCommand(ic.Cond[0])
	thenAt, thenEnd, ok1 := echoSpan(ic.Then[0])
	elseAt, elseEnd, ok2 := echoSpan(ic.Else.Then[0])
	if !ok || !ok1 || !ok2 || len(argv) < 2 {
		return tryRunCall{}, false
	}
	return tryRunCall{
		argv:    argv,
		yesText: text[thenAt:thenEnd],
		yes:     trimValue(sliceValue(body, thenAt, thenEnd)),
		no:      trimValue(sliceValue(body, elseAt, elseEnd)),
	}, true
}

// tryRun answers the $(shell ...) of kbuild's try-run when the tree's own
// ld-option, cc-option or cc-option-yn expands to it. The exit status of
// the command comes from the toolchain model, as for a name-based probe;
// the echoed text keeps its provenance (the literal in the Makefile that
// called the helper). ok is false for any other body, and for a command
// that is neither the configuration's $(LD) nor its $(CC).
func (ev *evaluator) tryRun(body Value, pos makefile.Pos, info *Info) (Value, bool) {
	call, ok := parseTryRun(body)
	if !ok {
		return nil, false
	}
	is := func(tool string) bool {
		v := ev.varValue(tool, pos, ev.certain(info))
		return v.Exact() && strings.TrimSpace(v.String()) == call.argv[0]
	}
	var p *Probe
	switch {
	case call.argv[len(call.argv)-1] == "-v" && is("LD"):
		p = ev.linkerTryRun(call, pos)
	case is("CC"):
		p = ev.compilerTryRun(call, pos, info)
	}
	if p == nil {
		return nil, false
	}
	ev.res.ShellModelled++
	yes, no := ev.withProbe(call.yes, p), ev.withProbe(call.no, p)
	switch p.Verdict {
	case model.Accepts:
		return yes, true
	case model.Rejects:
		return no, true
	}
	tool := "lld"
	if p.Func != "ld-option" {
		tool = "clang"
	}
	why := "whether the " + tool + " of " + ev.cfg.Toolchain.Name + " accepts " + strings.Join(p.Flags, " ")
	out := markMaybe(yes, why)
	if no = markMaybe(no, why); len(no) > 0 {
		if len(out) > 0 {
			out = append(out, Segment{Text: " "})
		}
		out = append(out, no...)
	}
	return out, true
}

// linkerTryRun judges ld-option's command, "$(LD) $(KBUILD_LDFLAGS) FLAGS
// -v" with FLAGS the echoed text, or returns nil for another command.
func (ev *evaluator) linkerTryRun(call tryRunCall, pos makefile.Pos) *Probe {
	argv := call.argv
	flags := strings.Fields(call.yesText)
	n := len(argv) - 1 - len(flags)
	if n < 1 || strings.Join(argv[n:len(argv)-1], " ") != strings.Join(flags, " ") {
		return nil
	}
	tc := ev.cfg.Toolchain
	verdict := tc.LinkerAccepts(flags)
	// A word already in KBUILD_LDFLAGS that the linker rejects fails the
	// probe whatever the flags.
	if verdict != model.Rejects && tc.LinkerAccepts(argv[1:n]) == model.Rejects {
		verdict = model.Rejects
	}
	return &Probe{At: pos, Func: "ld-option", Flags: flags, Verdict: verdict}
}

// compilerTryRun judges the compile of cc-option, cc-option-yn and
// as-option (scripts/Makefile.compiler):
//
//	$(CC) -Werror PRIOR FLAGS -c -x c /dev/null -o "$TMP"
//
// (-x assembler-with-cpp for as-option). FLAGS are the echoed text when
// the helper echoes its flags (cc-option; 6.12 writes them with -Wno-X
// turned into -WX in the command), else the words after PRIOR, which is
// $(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) (6.1's cc-option-yn echoes y or n).
// Only the flags are judged, as for the name-based cc-option: PRIOR
// fails the probe only when the model knows the compiler rejects a word
// of it. nil for any other command.
func (ev *evaluator) compilerTryRun(call tryRunCall, pos makefile.Pos, info *Info) *Probe {
	argv := call.argv
	tail := []string{"-c", "-x", "", "/dev/null", "-o", "$TMP"}
	if len(argv) < 2+len(tail) || argv[1] != "-Werror" {
		return nil
	}
	end := len(argv) - len(tail)
	for i, w := range tail {
		if w != "" && argv[end+i] != w {
			return nil
		}
	}
	if lang := argv[end+2]; lang != "c" && lang != "assembler-with-cpp" {
		return nil
	}
	middle := argv[2:end]
	flags := strings.Fields(call.yesText)
	n := len(middle) - len(flags)
	if n < 0 || !sameFlagsAsCompiled(middle[n:], flags) {
		prior := wordTexts(append(ev.varValue("KBUILD_CPPFLAGS", pos, ev.certain(info)),
			append(Value{{Text: " "}}, ev.varValue("KBUILD_CFLAGS", pos, ev.certain(info))...)...))
		if len(prior) > len(middle) || strings.Join(middle[:len(prior)], " ") != strings.Join(prior, " ") {
			return nil
		}
		n, flags = len(prior), middle[len(prior):]
	}
	tc := ev.cfg.Toolchain
	verdict := tc.CompilerAccepts(flags)
	if verdict != model.Rejects && n > 0 && tc.CompilerAccepts(middle[:n]) == model.Rejects {
		verdict = model.Rejects
	}
	return &Probe{At: pos, Func: "cc-option", Flags: flags, Verdict: verdict}
}

// sameFlagsAsCompiled reports whether the compiled words are the echoed
// flags, allowing 6.12's $(3:-Wno-%=-W%): a warning is probed enabled.
func sameFlagsAsCompiled(compiled, echoed []string) bool {
	if len(compiled) != len(echoed) {
		return false
	}
	for i, w := range echoed {
		if compiled[i] != w && !(strings.HasPrefix(w, "-Wno-") && compiled[i] == "-W"+strings.TrimPrefix(w, "-Wno-")) {
			return false
		}
	}
	return true
}

// tryRunSetup recognises try-run's set-up commands, none of which affects
// the answer: set -e, an assignment, trap, mkdir -p.
func tryRunSetup(s *syntax.Stmt) bool {
	c, ok := s.Cmd.(*syntax.CallExpr)
	if !ok || s.Negated || s.Background || len(s.Redirs) > 0 {
		return false
	}
	if len(c.Args) == 0 {
		return len(c.Assigns) > 0
	}
	if len(c.Assigns) > 0 {
		return false
	}
	switch c.Args[0].Lit() {
	case "set":
		return len(c.Args) == 2 && c.Args[1].Lit() == "-e"
	case "trap", "mkdir":
		return true
	}
	return false
}

// silencedCommand returns the words of "(CMD) >/dev/null 2>&1" when they
// are plain text.
func silencedCommand(s *syntax.Stmt) ([]string, bool) {
	sub, ok := s.Cmd.(*syntax.Subshell)
	if !ok || s.Negated || len(sub.Stmts) != 1 || len(s.Redirs) != 2 {
		return nil, false
	}
	for _, r := range s.Redirs {
		switch {
		case r.Op == syntax.RdrOut && r.N == nil && r.Word.Lit() == "/dev/null":
		case r.Op == syntax.DplOut && r.N != nil && r.N.Value == "2" && r.Word.Lit() == "1":
		default:
			return nil, false
		}
	}
	in := sub.Stmts[0]
	call, ok := in.Cmd.(*syntax.CallExpr)
	if !ok || in.Negated || len(in.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	// "$TMP" (try-run's output file) stays as its own text.
	sh := &shellRun{keep: map[string]bool{"TMP": true}}
	argv := make([]string, len(call.Args))
	for i, w := range call.Args {
		if argv[i], ok = sh.word(w); !ok {
			return nil, false
		}
	}
	return argv, true
}

// echoSpan returns where the text echo prints lies in the body: echo with
// one double-quoted word of plain text, or with none.
func echoSpan(s *syntax.Stmt) (start, end int, ok bool) {
	c, isCall := s.Cmd.(*syntax.CallExpr)
	if !isCall || len(s.Redirs) > 0 || s.Negated || len(c.Assigns) > 0 || len(c.Args) == 0 || c.Args[0].Lit() != "echo" {
		return 0, 0, false
	}
	switch len(c.Args) {
	case 1:
		at := int(c.Args[0].End().Offset())
		return at, at, true
	case 2:
	default:
		return 0, 0, false
	}
	w := c.Args[1]
	if len(w.Parts) != 1 {
		return 0, 0, false
	}
	dq, isDQ := w.Parts[0].(*syntax.DblQuoted)
	if !isDQ || dq.Dollar {
		return 0, 0, false
	}
	switch len(dq.Parts) {
	case 0:
		at := int(dq.Left.Offset()) + 1
		return at, at, true
	case 1:
		lit, isLit := dq.Parts[0].(*syntax.Lit)
		if !isLit || strings.ContainsAny(lit.Value, `\`) {
			return 0, 0, false
		}
		return int(lit.ValuePos.Offset()), int(lit.ValueEnd.Offset()), true
	}
	return 0, 0, false
}

// sliceValue returns bytes [i, j) of v's text with their provenance.
func sliceValue(v Value, i, j int) Value {
	var out Value
	off := 0
	for _, s := range v {
		a, b := max(i, off), min(j, off+len(s.Text))
		if a < b {
			out = append(out, s.slice(a-off, b-off))
		}
		off += len(s.Text)
		if off >= j {
			break
		}
	}
	return out
}

// trimValue drops the make whitespace around v, as $(shell) and the word
// functions see no difference.
func trimValue(v Value) Value {
	for len(v) > 0 {
		t := strings.TrimLeft(v[0].Text, " \t")
		if t != "" {
			v = append(Value{v[0].slice(len(v[0].Text)-len(t), len(v[0].Text))}, v[1:]...)
			break
		}
		v = v[1:]
	}
	for len(v) > 0 {
		last := v[len(v)-1]
		t := strings.TrimRight(last.Text, " \t")
		if t != "" {
			v = append(append(Value{}, v[:len(v)-1]...), last.slice(0, len(t)))
			break
		}
		v = v[:len(v)-1]
	}
	return v
}
