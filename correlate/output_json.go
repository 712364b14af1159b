package correlate

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"klpcheck/internal/report"
)

// WriteJSON writes the result as the documented JSON document, byte for
// byte what report.WriteJSON writes (indented by two spaces, no HTML
// escaping). The arrays that grow with the kernel (a census of 100,000
// symbols, their twins) are written directly instead of through
// reflection: encoding/json would build and re-indent the whole document in
// memory first, which costs more than the analysis itself.
func WriteJSON(w io.Writer, res *Result) error {
	jw := newJSONWriter(w)
	jw.result(res)
	jw.raw("\n")
	return jw.flush()
}

// result writes one file's document at the writer's depth.
func (jw *jsonWriter) result(res *Result) {
	report.FillNil(res) // [] and {}, never null, as report.WriteJSON writes them
	jw.open('{')
	jw.field("file").str(res.File)
	jw.field("elf").str(res.ELF)
	jw.field("symbol_entries").int(res.SymbolEntries)
	jw.field("suffixed")
	jw.census(&res.Suffixed)
	jw.field("other_suffixes").value(res.OtherSuffixes)
	jw.field("conflicts").value(res.Conflicts)
	jw.field("provenance").value(res.Provenance)
	jw.field("provenance_complete").value(res.ProvenanceComplete)
	jw.field("provenance_problems").value(res.ProvenanceProblems)
	jw.field("twins")
	if res.Twins == nil {
		jw.raw("null")
	} else {
		jw.twins(res.Twins)
	}
	jw.field("budget").value(res.Budget)
	jw.field("prediction").value(res.Prediction)
	jw.field("status").int(res.Status)
	jw.field("reasons").value(res.Reasons)
	jw.close('}')
}

// jsonWriter writes indented JSON the way encoding/json indents it. The
// pieces are appended to buf and written out in blocks of jsonBlock: a
// census is millions of small pieces, and an append costs less than a
// buffered writer's call.
type jsonWriter struct {
	w       io.Writer
	buf     []byte
	depth   int
	first   []bool // per open container: no member written yet
	err     error
	scratch bytes.Buffer
}

const jsonBlock = 256 << 10

func newJSONWriter(w io.Writer) *jsonWriter {
	return &jsonWriter{w: w, buf: make([]byte, 0, jsonBlock+4096)}
}

func (j *jsonWriter) raw(s string) *jsonWriter {
	j.buf = append(j.buf, s...)
	if len(j.buf) >= jsonBlock {
		j.flush()
	}
	return j
}

// flush writes out what buf holds; after an error nothing more is written.
func (j *jsonWriter) flush() error {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
	return j.err
}

// indents is a newline and the indentation of the deepest member
// written, sliced per depth: one write per line, not one per level.
const indents = "\n                                "

func (j *jsonWriter) newline() {
	if n := 1 + 2*j.depth; n <= len(indents) {
		j.raw(indents[:n])
		return
	}
	j.raw("\n")
	for i := 0; i < j.depth; i++ {
		j.raw("  ")
	}
}

func (j *jsonWriter) byte(c byte) *jsonWriter {
	j.buf = append(j.buf, c)
	if len(j.buf) >= jsonBlock {
		j.flush()
	}
	return j
}

func (j *jsonWriter) open(c byte) {
	j.raw(string(c))
	j.depth++
	j.first = append(j.first, true)
}

// close ends a container; an empty one is written "{}" or "[]".
func (j *jsonWriter) close(c byte) {
	empty := j.first[len(j.first)-1]
	j.first = j.first[:len(j.first)-1]
	j.depth--
	if !empty {
		j.newline()
	}
	j.raw(string(c))
}

// next starts a member of the current container.
func (j *jsonWriter) next() *jsonWriter {
	if !j.first[len(j.first)-1] {
		j.byte(',')
	}
	j.first[len(j.first)-1] = false
	j.newline()
	return j
}

func (j *jsonWriter) field(name string) *jsonWriter {
	j.next().str(name)
	return j.raw(": ")
}

func (j *jsonWriter) int(n int) *jsonWriter { return j.raw(strconv.Itoa(n)) }

// str writes a JSON string. Plain printable ASCII, which is nearly every
// symbol name, is written as is; anything else goes through encoding/json
// so that the escaping is exactly its own.
func (j *jsonWriter) str(s string) *jsonWriter {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return j.byte('"').raw(s).byte('"')
	}
	return j.value(s)
}

// value writes anything else with encoding/json, indented to fit in.
func (j *jsonWriter) value(v any) *jsonWriter {
	if j.err != nil {
		return j
	}
	j.scratch.Reset()
	enc := json.NewEncoder(&j.scratch)
	enc.SetEscapeHTML(false)
	prefix := ""
	for i := 0; i < j.depth; i++ {
		prefix += "  "
	}
	enc.SetIndent(prefix, "  ")
	if j.err = enc.Encode(v); j.err != nil {
		return j
	}
	j.buf = append(j.buf, bytes.TrimSuffix(j.scratch.Bytes(), []byte("\n"))...)
	if len(j.buf) >= jsonBlock {
		j.flush()
	}
	return j
}

func (j *jsonWriter) strings(list []string) {
	if list == nil {
		j.raw("null")
		return
	}
	j.open('[')
	for _, s := range list {
		j.next().str(s)
	}
	j.close(']')
}

func (j *jsonWriter) census(c *Census) {
	j.open('{')
	j.field("functions").int(c.Functions)
	j.field("data").int(c.Data)
	j.field("data_strings").int(c.DataStrings)
	j.field("other").int(c.Other)
	j.field("by_hash")
	if c.ByHash == nil {
		j.raw("null")
	} else {
		j.byHash(c.ByHash)
	}
	j.field("symbols")
	if c.Symbols == nil {
		j.raw("null")
	} else {
		j.suffixedSymbols(c.Symbols)
	}
	j.close('}')
}

func (j *jsonWriter) byHash(groups []HashGroup) {
	j.open('[')
	for i := range groups {
		g := &groups[i]
		j.next().open('{')
		j.field("hash").str(g.Hash)
		j.field("file").str(g.File)
		j.field("file_from").str(g.FileFrom)
		j.field("symbols").strings(g.Symbols)
		j.close('}')
	}
	j.close(']')
}

func (j *jsonWriter) suffixedSymbols(list []SuffixedSymbol) {
	j.open('[')
	for i := range list {
		s := &list[i]
		j.next().open('{')
		j.field("name").str(s.Name)
		j.field("base").str(s.Base)
		j.field("hash").str(s.Hash)
		j.field("kind").str(s.Kind)
		j.field("bind").str(s.Bind)
		j.field("section").str(s.Section)
		if s.File != "" {
			j.field("file").str(s.File)
		}
		j.close('}')
	}
	j.close(']')
}

func (j *jsonWriter) twins(t *Twins) {
	j.open('{')
	j.field("orig").str(t.Orig)
	j.field("matched").int(t.Matched)
	j.field("unchanged").int(t.Unchanged)
	j.field("rules").value(t.Rules)
	j.field("skipped").int(t.Skipped)
	j.field("skipped_by").value(t.SkippedBy)
	j.field("renamed")
	if t.Renamed == nil {
		j.raw("null")
	} else {
		j.renamed(t.Renamed)
	}
	j.field("ambiguous").value(t.Ambiguous)
	j.field("unmatched_orig")
	j.twinSymbols(t.UnmatchedOrig)
	j.field("unmatched_patched")
	j.twinSymbols(t.UnmatchedPatched)
	j.field("changed").value(t.Changed)
	j.field("unchanged_count").int(t.UnchangedCount)
	if t.ChangedNote != "" {
		j.field("changed_note").str(t.ChangedNote)
	}
	j.close('}')
}

func (j *jsonWriter) renamed(list []Rename) {
	j.open('[')
	for i := range list {
		r := &list[i]
		j.next().open('{')
		j.field("orig").str(r.Orig)
		j.field("patched").str(r.Patched)
		j.field("rule").str(r.Rule)
		j.field("changes").strings(r.Changes)
		j.field("kind").str(r.Kind)
		if r.File != "" {
			j.field("file").str(r.File)
		}
		j.close('}')
	}
	j.close(']')
}

func (j *jsonWriter) twinSymbols(list []TwinSymbol) {
	if list == nil {
		j.raw("null")
		return
	}
	j.open('[')
	for i := range list {
		s := &list[i]
		j.next().open('{')
		j.field("name").str(s.Name)
		j.field("kind").str(s.Kind)
		j.field("bind").str(s.Bind)
		if s.File != "" {
			j.field("file").str(s.File)
		}
		j.close('}')
	}
	j.close(']')
}

// writeJSONReflect is the plain encoding/json rendering WriteJSON must
// equal; the tests hold them side by side.
func writeJSONReflect(w io.Writer, res *Result) error { return report.WriteJSON(w, res) }
