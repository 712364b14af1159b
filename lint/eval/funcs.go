package eval

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"klpcheck/lint/makefile"
)

// call evaluates a built-in function: one function per built-in or per
// family of built-ins that share their arguments' handling.
func (ev *evaluator) call(c *makefile.Call, info *Info) Value {
	b := &builtinCall{ev: ev, c: c, info: info, ctl: ev.certain(info), pos: c.Pos()}
	switch c.Func {
	case "call":
		return ev.callFunc(c, info)
	case "if":
		return ev.ifFunc(c, info)
	case "or", "and":
		return b.orAnd()
	case "foreach":
		return ev.foreach(c, info)
	case "subst", "patsubst":
		return b.subst()
	case "strip":
		return joinWords(b.arg(0).Words())
	case "findstring":
		return b.findstring()
	case "filter", "filter-out":
		return b.filter()
	case "sort":
		return b.sortWords()
	case "words":
		return b.words()
	case "word", "wordlist":
		return b.wordRange()
	case "firstword", "lastword":
		return b.endWord()
	case "dir", "notdir", "suffix", "basename":
		return b.pathParts()
	case "addprefix", "addsuffix":
		return b.affix()
	case "join":
		return b.join()
	case "value":
		return b.value()
	case "origin", "flavor":
		return b.originFlavor()
	case "info", "warning":
		b.ctlArg(0)
		return nil
	case "error":
		return b.errorFunc()
	case "shell":
		return ev.shell(b.ctlArg(0), b.pos, info)
	case "eval":
		return ev.evalFunc(c, b.ctlArg(0), info)
	case "abspath", "realpath":
		return b.absPath()
	}
	// wildcard reads the file system; file writes it; guile runs code.
	// None of them is run.
	return b.notModelled()
}

// builtinCall is one call of a built-in function being evaluated: info is
// the context its result is in, ctl the certain context that arguments
// deciding something are expanded in.
type builtinCall struct {
	ev   *evaluator
	c    *makefile.Call
	info *Info
	ctl  *Info
	pos  makefile.Pos
}

// arg expands argument i as data: its text may end up in the result.
func (b *builtinCall) arg(i int) Value {
	if i < len(b.c.Args) {
		return b.ev.expand(b.c.Args[i], b.info)
	}
	return nil
}

// ctlArg expands argument i to decide something.
func (b *builtinCall) ctlArg(i int) Value {
	if i < len(b.c.Args) {
		return b.ev.expand(b.c.Args[i], b.ctl)
	}
	return nil
}

func (b *builtinCall) unknown(why string) Value {
	return unknownValue(b.c.Raw, b.pos, b.info, why)
}

func (b *builtinCall) notModelled() Value { return b.unknown(b.c.Raw) }

// exactArgs expands the first n arguments and requires them known.
func (b *builtinCall) exactArgs(n int) ([]string, bool) {
	out := make([]string, n)
	for i := 0; i < n; i++ {
		v := b.ctlArg(i)
		if !v.Exact() {
			return nil, false
		}
		out[i] = v.String()
	}
	return out, true
}

// orAnd evaluates $(or) and $(and): arguments are expanded one by one
// until one decides the result.
func (b *builtinCall) orAnd() Value {
	var last Value
	for i := range b.c.Args {
		v := b.ev.expand(trimExpr(b.c.Args[i]), b.ctl)
		if !v.Exact() {
			return b.unknown("$(" + b.c.Func + " ...) over unknown text")
		}
		empty := v.Len() == 0
		if b.c.Func == "or" && !empty {
			return b.ev.withContext(v, b.info)
		}
		if b.c.Func == "and" && empty {
			return nil
		}
		last = v
	}
	if b.c.Func == "or" {
		return nil
	}
	return b.ev.withContext(last, b.info)
}

// subst evaluates $(subst) and $(patsubst).
func (b *builtinCall) subst() Value {
	a, ok := b.exactArgs(2)
	text := b.arg(2)
	if !ok || text.HasUnknown() {
		return b.notModelled()
	}
	if b.c.Func == "patsubst" {
		return patsubst(a[0], a[1], text, b.pos)
	}
	return substValue(a[0], a[1], text, b.pos)
}

func (b *builtinCall) findstring() Value {
	find := b.arg(0)
	in := b.ctlArg(1)
	if !find.Exact() || !in.Exact() {
		return b.notModelled()
	}
	if strings.Contains(in.String(), find.String()) {
		return find
	}
	return nil
}

// filter evaluates $(filter) and $(filter-out).
func (b *builtinCall) filter() Value {
	pats := b.ctlArg(0)
	text := b.arg(1)
	if !pats.Exact() || text.HasUnknown() {
		return b.notModelled()
	}
	var ps []string
	for _, w := range pats.Words() {
		ps = append(ps, w.Text())
	}
	var keep []Word
	for _, w := range text.Words() {
		m := false
		for _, p := range ps {
			if _, ok := patternMatch(p, w.Text()); ok {
				m = true
				break
			}
		}
		if m == (b.c.Func == "filter") {
			keep = append(keep, w)
		}
	}
	return joinWords(keep)
}

// sortWords evaluates $(sort): sorted, duplicates dropped.
func (b *builtinCall) sortWords() Value {
	text := b.arg(0)
	if text.HasUnknown() {
		return b.notModelled()
	}
	words := text.Words()
	sort.SliceStable(words, func(i, j int) bool { return words[i].Text() < words[j].Text() })
	var out []Word
	for i, w := range words {
		if i > 0 && w.Text() == words[i-1].Text() {
			continue
		}
		out = append(out, w)
	}
	return joinWords(out)
}

func (b *builtinCall) words() Value {
	text := b.arg(0)
	if text.HasUnknown() {
		return b.notModelled()
	}
	n := 0
	text.eachWord(func(int, int) bool { n++; return true })
	return computed(strconv.Itoa(n), b.pos, b.info)
}

// wordRange evaluates $(word) and $(wordlist).
func (b *builtinCall) wordRange() Value {
	n := 1
	if b.c.Func == "wordlist" {
		n = 2
	}
	a, ok := b.exactArgs(n)
	text := b.arg(n)
	if !ok || text.HasUnknown() {
		return b.notModelled()
	}
	from, err := strconv.Atoi(strings.TrimSpace(a[0]))
	to := from
	if err == nil && n == 2 {
		to, err = strconv.Atoi(strings.TrimSpace(a[1]))
	}
	if err != nil || from < 1 {
		b.ev.problem(b.pos, "invalid argument to the '%s' function", b.c.Func)
		return b.unknown("invalid $(" + b.c.Func + ")")
	}
	var picked []Word
	k := 0
	text.eachWord(func(i, j int) bool {
		k++
		if k >= from && k <= to {
			picked = append(picked, text.span(i, j))
		}
		return k < to
	})
	return joinWords(picked)
}

// endWord evaluates $(firstword) and $(lastword).
func (b *builtinCall) endWord() Value {
	text := b.arg(0)
	if text.HasUnknown() {
		return b.notModelled()
	}
	i0, j0 := -1, -1
	text.eachWord(func(i, j int) bool {
		i0, j0 = i, j
		return b.c.Func == "lastword"
	})
	if i0 < 0 {
		return nil
	}
	return text.span(i0, j0).Segs
}

// pathParts evaluates $(dir), $(notdir), $(suffix) and $(basename).
func (b *builtinCall) pathParts() Value {
	text := b.arg(0)
	if text.HasUnknown() {
		return b.notModelled()
	}
	var out []Word
	for _, w := range text.Words() {
		s, keep := pathPart(b.c.Func, w.Text())
		if keep {
			out = append(out, Word{Segs: computed(s, w.Pos(), w.Info())})
		}
	}
	return joinWords(out)
}

// affix evaluates $(addprefix) and $(addsuffix).
func (b *builtinCall) affix() Value {
	a, ok := b.exactArgs(1)
	text := b.arg(1)
	if !ok || text.HasUnknown() {
		return b.notModelled()
	}
	var out []Word
	for _, w := range text.Words() {
		s := a[0] + w.Text()
		if b.c.Func == "addsuffix" {
			s = w.Text() + a[0]
		}
		out = append(out, Word{Segs: computed(s, w.Pos(), w.Info())})
	}
	return joinWords(out)
}

// join evaluates $(join): each joined word is placed where its left part
// is, or its right part when the left list is shorter.
func (b *builtinCall) join() Value {
	l, r := b.arg(0), b.arg(1)
	if l.HasUnknown() || r.HasUnknown() {
		return b.notModelled()
	}
	lw, rw := l.Words(), r.Words()
	var out []Word
	for i := 0; i < len(lw) || i < len(rw); i++ {
		var s string
		var at Word
		if i < len(lw) {
			s += lw[i].Text()
			at = lw[i]
		}
		if i < len(rw) {
			s += rw[i].Text()
			if i >= len(lw) {
				at = rw[i]
			}
		}
		out = append(out, Word{Segs: computed(s, at.Pos(), at.Info())})
	}
	return joinWords(out)
}

// value evaluates $(value): a variable's text without expanding it.
func (b *builtinCall) value() Value {
	a, ok := b.exactArgs(1)
	if !ok {
		return b.notModelled()
	}
	v, defined := b.ev.vars[strings.TrimSpace(a[0])]
	if !defined {
		return nil
	}
	if v.flavor == simple {
		return v.value
	}
	for _, p := range v.pieces {
		if p.x == nil && p.val.HasUnknown() {
			return b.notModelled()
		}
	}
	var parts []string
	for _, p := range v.pieces {
		s := p.val.String()
		if p.x != nil {
			s = p.x.String()
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	return computed(strings.Join(parts, " "), b.pos, b.info)
}

// originFlavor evaluates $(origin) and $(flavor).
func (b *builtinCall) originFlavor() Value {
	a, ok := b.exactArgs(1)
	if !ok {
		return b.notModelled()
	}
	name := strings.TrimSpace(a[0])
	v, defined := b.ev.vars[name]
	if !defined {
		if b.ev.cfg.Unknown != nil && b.ev.cfg.Unknown(name) {
			return b.notModelled()
		}
		return computed("undefined", b.pos, b.info)
	}
	if b.c.Func == "flavor" {
		if v.flavor == simple {
			return computed("simple", b.pos, b.info)
		}
		return computed("recursive", b.pos, b.info)
	}
	return computed(map[origin]string{originFile: "file", originCommandLine: "command line",
		originOverride: "override", originAutomatic: "automatic"}[v.origin], b.pos, b.info)
}

// errorFunc evaluates $(error): it stops the evaluation, or, under a
// condition that may not hold, records a stop that may happen.
func (b *builtinCall) errorFunc() Value {
	ev := b.ev
	// make stops whatever the message says: text klpcheck cannot
	// compute only makes the message inexact, not the stop.
	msg := strings.TrimSpace(b.ctlArg(0).String())
	if ev.maybe > 0 {
		ev.res.MaybeStops = append(ev.res.MaybeStops, MaybeStop{
			Problem: Problem{Pos: b.pos, Msg: msg}, Why: ev.why[len(ev.why)-1]})
		return nil
	}
	ev.res.Aborted = &Problem{Pos: b.pos, Msg: "$(error " + msg + ")"}
	ev.res.ErrorMsg = msg
	ev.res.StoppedByError = true
	panic(abortPanic{})
}

// absPath evaluates $(abspath) and $(realpath) lexically, against CURDIR.
// realpath would also resolve symbolic links and drop paths that do not
// exist; the model assumes a tree without either, as it never looks at
// the file system.
func (b *builtinCall) absPath() Value {
	text := b.arg(0)
	cur := b.ev.varValue("CURDIR", b.pos, b.ctl)
	if text.HasUnknown() || !cur.Exact() || cur.Len() == 0 {
		return b.notModelled()
	}
	var out []Word
	for _, w := range text.Words() {
		p := w.Text()
		if !path.IsAbs(p) {
			p = path.Join(cur.String(), p)
		}
		out = append(out, Word{Segs: computed(path.Clean(p), w.Pos(), w.Info())})
	}
	return joinWords(out)
}

// trimExpr drops the whitespace that starts the first literal and ends the
// last one, as GNU make strips the condition of $(if) before expanding it.
func trimExpr(x *makefile.Expr) *makefile.Expr {
	if x == nil || len(x.Parts) == 0 {
		return x
	}
	parts := append([]makefile.Part(nil), x.Parts...)
	if l, ok := parts[0].(*makefile.Lit); ok {
		t := strings.TrimLeft(l.Text, " \t\n\v\f\r")
		if t == "" {
			parts = parts[1:]
		} else if len(t) != len(l.Text) {
			parts[0] = &makefile.Lit{Text: t, Off: l.Off + len(l.Text) - len(t), Map: l.Map}
		}
	}
	if len(parts) > 0 {
		if l, ok := parts[len(parts)-1].(*makefile.Lit); ok {
			t := strings.TrimRight(l.Text, " \t\n\v\f\r")
			if t == "" {
				parts = parts[:len(parts)-1]
			} else if len(t) != len(l.Text) {
				parts[len(parts)-1] = &makefile.Lit{Text: t, Off: l.Off, Map: l.Map}
			}
		}
	}
	return &makefile.Expr{Parts: parts}
}

// ifFunc is $(if cond,then[,else]). A version test in cond gates the
// branch it selects; an unknown cond makes both branches maybe.
func (ev *evaluator) ifFunc(c *makefile.Call, info *Info) Value {
	cond := ev.expand(trimExpr(c.Args[0]), ev.certain(info))
	branch := func(i int, ctx *Info) Value {
		if i < len(c.Args) {
			return ev.expand(c.Args[i], ctx)
		}
		return nil
	}
	ctx := info
	if g := cond.taint(); g != nil {
		ctx = withGate(info, gateAt(g, c.Pos()))
	}
	if !cond.Exact() {
		why := whyOf(cond.uncertain())
		ev.maybe++
		ev.why = append(ev.why, why)
		mctx := maybeInfo(ctx, why)
		t := markMaybe(branch(1, mctx), why)
		e := markMaybe(branch(2, mctx), why)
		ev.maybe--
		ev.why = ev.why[:len(ev.why)-1]
		if len(t) > 0 && len(e) > 0 {
			t = append(t, Segment{Text: " "})
		}
		return append(t, e...)
	}
	if cond.Len() > 0 {
		return branch(1, ctx)
	}
	return branch(2, ctx)
}

func withGate(info *Info, g *Gate) *Info {
	c := Info{}
	if info != nil {
		c = *info
	}
	c.Gates = append(append([]*Gate(nil), c.Gates...), g)
	return &c
}

func (ev *evaluator) foreach(c *makefile.Call, info *Info) Value {
	nameV := ev.expand(c.Args[0], ev.certain(info))
	list := ev.expand(c.Args[1], info)
	if !nameV.Exact() || list.HasUnknown() {
		return unknownValue(c.Raw, c.Pos(), info, c.Raw)
	}
	name := strings.TrimSpace(nameV.String())
	saved, had := ev.vars[name]
	var out Value
	words := list.Words()
	for i, w := range words {
		ev.vars[name] = &variable{name: name, flavor: simple, origin: originAutomatic, value: w.Segs, size: w.Segs.Len()}
		out = append(out, ev.expand(c.Args[2], info)...)
		if i+1 < len(words) {
			out = append(out, Segment{Text: " "})
		}
		ev.checkSize(out, c.Pos())
	}
	if had {
		ev.vars[name] = saved
	} else {
		delete(ev.vars, name)
	}
	return out
}

// callFunc is $(call NAME,args...): a modelled kbuild helper, or the
// expansion of variable NAME with $(1)... bound to the arguments.
func (ev *evaluator) callFunc(c *makefile.Call, info *Info) Value {
	pos := c.Pos()
	nameV := ev.expand(c.Args[0], ev.certain(info))
	if !nameV.Exact() {
		return unknownValue(c.Raw, pos, info, "the function name in "+c.Raw)
	}
	name := strings.TrimSpace(nameV.String())
	if ev.useHelper(name) {
		return ev.helper(name, c, info)
	}
	if _, ok := ev.vars[name]; !ok {
		if ev.cfg.Unknown != nil && ev.cfg.Unknown(name) {
			return unknownValue(c.Raw, pos, info, name)
		}
		return nil
	}
	if ev.callDepth >= ev.cfg.Limits.CallDepth {
		ev.problem(pos, "Recursive variable '%s' references itself (eventually): $(call) nests more than %d deep", name, ev.cfg.Limits.CallDepth)
		return unknownValue(c.Raw, pos, info, name+", which recurses without end")
	}
	args := make([]Value, len(c.Args))
	args[0] = computed(name, pos, info)
	for i := 1; i < len(c.Args); i++ {
		args[i] = ev.expand(c.Args[i], info)
	}
	type saved struct {
		v   *variable
		had bool
	}
	// As GNU make does, the arguments of an enclosing call that this one
	// does not pass are hidden (empty), not inherited.
	total := max(len(args), ev.maxArgs)
	savedMax := ev.maxArgs
	ev.maxArgs = total
	old := make([]saved, total)
	for i := 0; i < total; i++ {
		n := strconv.Itoa(i)
		ov, had := ev.vars[n]
		old[i] = saved{ov, had}
		var a Value
		if i < len(args) {
			a = args[i]
		}
		ev.vars[n] = &variable{name: n, flavor: simple, origin: originAutomatic, value: a, size: a.Len()}
	}
	// A function may call itself through $(call): that is not the
	// self-reference GNU make rejects.
	wasExpanding := ev.expanding[name]
	delete(ev.expanding, name)
	ev.callDepth++
	out := ev.varValue(name, pos, info)
	ev.callDepth--
	if ev.cfg.Helpers[name] && versionHelper(name) {
		out = namedGate(name, args, pos, info, out)
	}
	if wasExpanding {
		ev.expanding[name] = true
	}
	ev.maxArgs = savedMax
	for i := range old {
		n := strconv.Itoa(i)
		if old[i].had {
			ev.vars[n] = old[i].v
		} else {
			delete(ev.vars, n)
		}
	}
	return out
}

// evalFunc parses and runs the text given to $(eval ...).
func (ev *evaluator) evalFunc(c *makefile.Call, text Value, info *Info) Value {
	if ev.callDepth >= ev.cfg.Limits.CallDepth {
		ev.problem(c.Pos(), "$(eval) nests more than %d deep", ev.cfg.Limits.CallDepth)
		return nil
	}
	f, err := makefile.ParseEval(c.Pos(), []byte(ev.evalSource(text)))
	if err != nil {
		ev.limit(c.Pos(), "%v", err)
	}
	for _, p := range f.Problems {
		if p.Severity == makefile.Fatal {
			ev.problem(c.Pos(), "in $(eval): %s", p.Msg)
		}
	}
	ev.callDepth++
	ev.exec(f.Nodes)
	ev.callDepth--
	return nil
}

// evalSource is the text $(eval) parses. Each piece klpcheck cannot
// compute (or that is there only maybe) becomes a reference to a variable
// of its own that holds the piece: what the text assigns from it is then
// unknown (or maybe), not left as it was. A piece that would be part of a
// variable's name or a directive leaves that line undecided instead.
func (ev *evaluator) evalSource(text Value) string {
	if text.Exact() {
		return text.String()
	}
	var b strings.Builder
	for _, seg := range text {
		if seg.Info == nil || !(seg.Info.Unknown || seg.Info.Maybe) || strings.TrimSpace(seg.Text) == "" {
			b.WriteString(seg.Text)
			continue
		}
		ev.evalHoles++
		name := ".klpcheck-eval-" + strconv.Itoa(ev.evalHoles)
		ev.vars[name] = &variable{name: name, flavor: simple, origin: originAutomatic, value: Value{seg}, size: len(seg.Text)}
		b.WriteString("$(" + name + ")")
	}
	return b.String()
}

// substValue is $(subst from,to,text), keeping the provenance of each
// segment when no occurrence of from spans two segments.
func substValue(from, to string, text Value, pos makefile.Pos) Value {
	if from == "" {
		if to == "" {
			return text
		}
		return append(append(Value{}, text...), Segment{Text: to, At: pos})
	}
	whole := text.String()
	total := strings.Count(whole, from)
	if total == 0 {
		return text
	}
	per := 0
	for _, s := range text {
		per += strings.Count(s.Text, from)
	}
	if per != total {
		var info *Info
		if len(text) > 0 {
			info = text[0].Info
		}
		return computed(strings.ReplaceAll(whole, from, to), pos, info)
	}
	out := make(Value, 0, len(text))
	for _, s := range text {
		if strings.Contains(s.Text, from) {
			s = Segment{Text: strings.ReplaceAll(s.Text, from, to), At: s.PosAt(0), Info: s.Info}
		}
		if s.Text != "" {
			out = append(out, s)
		}
	}
	return out
}

// patternMatch matches a make pattern (at most one %) against s and returns
// the stem.
func patternMatch(pattern, s string) (string, bool) {
	i := strings.IndexByte(pattern, '%')
	if i < 0 {
		return "", pattern == s
	}
	pre, suf := pattern[:i], pattern[i+1:]
	if len(s) < len(pre)+len(suf) || !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, suf) {
		return "", false
	}
	return s[len(pre) : len(s)-len(suf)], true
}

// patsubst replaces the words of text that match pattern.
func patsubst(pattern, repl string, text Value, pos makefile.Pos) Value {
	words := text.Words()
	out := make([]Word, 0, len(words))
	for _, w := range words {
		stem, ok := patternMatch(pattern, w.Text())
		if !ok {
			out = append(out, w)
			continue
		}
		r := repl
		if strings.IndexByte(pattern, '%') >= 0 {
			if k := strings.IndexByte(repl, '%'); k >= 0 {
				r = repl[:k] + stem + repl[k+1:]
			}
		}
		if r == "" {
			continue
		}
		out = append(out, Word{Segs: computed(r, w.Pos(), w.Info())})
	}
	return joinWords(out)
}

// pathPart is dir, notdir, suffix or basename of one word; keep is false
// when the function drops the word (suffix of a name without one).
func pathPart(fn, w string) (string, bool) {
	slash := strings.LastIndexByte(w, '/')
	switch fn {
	case "dir":
		if slash < 0 {
			return "./", true
		}
		return w[:slash+1], true
	case "notdir":
		return w[slash+1:], true
	case "suffix":
		dot := strings.LastIndexByte(w, '.')
		if dot < 0 || dot < slash {
			return "", false
		}
		return w[dot:], true
	default: // basename
		dot := strings.LastIndexByte(w, '.')
		if dot < 0 || dot < slash {
			return w, true
		}
		return w[:dot], true
	}
}
