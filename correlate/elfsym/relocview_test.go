package elfsym_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/elfgen"
	"klpcheck/internal/testenv"
)

// relocatedSections are the sections of a kernel's vmlinux.o whose fields
// the DWARF reader relocates lazily.
var relocatedSections = []string{".debug_info", ".debug_str_offsets", ".debug_line", ".debug_addr"}

// TestSectionViewKernel: on the real 6.12 vmlinux.o (0.94 M relocations
// for .debug_info, 1.27 M for .debug_str_offsets), every 4- and 8-byte
// field Relocs.Field reads, at every relocated offset and the bytes around
// it, is what ApplyRelocations writes into a copy; and Within gives the
// same answers, also for fields outside its range.
func TestSectionViewKernel(t *testing.T) {
	k := testenv.Kernel(t)
	path := filepath.Join(k.Planted, "vmlinux.o")
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range relocatedSections {
		t.Run(name, func(t *testing.T) {
			s := f.SectionByName(name)
			view, rel, ok, err := f.SectionView(s)
			if err != nil || !ok || rel == nil {
				t.Fatalf("SectionView: ok %v, relocs %v, err %v; want the mapped bytes and their relocations", ok, rel != nil, err)
			}
			want, err := f.SectionData(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.ApplyRelocations(s, want); err != nil {
				t.Fatal(err)
			}
			if string(view) == string(want) {
				t.Fatal("the view is relocated already: the test would prove nothing")
			}
			checked := 0
			sub := rel.Within(uint64(len(want))/3, uint64(len(want))/2)
			for off := uint64(0); off+8 <= uint64(len(want)); off++ {
				if view[off] == want[off] && off%97 != 0 {
					continue // only where the relocations changed something, and a sample elsewhere
				}
				for _, n := range []int{4, 8} {
					w := binary.LittleEndian.Uint64(want[off:])
					if n == 4 {
						w = uint64(uint32(w))
					}
					if got := rel.Field(off, n); got != w {
						t.Fatalf("Field(%#x, %d) = %#x, ApplyRelocations gives %#x", off, n, got, w)
					}
					if got := sub.Field(off, n); got != w {
						t.Fatalf("Within: Field(%#x, %d) = %#x, ApplyRelocations gives %#x", off, n, got, w)
					}
					checked++
				}
			}
			t.Logf("%s: %d fields compared", name, checked)
		})
	}
}

// TestSectionViewFallback: a relocation table that is not sorted by
// offset cannot be searched, and SectionView says so instead of answering
// wrong; the file not mapped (New over a reader) says the same.
func TestSectionViewFallback(t *testing.T) {
	k := testenv.Kernel(t)
	path := filepath.Join(k.Planted, "vmlinux.o")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rela := f.SectionByName(".rela.debug_info")
	f.Close()
	// Swap the first two entries.
	tab := b[rela.Offset : rela.Offset+48]
	var first [24]byte
	copy(first[:], tab[:24])
	copy(tab[:24], tab[24:48])
	copy(tab[24:], first[:])
	out := filepath.Join(t.TempDir(), "vmlinux.o")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := elfsym.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, _, ok, err := g.SectionView(g.SectionByName(".debug_info")); ok || err != nil {
		t.Errorf("unsorted table: ok %v, err %v; want not ok, no error", ok, err)
	}
	if _, rel, ok, err := g.SectionView(g.SectionByName(".debug_str_offsets")); !ok || rel == nil || err != nil {
		t.Errorf(".debug_str_offsets, still sorted: ok %v, err %v; want ok", ok, err)
	}
	fh, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	h, err := elfsym.New(fh, int64(len(b)), out)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := h.SectionView(h.SectionByName(".debug_str_offsets")); ok || err != nil {
		t.Errorf("file not mapped: ok %v, err %v; want not ok, no error", ok, err)
	}
}

// FuzzSectionView: for any section bytes and any ELF64 RELA table for it
// (offsets, symbols, types and addends as the fuzzer picks), reading a
// field through SectionView's relocations gives what ApplyRelocations
// writes into a copy, at every offset; or SectionView declines (an
// unsorted or overlapping table: the caller then applies them all) or
// reports an error, which ApplyRelocations reports too.
func FuzzSectionView(f *testing.F) {
	entry := func(off uint64, sym uint32, typ uint32, addend uint64) []byte {
		e := make([]byte, 24)
		binary.LittleEndian.PutUint64(e, off)
		binary.LittleEndian.PutUint64(e[8:], uint64(sym)<<32|uint64(typ))
		binary.LittleEndian.PutUint64(e[16:], addend)
		return e
	}
	seed := append(append(entry(0, 1, 10, 0x40), entry(4, 2, 1, 7)...), entry(13, 1, 10, 0x1234)...)
	f.Add(make([]byte, 32), seed, uint64(5))
	f.Add(make([]byte, 16), append(entry(8, 1, 10, 1), entry(0, 1, 10, 2)...), uint64(0))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, entry(3, 1, 1, 0), uint64(1<<40))
	f.Fuzz(func(t *testing.T, data, rela []byte, value uint64) {
		if len(data) == 0 || len(data) > 4096 || len(rela) > 24*64 {
			return
		}
		rela = rela[:len(rela)/24*24]
		b, _ := elfgen.Write(elfgen.Spec{Class64: true, Machine: elfsym.EMX8664,
			Symbols: []elfgen.Symbol{{Name: "a", Info: elfgen.Info(0, 3), Shndx: elfgen.Text, Value: value}, {Name: "b", Info: elfgen.Info(1, 1), Shndx: elfgen.Data, Value: value >> 3}},
			Extra:   []elfgen.Section{{Name: ".debug_info", Data: data, Rela: rela}}})
		path := filepath.Join(t.TempDir(), "f.o")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ef, err := elfsym.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer ef.Close()
		s := ef.SectionByName(".debug_info")
		want, err := ef.SectionData(s)
		if err != nil {
			t.Fatal(err)
		}
		applyErr := ef.ApplyRelocations(s, want)
		view, rel, ok, err := ef.SectionView(s)
		// Declining (an unsorted table) may come before the entry that is
		// wrong: the caller's fallback, ApplyRelocations, reports it then.
		switch {
		case err != nil && applyErr == nil:
			t.Fatalf("SectionView error %v, ApplyRelocations none", err)
		case ok && applyErr != nil:
			t.Fatalf("SectionView accepted a table ApplyRelocations rejects: %v", applyErr)
		case err != nil || !ok:
			return
		}
		if rel == nil && len(rela) > 0 {
			t.Fatal("a section with relocations viewed without them")
		}
		for _, n := range []int{4, 8} {
			for off := uint64(0); off+uint64(n) <= uint64(len(want)); off++ {
				w := binary.LittleEndian.Uint64(append(want[off:off+uint64(n):off+uint64(n)], make([]byte, 8-n)...))
				got := binary.LittleEndian.Uint64(append(view[off:off+uint64(n):off+uint64(n)], make([]byte, 8-n)...))
				if rel != nil {
					got = rel.Field(off, n)
				}
				if got != w {
					t.Fatalf("Field(%#x, %d) = %#x, ApplyRelocations gives %#x", off, n, got, w)
				}
			}
		}
	})
}

// TestReadMappedTruncated: reading mapped bytes past the end of a file
// that was truncated after it was opened faults (SIGBUS); ReadMapped
// turns that into an error naming the file.
func TestReadMappedTruncated(t *testing.T) {
	b, _ := elfgen.Write(elfgen.Spec{Class64: true, Machine: elfsym.EMX8664,
		Extra: []elfgen.Section{{Name: ".debug_info", Data: make([]byte, 3<<16)}}})
	path := filepath.Join(t.TempDir(), "f.o")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.SectionByName(".debug_info")
	view := f.View(s.Offset, s.Size)
	if view == nil {
		t.Fatal("not mapped")
	}
	if err := os.Truncate(path, int64(s.Offset)); err != nil {
		t.Fatal(err)
	}
	sum := 0
	err = f.ReadMapped(func() error {
		for _, c := range view {
			sum += int(c)
		}
		return nil
	})
	t.Logf("sum of the bytes read: %d", sum) // uses sum: else the loop, and its fault, are compiled away
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v; want one saying %s changed while it was read", err, path)
	}
}
