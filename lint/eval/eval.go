package eval

import (
	"fmt"
	"strings"
	"sync/atomic"

	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// Limits bound the work of one evaluation. Exceeding one ends it with a
// *LimitError: the input cannot be evaluated, which is not a finding.
type Limits struct {
	// Steps is the number of expansion steps (parts and function calls).
	Steps int
	// ValueBytes is the largest value an expansion may produce, and
	// Segments the most pieces of distinct provenance it may hold.
	ValueBytes int
	Segments   int
	// CallDepth is how deeply $(call ...) and $(eval ...) may nest.
	CallDepth int
	// Stored is the most pieces the variables of one evaluation may be
	// given in all, counted as they are assigned: a chain of := that each
	// copy the one before (A2 := $(A1) x, A3 := $(A2) x, ...) stores a
	// number of pieces quadratic in its length, which no per-value limit
	// sees. Run raises it to 4 pieces per line of the makefile. Zero is no
	// limit.
	Stored int
}

// DefaultLimits are generous for kbuild and small enough to stop a
// makefile that expands without end within a second or so.
var DefaultLimits = Limits{Steps: 1_000_000, ValueBytes: 16 << 20, Segments: 1 << 16, CallDepth: 500, Stored: 1 << 20}

// Predefined is a variable the configuration defines before the makefile
// is read, as include/config/auto.conf does for CONFIG_ symbols.
type Predefined struct {
	Value string
	// Taint marks a version (CONFIG_CLANG_VERSION) or a symbol that
	// depends on one: conditions over it are version gates.
	Taint *Gate
	// CommandLine: given on make's command line (LLVM=1, O=dir), so that
	// an assignment in a makefile without override does not change it.
	CommandLine bool
}

// Config is what one evaluation knows about the build.
type Config struct {
	// Vars are defined before the makefile is read.
	Vars map[string]Predefined
	// Unknown reports names whose value is not modelled: referencing them
	// gives unknown text and testing them gives an unknown condition.
	Unknown func(name string) bool
	// Toolchain answers the probes.
	Toolchain model.Toolchain
	// Helpers are the kbuild functions called through $(call NAME,...)
	// that are modelled instead of expanded (ld-option, clang-min-version...).
	// A name not in the set is expanded like any variable.
	Helpers map[string]bool
	Limits  Limits
	// Track, when set, names the statements whose Reach is recorded in
	// Result.Reached; nil records every statement. A large makefile
	// evaluated in many configurations would otherwise keep a map entry
	// per statement and configuration.
	Track map[makefile.Node]bool
	// Cancel, when set by another goroutine, ends the evaluation early
	// with a LimitError (the caller has already given up on it).
	Cancel *atomic.Bool
	// Include resolves include directives; nil: none is followed.
	Include IncludeFunc
	// TryRun: once the makefile defines ld-option or a version helper
	// (clang-min-version, test-ge...) itself, its own definition runs:
	// the linker command of kbuild's try-run in $(shell) is answered from
	// Toolchain, the version tests run in the shell model.
	TryRun bool
	// Reads, when set, are the variables that can be observed (see
	// Reads): an assignment to any other is skipped.
	Reads *ReadSet
}

// Reach says how a statement was reached.
type Reach int

// Reach values.
const (
	NotReached Reach = iota
	// MaybeReached: only if an unmodelled condition holds.
	MaybeReached
	Reached
)

// Problem is something GNU make would stop at or misread while evaluating
// (a variable that references itself, a line that expands to text without
// a separator), with the position of the reference.
type Problem struct {
	Pos makefile.Pos
	Msg string
}

// MaybeStop is a $(error ...) make reaches only if Why holds.
type MaybeStop struct {
	Problem
	Why string
}

// LimitError ends an evaluation that exceeded its Limits.
type LimitError struct {
	Pos makefile.Pos
	Msg string
	// Cancelled: ended through Config.Cancel, not by this input.
	Cancelled bool
}

func (e *LimitError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Result is the state after reading the makefile.
type Result struct {
	vars    map[string]*variable
	ev      *evaluator
	Reached map[makefile.Node]Reach
	// AsRecipe records the tab-led lines make read as recipe lines (which
	// may also read as assignments: see makefile.Recipe).
	AsRecipe map[*makefile.Recipe]Reach
	Problems []Problem
	// Aborted is set when make stops: at a $(error ...) (StoppedByError,
	// with the message make prints in ErrorMsg) or at a line it cannot
	// parse.
	Aborted        *Problem
	StoppedByError bool
	ErrorMsg       string
	// MaybeStops are the $(error ...) calls reached only if a condition
	// klpcheck does not model holds: make may stop there.
	MaybeStops []MaybeStop
	// ShellModelled counts $(shell ...) calls answered by interpreting a
	// version test.
	ShellModelled int
	// Steps is the number of expansion steps the evaluation took.
	Steps int
	// Includes are the files include directives named, in reading order.
	Includes []Included
}

// Value expands variable name as a recipe would after all makefiles were
// read.
func (r *Result) Value(name string) (v Value, err error) {
	if r.ev == nil {
		return nil, &LimitError{Msg: "the evaluation's variables were released"}
	}
	defer r.ev.recoverLimit(&err)
	return r.ev.varValue(name, makefile.Pos{}, &Info{}), nil
}

// Release drops the variables: Value and Defined cannot be used after
// it, the other fields stay. A caller that has taken the values it needs
// frees the evaluation's memory this way.
func (r *Result) Release() {
	r.vars = nil
	r.ev = nil
}

// Defined reports whether name is defined after reading.
func (r *Result) Defined(name string) bool {
	_, ok := r.vars[name]
	return ok
}

type flavor int

const (
	recursive flavor = iota
	simple
)

type origin int

const (
	originFile origin = iota
	originCommandLine
	originOverride
	originAutomatic
)

// piece is one part of a recursive variable's value: unexpanded text, or
// (for VAR != command, whose output make stores as the value of a
// recursive variable) text already computed.
type piece struct {
	x    *makefile.Expr
	info *Info
	val  Value // used when x is nil
}

func (p piece) empty() bool {
	if p.x == nil {
		return p.val.Len() == 0
	}
	return len(p.x.Parts) == 0
}

// pieceValue expands p.
func (ev *evaluator) pieceValue(p piece) Value {
	if p.x == nil {
		return p.val
	}
	return ev.expand(p.x, p.info)
}

type variable struct {
	name   string
	flavor flavor
	origin origin
	value  Value   // simple
	size   int     // len(value.String()), kept as += grows the value
	pieces []piece // recursive
	maybe  bool    // defined only if an unmodelled condition holds
	taint  *Gate
}

// raw reports whether the unexpanded value is non-empty (what ifdef tests).
func (v *variable) rawNonEmpty() bool {
	if v.flavor == simple {
		return v.value.Len() > 0
	}
	for _, p := range v.pieces {
		if !p.empty() {
			return true
		}
	}
	return false
}

type evaluator struct {
	cfg       Config
	vars      map[string]*variable
	gates     []*Gate // gates of the enclosing conditionals
	maybe     int     // depth of unmodelled conditions
	why       []string
	steps     int
	stored    int // pieces given to variables so far (Limits.Stored)
	stmts     int // statements executed, for checkCancel
	callDepth int
	maxArgs   int // arguments ($(0) included) of the innermost $(call)
	evalHoles int // variables made for unknown text given to $(eval)
	expanding map[string]bool
	res       *Result
	mergeMemo map[[2]*Info]*Info
	certMemo  map[*Info]*Info
	cur       makefile.Pos // the statement being evaluated, for limit errors
	rule      ruleContext
	// includeDepth is how deeply include directives nest.
	includeDepth int
}

// ruleContext says whether make is reading a rule's recipe: then a
// tab-led line is a recipe line, else a makefile line.
type ruleContext int

const (
	noRule ruleContext = iota
	maybeRule
	inRule
)

func (ev *evaluator) startRule() {
	switch {
	case ev.maybe == 0:
		ev.rule = inRule
	case ev.rule == noRule:
		ev.rule = maybeRule
	}
}

func (ev *evaluator) endRule() {
	switch {
	case ev.maybe == 0:
		ev.rule = noRule
	case ev.rule == inRule:
		ev.rule = maybeRule
	}
}

// certain returns info without maybe-ness. Text expanded to decide
// something (a variable name, a condition, a pattern) is certain even
// inside a branch that is taken only maybe: maybe marks whether text ends
// up in a value, not what it says.
func (ev *evaluator) certain(info *Info) *Info {
	if info == nil || !info.Maybe {
		return info
	}
	if c, ok := ev.certMemo[info]; ok {
		return c
	}
	c := *info
	c.Maybe, c.Why = false, ""
	ev.certMemo[info] = &c
	return &c
}

type limitPanic struct{ err *LimitError }

// Run evaluates f under cfg.
func Run(f *makefile.File, cfg Config) (res *Result, err error) {
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.Limits.Stored > 0 {
		// A makefile of many one-piece assignments stores as many pieces
		// as it has lines: the budget only stops what grows faster.
		cfg.Limits.Stored = max(cfg.Limits.Stored, 4*f.Lines)
	}
	// Sized for a variable per top-level statement, or per variable
	// anything reads: growing the map one rehash at a time costs more
	// than the evaluation itself on a makefile of many assignments.
	size := len(f.Nodes)
	if cfg.Reads != nil {
		size = min(size, len(cfg.Reads.names))
	}
	ev := &evaluator{
		cfg:       cfg,
		vars:      make(map[string]*variable, len(cfg.Vars)+size),
		expanding: map[string]bool{},
		mergeMemo: map[[2]*Info]*Info{},
		certMemo:  map[*Info]*Info{},
	}
	ev.res = &Result{vars: ev.vars, ev: ev, Reached: map[makefile.Node]Reach{}, AsRecipe: map[*makefile.Recipe]Reach{}}
	for name, p := range cfg.Vars {
		info := &Info{Var: name, Taint: p.Taint}
		ev.vars[name] = &variable{name: name, flavor: simple, value: computed(p.Value, makefile.Pos{}, info), size: len(p.Value), taint: p.Taint}
		if p.CommandLine {
			ev.vars[name].origin = originCommandLine
		}
	}
	res = ev.res // also what a $(error) that stops make leaves
	defer func() { res.Steps = ev.steps }()
	defer ev.recoverLimit(&err)
	ev.execTop(f)
	return res, nil
}

// execTop executes the top level of f, skipping the assignments that
// cfg.Reads found nobody can observe: all that is left of them is that
// they end a rule's recipe.
func (ev *evaluator) execTop(f *makefile.File) {
	if ev.cfg.Reads == nil || ev.cfg.Track == nil {
		ev.exec(f.Nodes)
		return
	}
	for i := range f.Nodes {
		if ev.cfg.Reads.skips(f, i) {
			if ev.stmts++; ev.stmts&1023 == 0 {
				ev.checkCancel(f.Nodes[i].Pos())
			}
			ev.endRule()
			continue
		}
		ev.exec(f.Nodes[i : i+1])
	}
}

type abortPanic struct{}

func (ev *evaluator) recoverLimit(err *error) {
	switch r := recover().(type) {
	case nil:
	case limitPanic:
		*err = r.err
	case abortPanic:
		// $(error) stopped make; the result so far stands.
	default:
		panic(r)
	}
}

// limit ends the evaluation. The error points at the statement being
// evaluated and names the reference where the limit was reached.
func (ev *evaluator) limit(pos makefile.Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	at := ev.cur
	if !at.IsValid() {
		at = pos
	} else if pos.IsValid() && pos != at {
		msg += fmt.Sprintf(" (at %s)", pos)
	}
	panic(limitPanic{&LimitError{Pos: at, Msg: msg}})
}

func (ev *evaluator) step(pos makefile.Pos) {
	ev.steps++
	if ev.steps > ev.cfg.Limits.Steps {
		ev.limit(pos, "expansion takes more than %d steps", ev.cfg.Limits.Steps)
	}
	if ev.steps&1023 == 0 {
		ev.checkCancel(pos)
	}
}

// checkCancel ends the evaluation when Config.Cancel is set. An atomic
// load: cheap enough for every statement, but callers in hot loops call it
// every thousand or so iterations.
func (ev *evaluator) checkCancel(pos makefile.Pos) {
	if ev.cfg.Cancel != nil && ev.cfg.Cancel.Load() {
		panic(limitPanic{&LimitError{Pos: pos, Msg: "cancelled", Cancelled: true}})
	}
}

func (ev *evaluator) checkSize(v Value, pos makefile.Pos) Value {
	if len(v) > ev.cfg.Limits.Segments || v.Len() > ev.cfg.Limits.ValueBytes {
		ev.limit(pos, "expansion yields more than %d bytes or %d pieces", ev.cfg.Limits.ValueBytes, ev.cfg.Limits.Segments)
	}
	return v
}

func (ev *evaluator) problem(pos makefile.Pos, format string, args ...any) {
	if ev.maybe > 0 {
		return
	}
	ev.res.Problems = append(ev.res.Problems, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// context returns the provenance for text written by the statement at pos
// assigning variable name.
func (ev *evaluator) context(pos makefile.Pos, name string) *Info {
	info := &Info{Stmt: pos, Var: name}
	if len(ev.gates) > 0 {
		info.Gates = append([]*Gate(nil), ev.gates...)
	}
	if ev.maybe > 0 {
		info.Maybe = true
		info.Why = ev.why[len(ev.why)-1]
	}
	return info
}

func (ev *evaluator) reach(n makefile.Node) {
	if ev.cfg.Track != nil && !ev.cfg.Track[n] {
		return
	}
	r := Reached
	if ev.maybe > 0 {
		r = MaybeReached
	}
	if ev.res.Reached[n] < r {
		ev.res.Reached[n] = r
	}
}

func (ev *evaluator) exec(nodes []makefile.Node) {
	for _, n := range nodes {
		// Statements that expand nothing (recursive assignments, rules
		// of plain text) take no expansion step: count them too, so that
		// a makefile of millions of them can be stopped.
		if ev.stmts++; ev.stmts&1023 == 0 {
			ev.checkCancel(n.Pos())
		}
		ev.reach(n)
		if _, ok := n.(*makefile.Cond); !ok && ev.callDepth == 0 {
			ev.cur = n.Pos()
		}
		switch n.(type) {
		case *makefile.Cond, *makefile.Recipe, *makefile.Rule:
		default:
			ev.endRule() // every other line ends a rule's recipe
		}
		switch n := n.(type) {
		case *makefile.Assign:
			ev.assign(n.At, n.Mods, n.Name, n.Op, n.Value)
		case *makefile.Define:
			ev.assign(n.At, n.Mods, n.Name, n.Op, n.Body)
		case *makefile.Recipe:
			ev.recipe(n)
		case *makefile.Undefine:
			name := ev.nameOf(n.Name, n.At)
			if name == "" {
				continue
			}
			if ev.maybe > 0 {
				if v, ok := ev.vars[name]; ok {
					v.maybe = true
				}
				continue
			}
			delete(ev.vars, name)
		case *makefile.Cond:
			ev.cond(n)
		case *makefile.Include:
			ev.include(n)
		case *makefile.ExprLine:
			v := ev.expand(n.X, ev.certain(ev.context(n.At, "")))
			if v.Exact() && strings.TrimSpace(v.String()) != "" {
				ev.problem(n.At, "missing separator: the line expands to %q", strings.TrimSpace(v.String()))
			}
		case *makefile.Bad:
			// GNU make stops reading at a line it cannot parse: nothing
			// after it is built in this configuration.
			if ev.maybe == 0 {
				if n.Msg != "" {
					ev.problem(n.At, "%s", n.Msg)
				}
				ev.res.Aborted = &Problem{Pos: n.At, Msg: "GNU make stops at this line"}
				panic(abortPanic{})
			}
		case *makefile.Rule:
			// Targets and prerequisites are expanded when read; only
			// their side effects ($(eval), $(error)) matter here.
			ev.expand(n.Targets, ev.certain(ev.context(n.At, "")))
			if n.TargetVar == nil {
				ev.expand(n.Prereqs, ev.certain(ev.context(n.At, "")))
				ev.startRule()
			} else {
				ev.endRule()
			}
		}
	}
}

// recipe reads a tab-led line after a rule: a recipe line if make is in
// the rule's context, else the makefile line it also is.
func (ev *evaluator) recipe(r *makefile.Recipe) {
	mark := func() {
		reach := Reached
		if ev.maybe > 0 || ev.rule == maybeRule {
			reach = MaybeReached
		}
		if ev.res.AsRecipe[r] < reach {
			ev.res.AsRecipe[r] = reach
		}
	}
	switch {
	case r.Alt == nil || ev.rule == inRule:
		mark()
	case ev.rule == noRule:
		ev.exec([]makefile.Node{r.Alt})
	default:
		mark()
		ev.maybe++
		ev.why = append(ev.why, fmt.Sprintf("whether make reads line %d as a recipe line", r.At.Line))
		ev.exec([]makefile.Node{r.Alt})
		ev.maybe--
		ev.why = ev.why[:len(ev.why)-1]
	}
}

func (ev *evaluator) nameOf(x *makefile.Expr, pos makefile.Pos) string {
	if lit, ok := x.Literal(); ok {
		return strings.TrimSpace(lit)
	}
	v := ev.expand(x, &Info{Stmt: pos})
	if !v.Exact() {
		return ""
	}
	return strings.TrimSpace(v.String())
}

func (ev *evaluator) assign(pos makefile.Pos, mods makefile.Modifiers, nameX *makefile.Expr, op makefile.AssignOp, valueX *makefile.Expr) {
	name := ev.nameOf(nameX, pos)
	if name == "" || ev.cfg.Reads.drops(name) {
		return
	}
	old, exists := ev.vars[name]
	// A variable from the command line or defined with override changes
	// only through override (GNU make ignores the others silently).
	if exists && (old.origin == originCommandLine || old.origin == originOverride) && !mods.Override {
		return
	}
	info := ev.context(pos, name)
	org := originFile
	if mods.Override {
		org = originOverride
	}
	switch op {
	case makefile.Recursive:
		ev.setRecursive(name, org, piece{x: valueX, info: info}, old)
	case makefile.Simple, makefile.SimplePosix:
		val := ev.checkSize(ev.expand(valueX, info), pos)
		ev.setSimple(name, org, val, old)
	case makefile.Conditional:
		if exists && !old.maybe {
			return
		}
		if exists {
			// Defined only maybe: either the old value stays or ?=
			// assigns; afterwards the variable is defined either way.
			why := "whether " + name + " was defined before line " + fmt.Sprint(pos.Line)
			ev.maybe++
			ev.why = append(ev.why, why)
			ev.setRecursive(name, org, piece{x: valueX, info: ev.context(pos, name)}, old)
			ev.maybe--
			ev.why = ev.why[:len(ev.why)-1]
			ev.vars[name].maybe = ev.maybe > 0
			return
		}
		ev.setRecursive(name, org, piece{x: valueX, info: info}, old)
	case makefile.Shell:
		// The output becomes the value of a recursive variable: a later
		// += appends unexpanded text, and a '$' in the output would be
		// expanded on use (not modelled: such output is unknown).
		body := ev.expand(valueX, info)
		out := ev.shell(body, pos, info)
		if out.Exact() && strings.Contains(out.String(), "$") {
			out = unknownValue(out.String(), pos, info, "the output of a != command holding '$'")
		}
		ev.setRecursive(name, org, piece{info: info, val: out}, old)
	case makefile.Append:
		if !exists {
			ev.setRecursive(name, org, piece{x: valueX, info: info}, nil)
			return
		}
		// override += makes the variable an override one, unless what it
		// appends is empty: then GNU make changes nothing at all.
		if old.flavor == recursive {
			if mods.Override && valueX != nil && len(valueX.Parts) > 0 {
				old.origin = originOverride
			}
			old.pieces = append(old.pieces, piece{x: valueX, info: info})
			return
		}
		add := ev.expand(valueX, info)
		if mods.Override && add.Len() > 0 {
			old.origin = originOverride
		}
		if old.size > 0 && add.Len() > 0 {
			old.value = append(old.value, Segment{Text: " "})
			old.size++
		}
		old.value = append(old.value, add...)
		old.size += add.Len()
		ev.store(len(add) + 1)
		if old.size > ev.cfg.Limits.ValueBytes || len(old.value) > ev.cfg.Limits.Segments {
			ev.limit(pos, "%s grows beyond %d bytes or %d pieces", name, ev.cfg.Limits.ValueBytes, ev.cfg.Limits.Segments)
		}
	}
}

func (ev *evaluator) setRecursive(name string, org origin, p piece, old *variable) {
	v := &variable{name: name, flavor: recursive, origin: org, pieces: []piece{p}, maybe: ev.maybeDefined(old)}
	if ev.maybe > 0 && old != nil {
		// Either the old value stays or the new one replaces it: keep
		// both, the old one marked as maybe too.
		why := ev.why[len(ev.why)-1]
		if old.flavor == recursive {
			var ps []piece
			for _, op := range old.pieces {
				mp := piece{x: op.x, info: maybeInfo(op.info, why)}
				if op.x == nil {
					mp.val = markMaybe(op.val, why)
				}
				ps = append(ps, mp)
			}
			v.pieces = append(ps, p)
		} else {
			v.flavor = simple
			v.pieces = nil
			v.value = append(markMaybe(old.value, why), append(Value{{Text: " "}}, ev.pieceValue(p)...)...)
			v.size = v.value.Len()
		}
	}
	ev.vars[name] = v
}

func (ev *evaluator) setSimple(name string, org origin, val Value, old *variable) {
	v := &variable{name: name, flavor: simple, origin: org, value: val, maybe: ev.maybeDefined(old)}
	defer func() { v.size = v.value.Len() }()
	if ev.maybe > 0 && old != nil {
		prev, err := ev.plainValue(old)
		if err == nil {
			v.value = append(markMaybe(prev, ev.why[len(ev.why)-1]), append(Value{{Text: " "}}, val...)...)
		}
	}
	ev.store(len(v.value))
	ev.vars[name] = v
}

// store counts n pieces given to a variable against Limits.Stored.
func (ev *evaluator) store(n int) {
	ev.stored += n
	if lim := ev.cfg.Limits.Stored; lim > 0 && ev.stored > lim {
		ev.limit(makefile.Pos{}, "the variables are given more than %d pieces of text in all (assignments that each copy the value of the one before grow quadratically)", lim)
	}
}

// maybeDefined says whether a variable assigned now (replacing old, nil if
// it was not defined) is defined only maybe: when assigned under a
// condition klpcheck cannot decide and not certainly defined before.
func (ev *evaluator) maybeDefined(old *variable) bool {
	if ev.maybe == 0 {
		return false
	}
	return old == nil || old.maybe
}

func (ev *evaluator) plainValue(v *variable) (Value, error) {
	if v.flavor == simple {
		return v.value, nil
	}
	return ev.varValue(v.name, makefile.Pos{}, &Info{}), nil
}

func maybeInfo(i *Info, why string) *Info {
	if i == nil || i.Maybe {
		return i
	}
	c := *i
	c.Maybe = true
	c.Why = why
	return &c
}

func markMaybe(v Value, why string) Value {
	out := make(Value, len(v))
	for k, s := range v {
		s.Info = maybeInfo(s.Info, why)
		if s.Info == nil {
			s.Info = &Info{Maybe: true, Why: why}
		}
		out[k] = s
	}
	return out
}

// cond evaluates a conditional: the first branch whose test holds runs;
// a test that cannot be decided runs its branch as "maybe" and goes on.
func (ev *evaluator) cond(c *makefile.Cond) {
	saved := len(ev.gates)
	undecided := 0
	defer func() {
		ev.gates = ev.gates[:saved]
		ev.maybe -= undecided
		ev.why = ev.why[:len(ev.why)-undecided]
	}()
	for _, b := range c.Branches {
		t, gate, why := ev.test(b)
		if gate != nil {
			ev.gates = append(ev.gates, gate)
		}
		switch t {
		case condTrue:
			ev.exec(b.Body)
			return
		case condUnknown:
			ev.maybe++
			undecided++
			ev.why = append(ev.why, why)
			ev.exec(b.Body)
		}
	}
}

type condResult int

const (
	condFalse condResult = iota
	condTrue
	condUnknown
)

// test evaluates one branch's condition. It returns the version gate the
// condition is, if any, and for an unknown outcome what is not modelled.
func (ev *evaluator) test(b *makefile.Branch) (condResult, *Gate, string) {
	if b.Invalid {
		return condUnknown, nil, fmt.Sprintf("the invalid condition at %s", b.At)
	}
	ctx := &Info{Stmt: b.At}
	switch b.Kind {
	case makefile.Else:
		return condTrue, nil, ""
	case makefile.Ifdef, makefile.Ifndef:
		name, ok := b.Var.Literal()
		if !ok {
			nameV := ev.expand(b.Var, ctx)
			if !nameV.Exact() {
				return condUnknown, gateAt(nameV.taint(), b.At), whyOf(nameV.uncertain())
			}
			name = nameV.String()
		}
		name = strings.TrimSpace(name)
		var gate *Gate
		if v, ok := ev.vars[name]; ok && v.taint != nil {
			gate = gateAt(v.taint, b.At)
		}
		if ev.cfg.Unknown != nil && ev.cfg.Unknown(name) {
			if _, ok := ev.vars[name]; !ok {
				return condUnknown, gate, name
			}
		}
		v, ok := ev.vars[name]
		if ok && v.maybe {
			return condUnknown, gate, "whether " + name + " is defined"
		}
		defined := ok && v.rawNonEmpty()
		if defined == (b.Kind == makefile.Ifdef) {
			return condTrue, gate, ""
		}
		return condFalse, gate, ""
	default:
		l := ev.expand(b.Left, ctx)
		r := ev.expand(b.Right, ctx)
		gate := l.taint()
		if gate == nil {
			gate = r.taint()
		}
		gate = gateAt(gate, b.At)
		if !l.Exact() || !r.Exact() {
			u := l.uncertain()
			if u == nil {
				u = r.uncertain()
			}
			return condUnknown, gate, whyOf(u)
		}
		eq := l.String() == r.String()
		if eq == (b.Kind == makefile.Ifeq) {
			return condTrue, gate, ""
		}
		return condFalse, gate, ""
	}
}

func whyOf(i *Info) string {
	if i == nil || i.Why == "" {
		return "a value"
	}
	return i.Why
}

// gateAt makes the conditional at pos the gate's place.
func gateAt(g *Gate, pos makefile.Pos) *Gate {
	if g == nil {
		return nil
	}
	c := *g
	if !c.Source.IsValid() {
		c.Source = g.At
	}
	c.At = pos
	return &c
}

// expand expands x; literal text gets info as its provenance.
func (ev *evaluator) expand(x *makefile.Expr, info *Info) Value {
	if x == nil || len(x.Parts) == 0 {
		return nil
	}
	if len(x.Parts) == 1 {
		if l, ok := x.Parts[0].(*makefile.Lit); ok {
			return Value{{Text: l.Text, Lit: l, Info: info}}
		}
	}
	// The parts are expanded first and joined into one allocation: kbuild's
	// cc-option bodies carry all of KBUILD_CFLAGS, and appending part by
	// part copied them again at every doubling.
	parts := make([]Value, len(x.Parts))
	size, n := 0, 0
	for i, p := range x.Parts {
		var add Value
		switch p := p.(type) {
		case *makefile.Lit:
			add = Value{{Text: p.Text, Lit: p, Info: info}}
		case *makefile.Ref:
			ev.step(p.Pos())
			add = ev.ref(p, info)
		case *makefile.Call:
			ev.step(p.Pos())
			add = ev.call(p, info)
		}
		size += add.Len()
		n += len(add)
		if size > ev.cfg.Limits.ValueBytes || n > ev.cfg.Limits.Segments {
			ev.limit(p.Pos(), "expansion yields more than %d bytes or %d pieces", ev.cfg.Limits.ValueBytes, ev.cfg.Limits.Segments)
		}
		parts[i] = add
	}
	if len(parts) == 1 {
		// Capped, so that a caller's append copies instead of writing
		// into a variable's value.
		return parts[0][:len(parts[0]):len(parts[0])]
	}
	if n == 0 {
		return nil
	}
	out := make(Value, 0, n)
	for _, add := range parts {
		out = append(out, add...)
	}
	return out
}

func (ev *evaluator) ref(r *makefile.Ref, info *Info) Value {
	ctl := ev.certain(info)
	nameV := ev.expand(r.Name, ctl)
	if !nameV.Exact() {
		return unknownValue(r.Raw, r.Pos(), info, "the variable name in "+r.Raw)
	}
	name := nameV.String()
	val := ev.varValue(name, r.Pos(), info)
	if r.Subst == nil {
		return val
	}
	from := ev.expand(r.Subst.From, ctl)
	to := ev.expand(r.Subst.To, ctl)
	if !from.Exact() || !to.Exact() || val.HasUnknown() {
		return unknownValue(r.Raw, r.Pos(), info, "a substitution over unknown text")
	}
	pat, rep := from.String(), to.String()
	if !strings.Contains(pat, "%") {
		pat, rep = "%"+pat, "%"+rep
	}
	return patsubst(pat, rep, val, r.Pos())
}

func unknownValue(text string, pos makefile.Pos, ctx *Info, why string) Value {
	info := &Info{Unknown: true, Why: why}
	if ctx != nil {
		info.Stmt, info.Var, info.Gates, info.Maybe = ctx.Stmt, ctx.Var, ctx.Gates, ctx.Maybe
	}
	return Value{{Text: text, At: pos, Info: info}}
}

// varValue expands variable name referenced at pos from text with
// provenance ctx: the value's segments keep their own provenance, plus the
// gates and maybe-ness of the reference.
func (ev *evaluator) varValue(name string, pos makefile.Pos, ctx *Info) Value {
	v, ok := ev.vars[name]
	if !ok {
		if ev.cfg.Unknown != nil && ev.cfg.Unknown(name) {
			return unknownValue("$("+name+")", pos, ctx, name)
		}
		return nil
	}
	var out Value
	if v.flavor == simple {
		out = v.value
	} else {
		if ev.expanding[name] {
			ev.problem(pos, "Recursive variable '%s' references itself (eventually)", name)
			return unknownValue("$("+name+")", pos, ctx, name+", which references itself")
		}
		ev.expanding[name] = true
		// The raw pieces joined as make joins them on +=: an empty piece
		// adds nothing, a space separates non-empty ones.
		first := true
		for _, p := range v.pieces {
			if p.empty() {
				continue
			}
			if !first {
				out = append(out, Segment{Text: " "})
			}
			first = false
			out = append(out, ev.pieceValue(p)...)
		}
		delete(ev.expanding, name)
	}
	if v.maybe {
		out = markMaybe(out, "whether "+name+" is defined")
	}
	return ev.withContext(out, ctx)
}

// withContext adds the gates and maybe-ness of ctx to every segment.
func (ev *evaluator) withContext(v Value, ctx *Info) Value {
	if ctx == nil || (len(ctx.Gates) == 0 && !ctx.Maybe) {
		return v
	}
	out := make(Value, len(v))
	for k, s := range v {
		s.Info = ev.merge(s.Info, ctx)
		out[k] = s
	}
	return out
}

func (ev *evaluator) merge(i, ctx *Info) *Info {
	key := [2]*Info{i, ctx}
	if m, ok := ev.mergeMemo[key]; ok {
		return m
	}
	var c Info
	if i != nil {
		c = *i
	}
	if ctx.Maybe && !c.Maybe {
		c.Maybe = true
		c.Why = ctx.Why
	}
	for _, g := range ctx.Gates {
		found := false
		for _, h := range c.Gates {
			if h == g {
				found = true
				break
			}
		}
		if !found {
			c.Gates = append(append([]*Gate(nil), c.Gates...), g)
		}
	}
	ev.mergeMemo[key] = &c
	return &c
}
