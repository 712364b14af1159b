package correlate

import (
	"bytes"
	"testing"

	"klpcheck/correlate/internal/elfgen"
)

// TestWriteJSONMatchesEncodingJSON holds the hand-written JSON writer to the
// reflection-based rendering, on names that need escaping and on results
// with empty, nil and absent parts.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	weird := []string{`q"uote.llvm.1`, `back\slash.llvm.1`, "tab\there.llvm.2", "ctl\x01.llvm.2", "utf8é.llvm.3",
		"bad\xff.llvm.3", "html<&>.llvm.4", "line\u2028sep.llvm.4", "plain.llvm.5"}
	var orig, patched []elfgen.Symbol
	orig = append(orig, file("a \"c\".c"))
	for i, n := range weird {
		orig = append(orig, lfunc(n))
		patched = append(patched, gfunc(n[:len(n)-1]+string(rune('6'+i%3))))
	}
	patched = append(patched, gfunc("new<thing>"))
	results := map[string]*Result{}
	a, b := synthetic(t, "orig\".o", orig...), synthetic(t, "patched.o", patched...)
	for name, r := range map[string]*Result{"full": resultOf(a, b, true), "no twins": resultOf(b, nil, false)} {
		results[name] = r
	}
	results["zero"] = &Result{}
	results["empty twins"] = &Result{Twins: &Twins{}, Budget: &Budget{Max: 2}}
	for name, res := range results {
		var fast, slow bytes.Buffer
		if err := WriteJSON(&fast, res); err != nil {
			t.Fatal(err)
		}
		if err := writeJSONReflect(&slow, res); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Errorf("%s: WriteJSON differs from encoding/json:\n%s\n---\n%s", name, fast.String(), slow.String())
		}
	}
}

// resultOf runs the analysis steps Analyze runs, on synthetic images.
func resultOf(img, orig *image, twins bool) *Result {
	prov := newProvenance(img, Options{})
	res := &Result{File: img.path, ELF: img.describe(), SymbolEntries: img.entries, Reasons: []string{}}
	res.Suffixed = census(img, prov)
	res.OtherSuffixes = otherSuffixes(img)
	res.Conflicts = findConflicts(img, prov, map[string]HashGroup{})
	res.Provenance = prov.summary()
	if twins {
		res.Twins = correlateTwins(orig, img)
	}
	res.Status, res.Reasons = status(res)
	return res
}
