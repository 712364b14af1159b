package probe

// Supply is what a fix asks the caller to supply instead: another linker,
// another compiler, more time. The probe words it for any caller; a CLI
// renders it as its own flag ("pass --ld PATH"), which the probe does not
// know.
type Supply int

const (
	SupplyNone     Supply = iota
	SupplyLinker          // another linker: a path, or a name on PATH
	SupplyCompiler        // another clang, for the link test
	SupplyTimeout         // a longer time limit
)

// String is the remedy in words that name no interface.
func (s Supply) String() string {
	switch s {
	case SupplyLinker:
		return "name another linker"
	case SupplyCompiler:
		return "name another clang"
	case SupplyTimeout:
		return "allow it more time"
	}
	return ""
}

// Hint is a message whose fix ends in asking for something to be supplied:
// Before, the remedy, After. With Supply none it is Before alone.
type Hint struct {
	Before string
	Supply Supply
	After  string
}

// Render is the message with each remedy worded by remedy; nil words it
// as Supply.String does.
func (h Hint) Render(remedy func(Supply) string) string {
	if h.Supply == SupplyNone {
		return h.Before + h.After
	}
	words := h.Supply.String()
	if remedy != nil {
		words = remedy(h.Supply)
	}
	return h.Before + words + h.After
}

func (h Hint) String() string { return h.Render(nil) }

// HintError is an error whose message is a Hint.
type HintError struct{ Hint Hint }

func (e *HintError) Error() string { return e.Hint.String() }

// hintError is a HintError, or nil for a zero hint.
func hintError(before string, s Supply, after string) error {
	return &HintError{Hint{Before: before, Supply: s, After: after}}
}

// RenderHints rewords every hinted message of the report (errors and link
// test details) with remedy: a CLI names its flags in what it prints.
func (r *Report) RenderHints(remedy func(Supply) string) {
	for i := range r.Linkers {
		l := &r.Linkers[i]
		if l.ErrorHint != nil {
			l.Error = l.ErrorHint.Render(remedy)
		}
		if lt := l.LinkTest; lt != nil {
			for _, m := range []*LinkMode{&lt.InProcess, &lt.Distributed} {
				if m.DetailHint != nil {
					m.Detail = m.DetailHint.Render(remedy)
				}
			}
		}
	}
}
