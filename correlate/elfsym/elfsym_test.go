package elfsym_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/elfgen"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/testenv"
)

func TestMain(m *testing.M) { fixturetest.Main(m) }

// elfFixtures lists every ELF file the fixture build produces.
func elfFixtures(t *testing.T) []string {
	t.Helper()
	set := fixturetest.Get(t)
	var files []string
	for _, v := range set.Variants {
		files = append(files, v.Vmlinux, v.VmlinuxO, v.Objects[0])
	}
	for _, a := range set.Arches {
		files = append(files, a.Object, a.Linked, a.Relocatable)
	}
	return files
}

func readAll(t *testing.T, path string) []elfsym.Symbol {
	t.Helper()
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	it, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var syms []elfsym.Symbol
	for it.Next() {
		syms = append(syms, *it.Symbol())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return syms
}

// TestAgainstDebugELF reads every real fixture (x86_64, aarch64, i386,
// s390x, ppc64, ppc: both classes, both byte orders; executables and
// relocatable links) and compares each symbol with the standard library's
// reader.
func TestAgainstDebugELF(t *testing.T) {
	for _, path := range elfFixtures(t) {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			ref, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			want, err := ref.Symbols()
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, path)
			if len(got) != len(want) {
				t.Fatalf("%d symbols, debug/elf reads %d", len(got), len(want))
			}
			f, err := elfsym.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for i, w := range want {
				g := got[i]
				wantShndx := uint32(w.Section)
				if w.Section >= elf.SHN_LORESERVE {
					wantShndx |= elfsym.Reserved
				}
				if g.Name != w.Name || g.Value != w.Value || g.Size != w.Size || g.Info != w.Info ||
					g.Other != w.Other || g.Shndx != wantShndx || g.Index != uint32(i+1) {
					t.Errorf("symbol %d: got %+v, debug/elf %+v", i+1, g, w)
				}
				if w.Section > 0 && w.Section < elf.SHN_LORESERVE {
					if name := f.SectionName(g.Shndx); name != ref.Sections[w.Section].Name {
						t.Errorf("symbol %s: section %q, debug/elf %q", g.Name, name, ref.Sections[w.Section].Name)
					}
				}
			}
		})
	}
}

// TestExtendedSectionIndices assembles an object with more sections than
// st_shndx can hold (as vmlinux.o has), so the reader must use
// SHT_SYMTAB_SHNDX and the section count in section 0.
func TestExtendedSectionIndices(t *testing.T) {
	clang := testenv.Tool(t, "clang-22")
	dir := t.TempDir()
	const n = 70000
	var src strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, ".section .text.f%d,\"ax\",@progbits\n.globl f%d\n.type f%d,@function\nf%d:\nret\n", i, i, i, i)
	}
	asm := filepath.Join(dir, "many.s")
	obj := filepath.Join(dir, "many.o")
	if err := os.WriteFile(asm, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(clang, "--target=x86_64-linux-gnu", "-c", asm, "-o", obj).CombinedOutput(); err != nil {
		t.Fatalf("clang: %v\n%s", err, out)
	}
	f, err := elfsym.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Sections) <= 0xff00 {
		t.Fatalf("only %d sections: the test needs more than 0xff00", len(f.Sections))
	}
	it, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	seen, beyond := 0, 0
	for it.Next() {
		s := it.Symbol()
		if s.Type() != elfsym.STTFunc {
			continue
		}
		seen++
		if s.Shndx >= 0xff00 {
			beyond++
		}
		if got, want := f.SectionName(s.Shndx), ".text."+s.Name; got != want {
			t.Fatalf("%s is in section %q, want %q", s.Name, got, want)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != n || beyond == 0 {
		t.Fatalf("%d functions (%d past SHN_LORESERVE), want %d with some past it", seen, beyond, n)
	}
}

func TestProgress(t *testing.T) {
	var syms []elfgen.Symbol
	for i := 0; i < 100000; i++ {
		syms = append(syms, elfgen.Symbol{Name: fmt.Sprintf("f%d", i), Info: elfgen.Info(1, 2), Shndx: 1})
	}
	b, _ := elfgen.Write(elfgen.Spec{Class64: true, Symbols: syms})
	f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "gen.o")
	if err != nil {
		t.Fatal(err)
	}
	it, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	var last, total int64
	it.OnProgress(func(done, all int64) {
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		calls++
		last, total = done, all
	})
	for it.Next() {
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if calls < 2 || last != total || total != int64(100001*24) {
		t.Fatalf("progress: %d calls, last %d of %d", calls, last, total)
	}
}

// malformed makes a valid little file and lets a test break one thing in it.
func malformed(class64, big bool, breakIt func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte) []byte {
	b, l := elfgen.Write(elfgen.Spec{Class64: class64, BigEndian: big, Symbols: []elfgen.Symbol{
		{Name: "core.c", Info: elfgen.Info(0, 4), Shndx: 0xfff1},
		{Name: "twice.llvm.123", Info: elfgen.Info(0, 2), Shndx: elfgen.Text, Size: 4},
		{Name: "counter.llvm.123", Info: elfgen.Info(0, 1), Shndx: elfgen.Bss, Size: 4},
		{Name: "kmain", Info: elfgen.Info(1, 2), Shndx: elfgen.Text, Size: 8},
	}})
	var bo binary.ByteOrder = binary.LittleEndian
	if big {
		bo = binary.BigEndian
	}
	if breakIt == nil {
		return b
	}
	return breakIt(b, l, bo)
}

// shdr returns the offset of a field in section header i.
func shdr(l elfgen.Layout, i int, off64, off32 int64, class64 bool) int64 {
	if class64 {
		return l.SectionHeaders + int64(i)*l.ShEntSize + off64
	}
	return l.SectionHeaders + int64(i)*l.ShEntSize + off32
}

// TestMalformed: every broken input is an *elfsym.Error whose message names
// the problem, never a panic and never a silent partial answer.
func TestMalformed(t *testing.T) {
	type breaker func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte
	tests := []struct {
		name  string
		class bool // 64-bit
		big   bool
		input []byte
		brk   breaker
		want  string
		is    error
	}{
		{name: "empty", input: []byte{}, want: "empty file", is: elfsym.ErrNotELF},
		{name: "text", input: []byte("#!/bin/sh\necho hi\n"), want: "not an ELF file", is: elfsym.ErrNotELF},
		{name: "bitcode", input: []byte{'B', 'C', 0xc0, 0xde, 0x35, 0x14}, want: "LLVM bitcode", is: elfsym.ErrNotELF},
		{name: "bitcode wrapper", input: []byte{0xde, 0xc0, 0x17, 0x0b, 0, 0, 0, 0}, want: "LLVM bitcode", is: elfsym.ErrNotELF},
		{name: "archive", input: []byte("!<thin>\n"), want: "ar archive", is: elfsym.ErrNotELF},
		{name: "magic only", input: []byte{0x7f, 'E', 'L', 'F', 2}, want: "truncated ELF identification"},
		{name: "truncated header", class: true, brk: func(b []byte, _ elfgen.Layout, _ binary.ByteOrder) []byte { return b[:40] }, want: "ELF header (64 bytes) runs past the end"},
		{name: "bad class", class: true, brk: func(b []byte, _ elfgen.Layout, _ binary.ByteOrder) []byte { b[4] = 9; return b }, want: "unknown ELF class 9"},
		{name: "bad data", class: true, brk: func(b []byte, _ elfgen.Layout, _ binary.ByteOrder) []byte { b[5] = 0; return b }, want: "unknown ELF data encoding"},
		{name: "no section headers", class: true, brk: func(b []byte, _ elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint64(b[40:], 0)
			return b
		}, want: "no section header table"},
		{name: "section headers past EOF", class: true, brk: func(b []byte, _ elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint64(b[40:], uint64(len(b)+100))
			return b
		}, want: "past the end of the file"},
		{name: "absurd section count", class: false, big: true, brk: func(b []byte, _ elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint16(b[48:], 0xfe00)
			return b
		}, want: "claims 65024 entries"},
		{name: "truncated file", class: true, brk: func(b []byte, l elfgen.Layout, _ binary.ByteOrder) []byte {
			return b[:l.SectionHeaders+l.ShEntSize*2]
		}, want: "more than the"},
		{name: "symtab past EOF", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint64(b[shdr(l, l.SymtabIndex, 24, 16, true):], uint64(len(b)-8))
			return b
		}, want: "symbol table (section 4 \".symtab\") at offset"},
		{name: "symtab absurd size", class: false, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint32(b[shdr(l, l.SymtabIndex, 32, 20, false):], 0xfffffff0)
			return b
		}, want: "runs past the end of the file"},
		{name: "symtab odd size", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint64(b[shdr(l, l.SymtabIndex, 32, 20, true):], 24*3+5)
			return b
		}, want: "not a multiple of the entry size"},
		{name: "symtab bad entsize", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint64(b[shdr(l, l.SymtabIndex, 56, 36, true):], 16)
			return b
		}, want: "entry size 16, want 24"},
		{name: "strtab link out of range", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint32(b[shdr(l, l.SymtabIndex, 40, 24, true):], 999)
			return b
		}, want: "links to string table 999, out of range"},
		{name: "name offset past strtab", class: true, big: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint32(b[l.Symtab+2*l.SymEntSize:], 5000)
			return b
		}, want: "symbol 2: name offset 0x1388 is past the end of the string table"},
		{name: "name without NUL", class: false, brk: func(b []byte, l elfgen.Layout, _ binary.ByteOrder) []byte {
			b[l.Strtab+l.StrtabSize-1] = 'x' // the last name runs off the table
			return b
		}, want: "has no NUL terminator"},
		{name: "section index out of range", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint16(b[l.Symtab+2*l.SymEntSize+6:], 300)
			return b
		}, want: "symbol 2: section index 300 out of range"},
		{name: "xindex without table", class: true, brk: func(b []byte, l elfgen.Layout, bo binary.ByteOrder) []byte {
			bo.PutUint16(b[l.Symtab+2*l.SymEntSize+6:], 0xffff)
			return b
		}, want: "no SHT_SYMTAB_SHNDX table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			if input == nil {
				input = malformed(tt.class, tt.big, tt.brk)
			}
			err := readBytes(input)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			var e *elfsym.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *elfsym.Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.o") {
				t.Fatalf("error %q, want it to name the file and contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestStripped(t *testing.T) {
	for _, tt := range []struct {
		name   string
		dynsym bool
		want   string
	}{
		{"no symbol table", false, "stripped: the file has no symbol table"},
		{"dynsym only", true, ".dynsym, which lists the dynamically exported symbols"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := elfgen.Write(elfgen.Spec{Class64: true, NoSymtab: true, Dynsym: tt.dynsym,
				Symbols: []elfgen.Symbol{{Name: "kmain", Info: elfgen.Info(1, 2), Shndx: 1}}})
			err := readBytes(b)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, elfsym.ErrNoSymtab) {
				t.Fatalf("error %v, want ErrNoSymtab saying %q", err, tt.want)
			}
		})
	}
}

// TestAllLayouts reads the same symbols in the four class/byte order
// combinations.
func TestAllLayouts(t *testing.T) {
	for _, c64 := range []bool{false, true} {
		for _, big := range []bool{false, true} {
			b := malformed(c64, big, nil)
			f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "gen.o")
			if err != nil {
				t.Fatal(err)
			}
			it, err := f.Symbols()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for it.Next() {
				s := it.Symbol()
				names = append(names, fmt.Sprintf("%s/%s/%s/%s", s.Name, elfsym.TypeName(s.Type()), elfsym.BindName(s.Bind()), f.SectionName(s.Shndx)))
			}
			if it.Err() != nil {
				t.Fatal(it.Err())
			}
			want := "core.c/FILE/LOCAL/*ABS* twice.llvm.123/FUNC/LOCAL/.text counter.llvm.123/OBJECT/LOCAL/.bss kmain/FUNC/GLOBAL/.text"
			if got := strings.Join(names, " "); got != want {
				t.Errorf("64-bit %v, big-endian %v: %s, want %s", c64, big, got, want)
			}
		}
	}
}

func readBytes(b []byte) error {
	f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "bad.o")
	if err != nil {
		return err
	}
	it, err := f.Symbols()
	if err != nil {
		return err
	}
	for it.Next() {
	}
	return it.Err()
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := elfsym.Open(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := elfsym.Open(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

// FuzzSymbols: whatever the bytes, reading ends in symbols or an
// *elfsym.Error, never a panic, and every name handed out lies in the file.
func FuzzSymbols(f *testing.F) {
	for _, c64 := range []bool{false, true} {
		for _, big := range []bool{false, true} {
			f.Add(malformed(c64, big, nil))
		}
	}
	b, _ := elfgen.Write(elfgen.Spec{Class64: true, NoSymtab: true, Dynsym: true})
	f.Add(b)
	f.Add([]byte{0x7f, 'E', 'L', 'F', 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := elfsym.New(bytes.NewReader(data), int64(len(data)), "fuzz.o")
		if err != nil {
			var e *elfsym.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *elfsym.Error: %v", err, err)
			}
			return
		}
		it, err := file.Symbols()
		if err != nil {
			return
		}
		n := 0
		for it.Next() {
			s := it.Symbol()
			if len(s.Name) > len(data) || strings.IndexByte(s.Name, 0) >= 0 {
				t.Fatalf("bad name %q", s.Name)
			}
			_ = file.SectionName(s.Shndx)
			n++
		}
		if it.Err() == nil && n != it.Len()-1 && it.Len() > 0 {
			t.Fatalf("read %d of %d symbols without an error", n, it.Len()-1)
		}
	})
}
