package eval

import (
	"strconv"
	"strings"

	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// Helpers are the kbuild functions (scripts/Makefile.compiler) that the
// evaluator answers from the toolchain model instead of running them.
var Helpers = []string{
	"ld-option", "cc-option", "cc-option-yn", "clang-min-version", "gcc-min-version",
	"test-ge", "test-gt", "test-le", "test-lt",
}

// helper answers $(call NAME,...) for a modelled kbuild function.
func (ev *evaluator) helper(name string, c *makefile.Call, info *Info) Value {
	pos := c.Pos()
	arg := func(i int) Value {
		if i+1 < len(c.Args) {
			return ev.expand(c.Args[i+1], info)
		}
		return nil
	}
	ctlArg := func(i int) Value {
		if i+1 < len(c.Args) {
			return ev.expand(c.Args[i+1], ev.certain(info))
		}
		return nil
	}
	tc := ev.cfg.Toolchain
	switch name {
	case "ld-option":
		return ev.probe(c, info, name, arg(0), arg(1), tc.LinkerAccepts, true)
	case "cc-option":
		return ev.probe(c, info, name, arg(0), arg(1), tc.CompilerAccepts, false)
	case "cc-option-yn":
		flags := ctlArg(0)
		verdict := model.Unknown
		if !flags.HasUnknown() {
			verdict = tc.CompilerAccepts(wordTexts(flags))
		}
		switch verdict {
		case model.Accepts:
			return computed("y", pos, info)
		case model.Rejects:
			return computed("n", pos, info)
		}
		return unknownValue(c.Raw, pos, info, "whether the clang of "+tc.Name+" accepts "+strings.TrimSpace(flags.String()))
	case "clang-min-version", "gcc-min-version":
		subject, sym := "clang", "CONFIG_CLANG_VERSION"
		if name == "gcc-min-version" {
			subject, sym = "gcc", "CONFIG_GCC_VERSION"
		}
		want := ctlArg(0)
		have := ev.varValue(sym, pos, ev.certain(info))
		if !want.Exact() || !have.Exact() {
			return unknownValue(c.Raw, pos, info, c.Raw)
		}
		n := strings.TrimSpace(want.String())
		gate := &Gate{At: pos, Source: pos, Subject: subject, What: name + " " + n}
		gate.Min, _ = strconv.Atoi(n)
		ok, valid := testCompare(strings.TrimSpace(have.String()), "-ge", n)
		if !valid || !ok {
			// test-ge prints nothing when the test fails or is invalid.
			return Value{{Text: "", At: pos, Info: &Info{Taint: gate, Stmt: info.Stmt, Var: info.Var, Gates: info.Gates}}}
		}
		return Value{{Text: "y", At: pos, Info: &Info{Taint: gate, Stmt: info.Stmt, Var: info.Var, Gates: info.Gates}}}
	case "test-ge", "test-gt", "test-le", "test-lt":
		a, b := ctlArg(0), ctlArg(1)
		if !a.Exact() || !b.Exact() {
			return unknownValue(c.Raw, pos, info, c.Raw)
		}
		op := "-" + strings.TrimPrefix(name, "test-")
		as, bs := strings.TrimSpace(a.String()), strings.TrimSpace(b.String())
		var taint *Gate
		if g := a.taint(); g != nil {
			taint = &Gate{At: pos, Source: g.Source, Subject: g.Subject, What: name + " " + bs}
			taint.Min = minFor(op, bs)
		} else if g := b.taint(); g != nil {
			taint = &Gate{At: pos, Source: g.Source, Subject: g.Subject, What: name + " " + as}
		}
		out := ""
		if ok, valid := testCompare(as, op, bs); valid && ok {
			out = "y"
		}
		return Value{{Text: out, At: pos, Info: &Info{Taint: taint, Stmt: info.Stmt, Var: info.Var, Gates: info.Gates}}}
	}
	return unknownValue(c.Raw, pos, info, c.Raw)
}

// testCompare is kbuild's test-ge family: "test A0 OP B0", so that an
// empty number counts as 0. valid is false when test would fail with a
// syntax error (not a number).
func testCompare(a, op, b string) (ok, valid bool) {
	x, err1 := strconv.ParseInt(a+"0", 10, 64)
	y, err2 := strconv.ParseInt(b+"0", 10, 64)
	if err1 != nil || err2 != nil {
		return false, false
	}
	switch op {
	case "-ge":
		return x >= y, true
	case "-gt":
		return x > y, true
	case "-le":
		return x <= y, true
	case "-lt":
		return x < y, true
	}
	return false, false
}

// minFor is the smallest version a lower-bound test "V op n" admits.
func minFor(op, n string) int {
	v, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	switch op {
	case "-ge", "-eq":
		return v
	case "-gt":
		return v + 1
	}
	return 0
}

func wordTexts(v Value) []string {
	words := v.Words()
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.Text()
	}
	return out
}

// probe answers ld-option and cc-option: the flags when the tool accepts
// them, the fallback when it rejects them, and both as maybe when the model
// cannot tell. ld-option runs "$(LD) $(KBUILD_LDFLAGS) flags -v", so a flag
// already in KBUILD_LDFLAGS that the linker rejects fails every later probe.
func (ev *evaluator) probe(c *makefile.Call, info *Info, fn string, flags, fallback Value, judge func([]string) model.Verdict, withLDFLAGS bool) Value {
	words := wordTexts(flags)
	verdict := model.Unknown
	if !flags.HasUnknown() {
		verdict = judge(words)
	}
	if withLDFLAGS && verdict != model.Rejects && !ev.expanding["KBUILD_LDFLAGS"] {
		if _, ok := ev.vars["KBUILD_LDFLAGS"]; ok {
			prior := ev.varValue("KBUILD_LDFLAGS", c.Pos(), &Info{})
			if judge(wordTexts(prior)) == model.Rejects {
				verdict = model.Rejects
			}
		}
	}
	p := &Probe{At: c.Pos(), Func: fn, Flags: words, Verdict: verdict}
	switch verdict {
	case model.Accepts:
		return ev.withProbe(flags, p)
	case model.Rejects:
		return ev.withProbe(fallback, p)
	}
	why := "whether the lld of " + ev.cfg.Toolchain.Name + " accepts " + strings.Join(words, " ")
	out := markMaybe(ev.withProbe(flags, p), why)
	if fb := markMaybe(ev.withProbe(fallback, p), why); len(fb) > 0 {
		out = append(append(out, Segment{Text: " "}), fb...)
	}
	return out
}

func (ev *evaluator) withProbe(v Value, p *Probe) Value {
	out := make(Value, len(v))
	memo := map[*Info]*Info{}
	for i, s := range v {
		ni, ok := memo[s.Info]
		if !ok {
			c := Info{}
			if s.Info != nil {
				c = *s.Info
			}
			c.Probe = p
			ni = &c
			memo[s.Info] = ni
		}
		s.Info = ni
		out[i] = s
	}
	return out
}
