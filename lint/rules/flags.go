package rules

import (
	"strings"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// OccKind is what a word (or pair of words) of a flags value is.
type OccKind int

// Occurrence kinds.
const (
	// OccVisibility is --lto-whole-program-visibility.
	OccVisibility OccKind = iota
	// OccRename is -mllvm -always-rename-promoted-locals=false.
	OccRename
	// OccSplitPair is a rename pair whose -mllvm and value come from
	// different statements or different probes.
	OccSplitPair
	// OccDangling is -mllvm with nothing after it.
	OccDangling
	// OccLoneRename is the rename value without -mllvm in front.
	OccLoneRename
	// OccMisspelled is a misspelled or inverted form of either flag.
	OccMisspelled
)

// Occurrence is one use of the suffix-reduction flags in a value.
type Occurrence struct {
	Kind     OccKind
	Spelling model.Spelling
	Text     string
	// Pos is where the occurrence starts (the -mllvm of a pair).
	Pos makefile.Pos
	// Info is the provenance of the flag word (the value of a pair).
	Info *eval.Info
	// MllvmInfo is the provenance of the -mllvm word of a pair.
	MllvmInfo *eval.Info
	Maybe     bool
	Why       string
}

func isRenameSpelling(s model.Spelling) bool {
	switch s {
	case model.RenameFalse, model.RenameDefault, model.RenameDoubleDash, model.RenameUnderscore, model.RenameTypo:
		return true
	}
	return false
}

func isMisspelling(s model.Spelling) bool {
	switch s {
	case model.RenameDefault, model.RenameDoubleDash, model.RenameUnderscore, model.RenameTypo, model.VisibilityTypo:
		return true
	}
	return false
}

// mayHoldFlag is a cheap test that text can hold one of the flags or a
// near miss: every spelling Classify recognises keeps one of these pieces.
//
// A short text (most literals) is tested in one pass, trying the pieces
// that start with each byte: ten searches cost more there. A long one is
// searched for each piece, which the vector search does faster than a
// loop over its bytes.
func mayHoldFlag(text string) bool {
	if len(text) >= 256 {
		for _, k := range flagPieces {
			if strings.Contains(text, k) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(text); i++ {
		for _, k := range piecesByByte[text[i]] {
			if strings.HasPrefix(text[i:], k) {
				return true
			}
		}
	}
	return false
}

// piecesByByte lists flagPieces by their first byte.
var piecesByByte = func() (t [256][]string) {
	for _, k := range flagPieces {
		t[k[0]] = append(t[k[0]], k)
	}
	return t
}()

var flagPieces = []string{"mllvm", "whole", "program", "visib", "renam", "promot", "local", "WHOLE", "RENAM", "PROMOT"}

// ScanFlags finds the suffix-reduction flags in a value.
func ScanFlags(v eval.Value) []Occurrence { return scanFlags(v, nil) }

// holdMemo remembers mayHoldFlag for text copied from a literal: every
// configuration's value holds the same literals, and testing a long one
// again for each configuration and variable would dominate the rules' time.
type holdMemo map[litSpan]bool

type litSpan struct {
	lit    *makefile.Lit
	off, n int
}

func (m holdMemo) mayHold(s eval.Segment) bool {
	if m == nil || s.Lit == nil {
		return mayHoldFlag(s.Text)
	}
	k := litSpan{s.Lit, s.Off, len(s.Text)}
	h, ok := m[k]
	if !ok {
		h = mayHoldFlag(s.Text)
		m[k] = h
	}
	return h
}

func scanFlags(v eval.Value, memo holdMemo) []Occurrence {
	hold := false
	for _, s := range v {
		if memo.mayHold(s) {
			hold = true
			break
		}
	}
	if !hold {
		return nil
	}
	words := v.Words()
	var out []Occurrence
	mk := func(kind OccKind, sp model.Spelling, w eval.Word, text string) Occurrence {
		o := Occurrence{Kind: kind, Spelling: sp, Text: text, Pos: w.Pos(), Info: w.Info(), Maybe: w.Maybe()}
		if o.Maybe {
			o.Why = whyOfWord(w)
		}
		return o
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		t := w.Text()
		if t == model.Mllvm || t == "--mllvm" {
			if i+1 >= len(words) {
				out = append(out, mk(OccDangling, model.NotFlag, w, t))
				continue
			}
			n := words[i+1]
			sp := model.Classify(n.Text())
			switch {
			case sp == model.RenameFalse:
				o := mk(OccRename, sp, w, t+" "+n.Text())
				o.Info, o.MllvmInfo = n.Info(), w.Info()
				if n.Maybe() && !o.Maybe {
					o.Maybe, o.Why = true, whyOfWord(n)
				}
				out = append(out, o)
				if split(w.Info(), n.Info()) {
					s := o
					s.Kind = OccSplitPair
					out = append(out, s)
				}
				i++
			case isMisspelling(sp) || sp == model.Visibility:
				o := mk(OccMisspelled, sp, n, t+" "+n.Text())
				o.Pos = w.Pos()
				out = append(out, o)
				i++
			default:
				i++ // another LLVM option, such as -import-instr-limit=5
			}
			continue
		}
		switch sp := model.Classify(t); {
		case sp == model.Visibility:
			out = append(out, mk(OccVisibility, sp, w, t))
		case sp == model.RenameFalse:
			out = append(out, mk(OccLoneRename, sp, w, t))
		case isMisspelling(sp):
			out = append(out, mk(OccMisspelled, sp, w, t))
		case sp == model.MllvmJoined:
			_, val, _ := strings.Cut(t, "=")
			if vs := model.Classify(val); isRenameSpelling(vs) || vs == model.Visibility || vs == model.VisibilityTypo {
				out = append(out, mk(OccMisspelled, sp, w, t))
			}
		}
	}
	return out
}

// split reports whether the two words of a pair were put there separately:
// by different statements, or by different probes.
func split(a, b *eval.Info) bool {
	if a == nil || b == nil {
		return false
	}
	if a.Probe != b.Probe {
		return true
	}
	return a.Stmt != b.Stmt
}

func whyOfWord(w eval.Word) string {
	for _, s := range w.Segs {
		if s.Info != nil && (s.Info.Maybe || s.Info.Unknown) && s.Info.Why != "" {
			return s.Info.Why
		}
	}
	return "a condition"
}

// versionGates returns the version gates on an occurrence's way.
func versionGates(o Occurrence) []*eval.Gate {
	var out []*eval.Gate
	for _, info := range []*eval.Info{o.Info, o.MllvmInfo} {
		if info == nil {
			continue
		}
		for _, g := range info.Gates {
			dup := false
			for _, h := range out {
				if h.At == g.At {
					dup = true
				}
			}
			if !dup {
				out = append(out, g)
			}
		}
	}
	return out
}

// probed reports whether an ld-option probe that tested the rename flag
// chose the occurrence.
func probed(o Occurrence) bool {
	if o.Info == nil || o.Info.Probe == nil || o.Info.Probe.Func != "ld-option" {
		return false
	}
	for _, f := range o.Info.Probe.Flags {
		if model.Classify(f) == model.RenameFalse {
			return true
		}
	}
	return false
}

// hasRename reports whether occs hold the rename pair (definitely or not).
func hasKind(occs []Occurrence, kind OccKind) (present, definite bool) {
	for _, o := range occs {
		if o.Kind == kind {
			present = true
			if !o.Maybe {
				definite = true
			}
		}
	}
	return
}
