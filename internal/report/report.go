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

// ParseFormat checks a --format value against the formats a command offers.
func ParseFormat(value string, allowed ...Format) (Format, error) {
	names := make([]string, len(allowed))
	for i, f := range allowed {
		if string(f) == value {
			return f, nil
		}
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown --format %q: use one of %s", value, strings.Join(names, ", "))
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
