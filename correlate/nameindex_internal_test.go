package correlate

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/elfgen"
	"klpcheck/correlate/symname"
	"klpcheck/internal/testenv"
)

// oracleCandidates is the conflict search written the plain way, over a
// full image: a map of the globals by name (the first of each name), probed
// with every static in symbol table order.
func oracleCandidates(img *image) []string {
	globals := map[string]int{}
	for i := range img.syms {
		s := &img.syms[i]
		if s.local() || !canClash(s.typ) || s.promoted() {
			continue
		}
		if _, ok := globals[img.name(s)]; !ok {
			globals[img.name(s)] = i
		}
	}
	var out []string
	for i := range img.syms {
		s := &img.syms[i]
		if s.typ != elfsym.STTFunc && s.typ != elfsym.STTObject {
			continue
		}
		name := img.name(s)
		hard := s.promoted()
		if hard {
			p, _ := symname.SplitLLVM(name)
			if name != p.Base+".llvm."+p.Hash {
				continue
			}
			name = p.Base
		} else if !s.local() {
			continue
		}
		if g, ok := globals[name]; ok {
			out = append(out, candidateString(img, candidate{name: name, global: &img.syms[g], static: s, hard: hard}))
		}
	}
	return out
}

// candidateString is everything a candidate holds, the records of both
// sides included (a compact image makes them again from the table).
func candidateString(img *image, c candidate) string {
	return fmt.Sprintf("%s hard=%v global=%s%+v static=%s%+v", c.name, c.hard, img.name(c.global), *c.global, img.name(c.static), *c.static)
}

func candidateStrings(t *testing.T, img *image) []string {
	t.Helper()
	cands, err := conflictCandidates(img)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cands {
		out = append(out, candidateString(img, c))
	}
	return out
}

// checkCandidates wants the conflict search of a full and of a compact
// image of b to equal the oracle, for the index's hashes and for hashes so
// short that nearly every pair collides (only the names tell them apart).
func checkCandidates(t *testing.T, name string, open func(compact bool) *image) []string {
	t.Helper()
	full := open(false)
	want := oracleCandidates(full)
	for _, compact := range []bool{false, true} {
		for _, mask := range []uint64{0xffffffff, 3} {
			keyMask = mask
			img := open(compact)
			keyMask = 0xffffffff
			if got := candidateStrings(t, img); !slices.Equal(got, want) {
				t.Errorf("%s (compact %v, key mask %#x): candidates\n%q\nwant\n%q", name, compact, mask, got, want)
			}
		}
	}
	return want
}

func openBytes(t *testing.T, b []byte) func(compact bool) *image {
	return func(compact bool) *image {
		t.Helper()
		f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "test.o")
		if err != nil {
			t.Fatal(err)
		}
		img, err := scanFileMode(f, nil, false, compact)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
}

func promoted(name string, hash string) elfgen.Symbol {
	return elfgen.Symbol{Name: name + ".llvm." + hash, Info: elfgen.Info(elfsym.STBGlobal, elfsym.STTFunc), Other: 2, Shndx: elfgen.Text}
}

func gobj(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBGlobal, elfsym.STTObject), Shndx: elfgen.Data}
}

func gweak(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBWeak, elfsym.STTFunc), Shndx: elfgen.Text}
}

// TestClashIndex holds the conflict search to the plain one, case by case.
func TestClashIndex(t *testing.T) {
	tests := []struct {
		name string
		syms []elfgen.Symbol
		want int // candidates
	}{
		{"none", []elfgen.Symbol{file("a.c"), lfunc("x"), gfunc("y")}, 0},
		{"local", []elfgen.Symbol{file("a.c"), lfunc("x"), gfunc("x")}, 1},
		{"local object", []elfgen.Symbol{file("a.c"), lobj("x"), gnotype("x")}, 1},
		{"notype local is no static", []elfgen.Symbol{file("a.c"), lnotype("x"), gfunc("x")}, 0},
		{"first global of a name", []elfgen.Symbol{file("a.c"), lfunc("x"), gobj("x"), gfunc("x"), gweak("x")}, 1},
		{"statics in order", []elfgen.Symbol{file("a.c"), lfunc("x"), file("b.c"), lfunc("x"), lobj("y"), file("a.c"), lfunc("y"), gfunc("y"), gfunc("x")}, 4},
		{"promoted", []elfgen.Symbol{file("a.c"), lfunc("z"), promoted("x", "12"), gfunc("x")}, 1},
		{"promoted with a tail", []elfgen.Symbol{file("a.c"), promoted("x", "12.cold"), gfunc("x"), gfunc("x.cold")}, 0},
		{"promoted twice", []elfgen.Symbol{file("a.c"), promoted("x.llvm.1", "1"), gfunc("x.llvm.1"), gfunc("x")}, 1},
		{"promoted global is no global", []elfgen.Symbol{file("a.c"), lfunc("x.llvm.5"), promoted("x", "5")}, 0},
		{"absolute global", []elfgen.Symbol{file("a.c"), lfunc("x"), gabs("x")}, 1},
		{"no globals", []elfgen.Symbol{file("a.c"), lfunc("x"), lfunc("y")}, 0},
		{"no statics", []elfgen.Symbol{gfunc("x"), gfunc("y")}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := elfgen.Write(elfgen.Spec{Class64: true, Symbols: tt.syms})
			if got := checkCandidates(t, tt.name, openBytes(t, b)); len(got) != tt.want {
				t.Errorf("%d candidates, want %d: %q", len(got), tt.want, got)
			}
		})
	}
}

// TestClashIndexRandom: tables of a few thousand symbols drawn from a
// small set of names, so that most names clash several ways.
func TestClashIndexRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		var locals, globals []elfgen.Symbol
		for i := range 3000 {
			name := fmt.Sprintf("n%d", r.IntN(400))
			switch r.IntN(8) {
			case 0:
				locals = append(locals, file(fmt.Sprintf("f%d.c", i%7)))
			case 1, 2:
				locals = append(locals, lfunc(name))
			case 3:
				locals = append(locals, lobj(name))
			case 4:
				globals = append(globals, promoted(name, fmt.Sprint(r.IntN(3))))
			case 5:
				globals = append(globals, gfunc(name))
			case 6:
				globals = append(globals, gobj(name))
			default:
				globals = append(globals, gnotype(name))
			}
		}
		b, _ := elfgen.Write(elfgen.Spec{Class64: true, Symbols: append(locals, globals...)})
		if got := checkCandidates(t, fmt.Sprint("round ", round), openBytes(t, b)); len(got) == 0 {
			t.Errorf("round %d: no candidates", round)
		}
	}
}

// TestClashIndexKernel: the same on the real vmlinux.o and vmlinux, read
// from the file (a compact image reads its candidates again).
func TestClashIndexKernel(t *testing.T) {
	k := testenv.Kernel(t)
	for _, path := range []string{filepath.Join(k.Planted, "vmlinux.o"), filepath.Join(k.Planted, "vmlinux")} {
		open := func(compact bool) *image {
			t.Helper()
			img, err := scanMode(path, nil, false, compact)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(img.close)
			return img
		}
		got := checkCandidates(t, path, open)
		t.Logf("%s: %d candidates", path, len(got))
		if len(got) == 0 {
			t.Errorf("%s: no candidates (the planted build has two conflicts)", path)
		}
	}
}
