package kconfig

// Evaluator computes the values of the symbols that a set of Kconfig files
// define, given the values of symbols outside them (the model: toolchain
// versions, the LTO choice). A symbol the files define and the model does
// not force is taken at its default, limited by its dependencies and
// raised by selects.
type Evaluator struct {
	syms      map[string]*Symbol
	model     Lookup
	cache     map[string]evalResult
	visiting  map[string]bool
	selectors map[string][]selector
}

type evalResult struct {
	value string
	known bool
}

type selector struct {
	by   *Symbol
	cond Expr
}

// NewEvaluator evaluates the symbols of files over model. When two files
// define the same symbol, the later definition adds to the earlier one as
// in Kconfig (its defaults and dependencies are appended).
func NewEvaluator(files []*File, model Lookup) *Evaluator {
	ev := &Evaluator{
		syms:      map[string]*Symbol{},
		model:     model,
		cache:     map[string]evalResult{},
		visiting:  map[string]bool{},
		selectors: map[string][]selector{},
	}
	for _, f := range files {
		for _, s := range f.Symbols {
			if old, ok := ev.syms[s.Name]; ok {
				merged := *old
				merged.Defaults = append(append([]Default{}, old.Defaults...), s.Defaults...)
				merged.Depends = append(append([]Dep{}, old.Depends...), s.Depends...)
				merged.Selects = append(append([]Select{}, old.Selects...), s.Selects...)
				if merged.Type == "" {
					merged.Type = s.Type
				}
				ev.syms[s.Name] = &merged
			} else {
				ev.syms[s.Name] = s
			}
		}
	}
	for _, s := range ev.syms {
		for _, sel := range s.Selects {
			ev.selectors[sel.Target] = append(ev.selectors[sel.Target], selector{by: s, cond: sel.Cond})
		}
	}
	return ev
}

// Symbol returns the definition of name, if the files define it.
func (ev *Evaluator) Symbol(name string) (*Symbol, bool) {
	s, ok := ev.syms[name]
	return s, ok
}

// Value returns the value of name: "y", "m", "n", a number or a string,
// and whether it is known.
func (ev *Evaluator) Value(name string) (string, bool) {
	if v, ok := ev.model(name); ok {
		return v, true
	}
	if r, ok := ev.cache[name]; ok {
		return r.value, r.known
	}
	s, ok := ev.syms[name]
	if !ok || ev.visiting[name] {
		return "", false
	}
	ev.visiting[name] = true
	v, known := ev.compute(s)
	delete(ev.visiting, name)
	ev.cache[name] = evalResult{v, known}
	return v, known
}

func (ev *Evaluator) compute(s *Symbol) (string, bool) {
	if s.Choice != nil {
		// Members of a choice the model does not decide: any could be set.
		return "", false
	}
	dep := Yes
	for _, d := range s.Depends {
		dep = and3(dep, Eval(d.Expr, ev.Value))
	}
	switch s.Type {
	case "bool", "tristate", "":
		val := No
		for _, d := range s.Defaults {
			c := Eval(d.Cond, ev.Value)
			if c == Unknown {
				val = Unknown
				break
			}
			if c == No {
				continue
			}
			val = Eval(d.Expr, ev.Value)
			break
		}
		val = and3(val, dep)
		for _, sel := range ev.selectors[s.Name] {
			sv, ok := ev.Value(sel.by.Name)
			st := triOf(sv)
			if !ok {
				st = Unknown
			}
			val = or3(val, and3(st, Eval(sel.cond, ev.Value)))
		}
		if s.Type == "bool" && val == Mod {
			val = Yes
		}
		if val == Unknown {
			return "", false
		}
		return val.String(), true
	default:
		if dep == Unknown {
			return "", false
		}
		if dep == No {
			return "", true
		}
		for _, d := range s.Defaults {
			c := Eval(d.Cond, ev.Value)
			if c == Unknown {
				return "", false
			}
			if c == No {
				continue
			}
			if v, ok := operand(d.Expr, ev.Value); ok {
				return v, true
			}
			return "", false
		}
		return "", true
	}
}

func and3(a, b Tri) Tri {
	if a == No || b == No {
		return No
	}
	if a == Unknown || b == Unknown {
		return Unknown
	}
	return min(a, b)
}

func or3(a, b Tri) Tri {
	if a == Yes || b == Yes {
		return Yes
	}
	if a == Unknown || b == Unknown {
		return Unknown
	}
	return max(a, b)
}

// Gate is a version bound a symbol depends on, directly or through the
// symbols its dependencies name.
type Gate struct {
	Bound VersionBound
	Pos   Pos    // the "depends on" line
	Via   string // the symbol whose dependency holds the bound
}

// Gates lists the version bounds that decide whether name can be set.
func (ev *Evaluator) Gates(name string) []Gate {
	var out []Gate
	seen := map[string]bool{}
	var walk func(string, int)
	walk = func(n string, depth int) {
		s, ok := ev.syms[n]
		if !ok || seen[n] || depth > 8 {
			return
		}
		seen[n] = true
		for _, d := range s.Depends {
			for _, b := range VersionBounds(d.Expr) {
				out = append(out, Gate{Bound: b, Pos: d.Pos, Via: n})
			}
			for _, sub := range Names(d.Expr) {
				walk(sub, depth+1)
			}
		}
	}
	walk(name, 0)
	return out
}
