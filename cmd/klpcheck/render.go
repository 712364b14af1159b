package main

import (
	"io"

	"klpcheck/internal/report"
)

// reportWriters are one report's renderings, one per format. Every command
// picks among them the same way, and an error writing the report means it
// could not run (exit 2).
type reportWriters struct {
	json, sarif, text func(io.Writer) error
}

// write renders the report in format to w.
func (rw reportWriters) write(w io.Writer, format report.Format) error {
	write := rw.text
	switch format {
	case report.JSON:
		write = rw.json
	case report.SARIF:
		write = rw.sarif
	}
	if err := write(w); err != nil {
		return couldNotRun(err)
	}
	return nil
}
