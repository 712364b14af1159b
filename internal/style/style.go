// Package style colors klpcheck's text reports on a terminal: severities as
// gcc colors them, and the verdict. It decides once per run whether to color
// (--color, NO_COLOR, TERM, whether stdout is a terminal) and otherwise
// leaves the text exactly as it is.
package style

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Style says whether a report is colored. The zero Style is plain text.
type Style struct {
	Color bool
}

// Modes of --color.
const (
	Auto   = "auto"
	Always = "always"
	Never  = "never"
)

// Modes lists the values of --color, for usage and completion.
func Modes() []string { return []string{Auto, Always, Never} }

// ModeError is a color mode other than auto, always and never; a CLI
// names its own flag.
type ModeError struct{ Mode string }

func (e *ModeError) Error() string {
	return fmt.Sprintf("unknown color mode %q: use auto, always or never", e.Mode)
}

// Detect decides the style for output written to w under the color mode:
// always and never are obeyed; auto colors only a terminal, and never when
// NO_COLOR is set to anything (https://no-color.org) or TERM is dumb or
// unset. getenv reads the environment (os.Getenv; tests pass their own).
func Detect(mode string, w io.Writer, getenv func(string) string) (Style, error) {
	switch mode {
	case Always:
		return Style{Color: true}, nil
	case Never:
		return Style{}, nil
	case Auto, "":
	default:
		return Style{}, &ModeError{Mode: mode}
	}
	if getenv("NO_COLOR") != "" {
		return Style{}, nil
	}
	if t := getenv("TERM"); t == "" || t == "dumb" {
		return Style{}, nil
	}
	// A writer that wraps another (the CLI counts what it writes) is asked
	// for the one underneath.
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return Style{Color: ok && term.IsTerminal(int(f.Fd()))}, nil
}

// SGR sequences: gcc's colors for error, warning and note, and green for a
// clean verdict.
const (
	boldRed     = "\033[1;31m"
	boldMagenta = "\033[1;35m"
	boldCyan    = "\033[1;36m"
	boldGreen   = "\033[1;32m"
	bold        = "\033[1m"
	reset       = "\033[0m"
)

func (s Style) paint(sgr, text string) string {
	if !s.Color || text == "" {
		return text
	}
	return sgr + text + reset
}

// Severity colors a severity word (error, warning, note) as gcc does.
func (s Style) Severity(sev string) string {
	switch sev {
	case "error":
		return s.paint(boldRed, sev)
	case "warning":
		return s.paint(boldMagenta, sev)
	case "note":
		return s.paint(boldCyan, sev)
	}
	return sev
}

// Verdict colors a verdict: green when good, red when bad, bold when
// neither (not applicable, notes only).
func (s Style) Verdict(text string, good, bad bool) string {
	switch {
	case bad:
		return s.paint(boldRed, text)
	case good:
		return s.paint(boldGreen, text)
	}
	return s.paint(bold, text)
}
