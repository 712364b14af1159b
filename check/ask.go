package check

// Ask is the input a next step asks the user to give klpcheck. check words
// it for any caller; a CLI renders it as its own flags (Decision.RenderNext).
type Ask int

const (
	AskNone   Ask = iota
	AskLinker     // the linker to probe: a path or a name on PATH
	AskBuild      // the kernel build directory (its objects)
	AskKernel     // a real kernel tree and its build directory
)

// String is the request in words that name no interface.
func (a Ask) String() string {
	switch a {
	case AskLinker:
		return "name it as the linker to probe"
	case AskBuild:
		return "the build directory"
	case AskKernel:
		return "check a kernel tree and its build directory"
	}
	return ""
}

// step is a next step whose text is Before, the request, After.
type step struct {
	before string
	ask    Ask
	after  string
}

func (s step) render(words func(Ask) string) string {
	if s.ask == AskNone {
		return s.before + s.after
	}
	w := s.ask.String()
	if words != nil {
		w = words(s.ask)
	}
	return s.before + w + s.after
}

// nextAsk adds a next step that asks for an input.
func (dc *decider) nextAsk(before string, ask Ask, after string) {
	s := step{before: before, ask: ask, after: after}
	dc.d.Next = append(dc.d.Next, s.render(nil))
	dc.d.asks = append(dc.d.asks, s)
}

// RenderNext rewords the next steps that ask for an input with words: a
// CLI names its flags ("pass --ld PATH").
func (d *Decision) RenderNext(words func(Ask) string) {
	for i, s := range d.asks {
		if s.ask != AskNone && i < len(d.Next) {
			d.Next[i] = s.render(words)
		}
	}
}
