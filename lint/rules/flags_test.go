package rules

import (
	"strings"
	"testing"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
)

// value builds an evaluated value whose pieces come from the given
// statements (one per piece), as the evaluator would hand it over.
func value(pieces ...string) eval.Value {
	var v eval.Value
	for i, p := range pieces {
		if i > 0 {
			v = append(v, eval.Segment{Text: " "})
		}
		info := &eval.Info{Stmt: makefile.Pos{File: "Makefile", Line: i + 1, Col: 1}}
		v = append(v, eval.Segment{Text: p, At: info.Stmt, Info: info})
	}
	return v
}

func TestScanFlags(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
		want   string // kinds in order
	}{
		{"the pair", []string{"--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false"}, "vis rename"},
		{"import limit is not ours", []string{"-mllvm -import-instr-limit=5"}, ""},
		{"pair split over statements", []string{"-mllvm", "-always-rename-promoted-locals=false"}, "rename split"},
		{"dangling -mllvm", []string{"--icf=all -mllvm"}, "dangling"},
		{"value alone", []string{"-always-rename-promoted-locals=false"}, "lone"},
		{"inverted", []string{"-mllvm -always-rename-promoted-locals=true"}, "misspelled"},
		{"joined", []string{"-mllvm=-always-rename-promoted-locals=false"}, "misspelled"},
		{"visibility typo", []string{"--lto-whole-program-visiblity"}, "misspelled"},
		{"nothing", []string{"-z noexecstack --build-id=sha1"}, ""},
	}
	names := map[OccKind]string{OccVisibility: "vis", OccRename: "rename", OccSplitPair: "split", OccDangling: "dangling", OccLoneRename: "lone", OccMisspelled: "misspelled"}
	for _, tt := range tests {
		var got []string
		for _, o := range ScanFlags(value(tt.pieces...)) {
			got = append(got, names[o.Kind])
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: %v, want %q", tt.name, got, tt.want)
		}
	}
}

// TestMayHoldFlagFindsEveryPiece checks the one-pass test against a
// search for each piece, at the start, middle and end of a text.
func TestMayHoldFlagFindsEveryPiece(t *testing.T) {
	for _, k := range flagPieces {
		for _, text := range []string{k, "x " + k + " y", "-Wl," + k, "ab" + k[:len(k)-1]} {
			want := false
			for _, q := range flagPieces {
				if strings.Contains(text, q) {
					want = true
				}
			}
			if got := mayHoldFlag(text); got != want {
				t.Errorf("mayHoldFlag(%q) = %v, want %v", text, got, want)
			}
		}
	}
	long := strings.Repeat("value123 w1 ", 30)
	for _, pre := range []string{"", long} {
		if !mayHoldFlag(pre+"value123 w1 w2 program_ local_") || mayHoldFlag(pre+"value123 w1 w2 wholx") {
			t.Errorf("mayHoldFlag misjudges a text of %d bytes without or with a piece late in it", len(pre)+30)
		}
	}
}
