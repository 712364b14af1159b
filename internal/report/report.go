// Package report holds what every klpcheck capability shares when it tells a
// pipeline what it found: the exit-status contract, the output formats and
// the JSON encoding conventions.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Exit statuses are a contract that CI pipelines script against.
const (
	// ExitClean means the check ran and found nothing wrong.
	ExitClean = 0
	// ExitFindings means the check ran and found something wrong
	// (an unsupported linker, an error-level finding, a hard conflict).
	ExitFindings = 1
	// ExitError means the check could not run: bad usage, unreadable input,
	// a linker that could not be executed.
	ExitError = 2
)

// Format is an output format selected with --format.
type Format string

// The output formats. Not every command offers SARIF.
const (
	Text  Format = "text"
	JSON  Format = "json"
	SARIF Format = "sarif"
)

// ParseFormat checks a format name against the formats a command offers.
func ParseFormat(value string, allowed ...Format) (Format, error) {
	for _, f := range allowed {
		if string(f) == value {
			return f, nil
		}
	}
	return "", &FormatError{Value: value, Allowed: allowed}
}

// FormatError is a format name that is not among those a command offers;
// a CLI names its own flag.
type FormatError struct {
	Value   string
	Allowed []Format
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("unknown format %q: %s", e.Value, e.Choices())
}

// Choices says which formats there are: "use one of text, json".
func (e *FormatError) Choices() string {
	names := make([]string, len(e.Allowed))
	for i, f := range e.Allowed {
		names[i] = string(f)
	}
	return "use one of " + strings.Join(names, ", ")
}

// WriteJSON writes v as one indented JSON document followed by a newline.
// Nil lists and maps in v are made empty first (FillNil): the documents
// promise [] and {}, never null, where a list or object is documented.
// HTML escaping is off so that symbol names such as "a<b>" and flags such as
// "-mllvm" stay readable to people and to jq.
func WriteJSON(w io.Writer, v any) error {
	FillNil(v)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
