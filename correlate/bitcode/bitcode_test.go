package bitcode_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate/bitcode"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/testenv"
)

func TestMain(m *testing.M) { fixturetest.Main(m) }

func bitcodeObjects(t *testing.T) []string {
	t.Helper()
	set := fixturetest.Get(t)
	var objs []string
	for _, v := range set.Variants {
		objs = append(objs, v.Objects[1:]...) // Objects[0] is entry.o, ELF
	}
	sort.Strings(objs)
	return objs
}

func read(t *testing.T, data []byte, name string) (*bitcode.Module, error) {
	t.Helper()
	return bitcode.Read(bytes.NewReader(data), int64(len(data)), name)
}

// nmLine renders a symbol the way llvm-nm prints bitcode symbols: T/t for
// functions, D/d for data, U for undefined.
func nmLine(s bitcode.Symbol) string {
	letter := "d"
	switch {
	case s.Undefined:
		letter = "u"
	case s.Executable:
		letter = "t"
	}
	if s.Global || s.Undefined {
		letter = strings.ToUpper(letter)
	}
	if s.Weak && !s.Undefined {
		letter = "W"
	}
	return letter + " " + s.Name
}

// TestAgainstLLVMNM reads every bitcode fixture natively and compares names,
// bindings and kinds with what llvm-nm-22 prints for the same file.
func TestAgainstLLVMNM(t *testing.T) {
	nm := testenv.Tool(t, "llvm-nm-22")
	for _, obj := range bitcodeObjects(t) {
		t.Run(filepath.Base(filepath.Dir(obj))+"/"+filepath.Base(obj), func(t *testing.T) {
			data, err := os.ReadFile(obj)
			if err != nil {
				t.Fatal(err)
			}
			m, err := read(t, data, obj)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range m.Symbols {
				if !s.FormatSpecific {
					got = append(got, nmLine(s))
				}
			}
			sort.Strings(got)
			out, err := exec.Command(nm, obj).Output()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(line)
				if len(f) == 2 { // undefined: "U name"
					want = append(want, f[0]+" "+f[1])
				} else if len(f) == 3 {
					want = append(want, f[1]+" "+f[2])
				}
			}
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("native:\n%s\nllvm-nm-22:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if m.Producer != "22.1.8" && !strings.HasPrefix(m.Producer, "22.") {
				t.Errorf("producer %q, want LLVM 22", m.Producer)
			}
			if !strings.HasPrefix(m.Identification, "LLVM22") {
				t.Errorf("identification %q, want LLVM22...", m.Identification)
			}
			if want := strings.TrimSuffix(filepath.Base(obj), ".o") + ".c"; m.SourceFileName != want {
				t.Errorf("source file %q, want %q", m.SourceFileName, want)
			}
			if m.Version < 1 || m.Version > 3 {
				t.Errorf("version %d", m.Version)
			}
		})
	}
}

// wrap puts bitcode inside the wrapper header (as Darwin toolchains and
// some build systems write it), with trailing padding.
func wrap(bc []byte) []byte {
	hdr := make([]byte, 20)
	binary.LittleEndian.PutUint32(hdr[0:], 0x0b17c0de)
	binary.LittleEndian.PutUint32(hdr[8:], 20)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(bc)))
	binary.LittleEndian.PutUint32(hdr[16:], 7)
	out := append(hdr, bc...)
	return append(out, make([]byte, 12)...)
}

func TestWrapper(t *testing.T) {
	obj := bitcodeObjects(t)[0]
	data, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := read(t, data, obj)
	if err != nil {
		t.Fatal(err)
	}
	if !bitcode.IsBitcode(wrap(data)) || !bitcode.IsBitcode(data) || bitcode.IsBitcode([]byte("\x7fELF")) {
		t.Fatal("IsBitcode is wrong")
	}
	wrapped, err := read(t, wrap(data), obj)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrapped.Symbols) != len(plain.Symbols) || wrapped.SourceFileName != plain.SourceFileName {
		t.Fatalf("wrapped: %+v, plain: %+v", wrapped, plain)
	}
}

func TestMalformed(t *testing.T) {
	obj := bitcodeObjects(t)[0]
	good, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input []byte
		want  string
		is    error
	}{
		{"not bitcode", []byte("\x7fELF...."), "not LLVM bitcode", bitcode.ErrNotBitcode},
		{"magic only", []byte("BC\xc0\xde"), "no SYMTAB/STRTAB", bitcode.ErrNoSymtab},
		{"truncated", good[:len(good)/2], "claims", nil},
		{"wrapper past end", func() []byte { w := wrap(good); binary.LittleEndian.PutUint32(w[12:], 1<<30); return w }(), "outside the file", nil},
		{"wrapper short", []byte{0xde, 0xc0, 0x17, 0x0b, 0, 0}, "truncated bitcode wrapper", nil},
		{"garbage block", append([]byte("BC\xc0\xde"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(t, tt.input, "bad.bc")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.bc") {
				t.Fatalf("error %q, want it to name the file and contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("%v does not wrap %v", err, tt.is)
			}
		})
	}
}

// TestUnknownVersion: a symbol table layout from a future LLVM is not
// guessed at; the error lets the caller fall back to llvm-nm and names the
// producer.
func TestUnknownVersion(t *testing.T) {
	obj := bitcodeObjects(t)[0]
	data, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	m, err := read(t, data, obj)
	if err != nil {
		t.Fatal(err)
	}
	idx := findSymtabBlob(t, data, m.Version)
	bad := append([]byte{}, data...)
	binary.LittleEndian.PutUint32(bad[idx:], 99)
	_, err = read(t, bad, "future.o")
	var nse *bitcode.NoSymtabError
	if !errors.As(err, &nse) || !errors.Is(err, bitcode.ErrNoSymtab) {
		t.Fatalf("error %v, want a NoSymtabError", err)
	}
	if !strings.HasPrefix(nse.Identification, "LLVM22") || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("error %q should name version 99 and the LLVM 22 producer", err)
	}
}

// findSymtabBlob locates the irsymtab header: the version word followed by
// the producer string {offset, size} whose size is len("22.1.8").
func findSymtabBlob(t *testing.T, data []byte, version uint32) int {
	t.Helper()
	for i := 0; i+12 <= len(data); i += 4 {
		if binary.LittleEndian.Uint32(data[i:]) == version && binary.LittleEndian.Uint32(data[i+8:]) == 6 {
			return i
		}
	}
	t.Fatal("irsymtab header not found")
	return 0
}

// FuzzRead: any bytes give a module or an error, never a panic.
func FuzzRead(f *testing.F) {
	// testdata/fuzz/FuzzRead holds a real clang-22 -flto=thin object.
	f.Add([]byte("BC\xc0\xde"))
	f.Add(wrap([]byte("BC\xc0\xde\x35\x14\x00\x00\x05\x00\x00\x00")))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := bitcode.Read(bytes.NewReader(data), int64(len(data)), "fuzz.bc")
		if err == nil && m == nil {
			t.Fatal("nil module without error")
		}
	})
}
