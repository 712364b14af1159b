package dwarfunits_test

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate/dwarfunits"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/elfgen"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/testenv"
)

func TestMain(m *testing.M) { fixturetest.Main(m) }

// summary renders units the same way for this package and for
// llvm-dwarfdump: one line per unit with its kind and sorted names.
func summary(units []dwarfunits.Unit) string {
	var lines []string
	for _, u := range units {
		kind := "c"
		names := append(append(append([]string{}, u.Externals...), prefix("static:", u.Statics)...), prefix("inlined:", u.Inlined)...)
		if u.Asm() {
			kind = "asm"
			names = u.Labels
		}
		sort.Strings(names)
		lines = append(lines, fmt.Sprintf("%s %s: %s", kind, u.Name, strings.Join(names, " ")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func prefix(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

var (
	dieLine  = regexp.MustCompile(`^0x[0-9a-f]+:( *)(DW_TAG_\w+|NULL)`)
	attrLine = regexp.MustCompile(`^\s+(DW_AT_\w+)\s+\((.*)\)$`)
)

// dwarfdump builds the same summary from llvm-dwarfdump-22's text output.
func dwarfdump(t *testing.T, tool, path string) string {
	t.Helper()
	return summary(dwarfdumpUnits(t, tool, path))
}

// dwarfdumpUnits are the compile units llvm-dwarfdump-22 shows; split-DWARF
// skeletons (DW_TAG_skeleton_unit, or a unit with DW_AT_GNU_dwo_name) are
// left out: their contents are in the .dwo, which the caller dumps.
func dwarfdumpUnits(t *testing.T, tool, path string) []dwarfunits.Unit {
	t.Helper()
	out, err := exec.Command(tool, "--debug-info", path).Output()
	if err != nil {
		t.Fatalf("llvm-dwarfdump: %v", err)
	}
	var units []dwarfunits.Unit
	var skeleton []bool
	type die struct {
		off                   string
		depth                 int
		tag                   string
		name                  string
		external, declaration bool
		inlined, code         bool
		origin                string
	}
	var cur *die
	// A unit's abstract instance roots (DW_AT_inline) are definitions only
	// when one of its out-of-line instances (DW_AT_abstract_origin, with
	// code) points at them; otherwise they are only inlined there.
	var abstract []*die
	concrete := map[string]bool{}
	endUnit := func() {
		if len(units) == 0 {
			return
		}
		u := &units[len(units)-1]
		for _, d := range abstract {
			switch {
			case !concrete[d.off]:
				u.Inlined = append(u.Inlined, d.name)
			case d.external:
				u.Externals = append(u.Externals, d.name)
			default:
				u.Statics = append(u.Statics, d.name)
			}
		}
		abstract, concrete = nil, map[string]bool{}
	}
	flush := func() {
		if cur == nil || len(units) == 0 {
			return
		}
		u := &units[len(units)-1]
		if cur.depth == 1 && cur.tag == "DW_TAG_subprogram" && cur.origin != "" && cur.code {
			concrete[cur.origin] = true
		}
		switch {
		case cur.depth == 0:
			u.Name = cur.name
		case cur.depth == 1 && u.Asm() && cur.tag == "DW_TAG_label":
			u.Labels = append(u.Labels, cur.name)
		case cur.depth == 1 && !u.Asm() && cur.tag == "DW_TAG_subprogram" && cur.inlined && cur.name != "":
			abstract = append(abstract, cur)
		case cur.depth == 1 && !u.Asm() && (cur.tag == "DW_TAG_subprogram" || cur.tag == "DW_TAG_variable") && cur.name != "" && !cur.declaration:
			if cur.external {
				u.Externals = append(u.Externals, cur.name)
			} else {
				u.Statics = append(u.Statics, cur.name)
			}
		}
		cur = nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		if m := dieLine.FindStringSubmatch(line); m != nil {
			flush()
			if m[2] == "NULL" {
				continue
			}
			d := &die{off: strings.TrimLeft(strings.TrimPrefix(line[:strings.Index(line, ":")], "0x"), "0"), depth: (len(m[1]) - 1) / 2, tag: m[2]}
			if d.tag == "DW_TAG_compile_unit" || d.tag == "DW_TAG_skeleton_unit" {
				endUnit()
				units = append(units, dwarfunits.Unit{})
				skeleton = append(skeleton, d.tag == "DW_TAG_skeleton_unit")
				d.depth = 0
			}
			cur = d
			continue
		}
		m := attrLine.FindStringSubmatch(line)
		if m == nil || cur == nil {
			continue
		}
		switch m[1] {
		case "DW_AT_name":
			cur.name = strings.Trim(m[2], `"`)
		case "DW_AT_external":
			cur.external = m[2] == "true"
		case "DW_AT_declaration":
			cur.declaration = m[2] == "true"
		case "DW_AT_inline":
			cur.inlined = m[2] == "DW_INL_inlined" || m[2] == "DW_INL_declared_inlined"
		case "DW_AT_abstract_origin":
			// (0x000191be "name"): the offset in the section
			if f := strings.Fields(m[2]); len(f) > 0 && strings.HasPrefix(f[0], "0x") {
				cur.origin = strings.TrimLeft(strings.TrimPrefix(f[0], "0x"), "0")
			}
		case "DW_AT_low_pc", "DW_AT_ranges":
			cur.code = true
		case "DW_AT_GNU_dwo_name":
			if cur.depth == 0 && len(skeleton) > 0 && !strings.HasSuffix(path, ".dwo") {
				skeleton[len(skeleton)-1] = true
			}
		case "DW_AT_language":
			if cur.depth == 0 && strings.Contains(m[2], "Assembler") {
				units[len(units)-1].Language = dwarfunits.LangMipsAssembler
			}
		}
	}
	flush()
	endUnit()
	var full []dwarfunits.Unit
	for i, u := range units {
		if !skeleton[i] {
			full = append(full, u)
		}
	}
	return full
}

// TestAgainstDwarfdump reads the units of every fixture with debug info
// (a final link, an ld -r link whose DWARF needs its relocations applied,
// an assembly object, and the assembly fixture for six targets, i386 with
// REL relocations) and compares with llvm-dwarfdump-22.
func TestAgainstDwarfdump(t *testing.T) {
	tool := testenv.Tool(t, "llvm-dwarfdump-22")
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	files := []string{orig.Vmlinux, orig.VmlinuxO, orig.Objects[0]}
	for _, a := range set.Arches {
		files = append(files, a.Object, a.Relocatable, a.Linked)
	}
	for _, path := range files {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			f, err := elfsym.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			units, err := dwarfunits.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			got, want := summary(units), dwarfdump(t, tool, path)
			if got != want {
				t.Errorf("units:\n%s\nllvm-dwarfdump-22:\n%s", got, want)
			}
			if !strings.Contains(got, "asm ") {
				t.Errorf("no assembly unit found:\n%s", got)
			}
		})
	}
}

// TestFixtureFacts pins what the provenance depends on in the ld -r link:
// entry.S is an assembly unit defining clash_hard and clash_latent, and
// seq.c defines both as statics.
func TestFixtureFacts(t *testing.T) {
	set := fixturetest.Get(t)
	f, err := elfsym.Open(set.Variants["orig"].VmlinuxO)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	units, err := dwarfunits.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	s := summary(units)
	for _, want := range []string{
		"asm entry.S: clash_hard clash_latent copy_page.cold copy_page.isra.0 start",
		"c seq.c: seq_clash seq_latent seq_peek seq_shared static:clash_hard static:clash_hard_bias static:clash_latent",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
}

func TestNoDWARF(t *testing.T) {
	b, _ := elfgen.Write(elfgen.Spec{Class64: true})
	f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "gen.o")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dwarfunits.Read(f); !errors.Is(err, dwarfunits.ErrNoDWARF) {
		t.Fatalf("error %v, want ErrNoDWARF", err)
	}
}

// asmUnit hand-assembles a DWARF unit like the one llvm-mc writes for a .S
// file: a compile unit (name, language) with two DW_TAG_label children,
// strings inline. version 4 or 5.
func asmUnit(version int) (info, abbrev []byte) {
	abbrev = []byte{
		1, 0x11, 1, // code 1: compile_unit, children
		0x03, 0x08, // name: string
		0x13, 0x05, // language: data2
		0, 0,
		2, 0x0a, 0, // code 2: label, no children
		0x03, 0x08, // name: string
		0x11, 0x01, // low_pc: addr
		0, 0,
		0,
	}
	body := []byte{1}
	body = append(body, "entry.S\x00"...)
	body = append(body, 0x01, 0x80) // DW_LANG_Mips_Assembler, little-endian
	for _, l := range []string{"clash_hard", "start"} {
		body = append(body, 2)
		body = append(body, l+"\x00"...)
		body = append(body, make([]byte, 8)...)
	}
	body = append(body, 0)
	var hdr []byte
	if version == 5 {
		hdr = []byte{5, 0, 1, 8, 0, 0, 0, 0} // version, DW_UT_compile, addr size, abbrev offset
	} else {
		hdr = []byte{4, 0, 0, 0, 0, 0, 8} // version, abbrev offset, addr size
	}
	unit := append(hdr, body...)
	n := len(unit)
	info = append([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}, unit...)
	return info, abbrev
}

func fileWithDWARF(t testing.TB, info, abbrev, str []byte) *elfsym.File {
	b, _ := elfgen.Write(elfgen.Spec{Class64: true, Extra: []elfgen.Section{
		{Name: ".debug_info", Data: info}, {Name: ".debug_abbrev", Data: abbrev}, {Name: ".debug_str", Data: str}}})
	f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), "gen.o")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestHandMadeUnits(t *testing.T) {
	for _, v := range []int{4, 5} {
		info, abbrev := asmUnit(v)
		units, err := dwarfunits.Read(fileWithDWARF(t, info, abbrev, nil))
		if err != nil {
			t.Fatalf("DWARF %d: %v", v, err)
		}
		if got := summary(units); got != "asm entry.S: clash_hard start" {
			t.Errorf("DWARF %d: %q", v, got)
		}
	}
}

func TestMalformedDWARF(t *testing.T) {
	info, abbrev := asmUnit(5)
	tests := []struct {
		name         string
		info, abbrev []byte
		want         string
	}{
		{"unit length past end", append([]byte{0xff, 0, 0, 0}, info[4:]...), abbrev, "runs past the end of .debug_info"},
		{"truncated header", info[:6], abbrev, "truncated unit header"},
		{"bad version", append(append([]byte{}, info[:4]...), append([]byte{9, 0}, info[6:]...)...), abbrev, "DWARF version 9"},
		{"unknown abbreviation", info, []byte{7, 0x11, 1, 0, 0, 0}, "abbreviation code 1 not in the table"},
		{"unknown form", info, []byte{1, 0x11, 1, 0x03, 0x7f, 0, 0, 0}, "unknown attribute form 0x7f"},
		{"abbrev offset past end", func() []byte { b := append([]byte{}, info...); b[8] = 0xff; return b }(), abbrev, "past the end of .debug_abbrev"},
		// Code 1 as a base type: a fixed-size kind the walk never decodes,
		// then one of variable size.
		{"unit of a fixed-size kind", info, []byte{1, 0x24, 1, 0x0b, 0x0b, 0, 0, 0}, "unit starts with tag 0x24, not a compile unit"},
		{"unit of a variable-size kind", info, []byte{1, 0x24, 1, 0x03, 0x08, 0, 0, 0}, "unit starts with tag 0x24, not a compile unit"},
		// A form number of 2^32, past what 32 bits hold.
		{"form past 32 bits", info, []byte{1, 0x11, 1, 0x03, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0}, "unknown attribute form 0xffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dwarfunits.Read(fileWithDWARF(t, tt.info, tt.abbrev, nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "gen.o") {
				t.Fatalf("error %v, want one naming gen.o and containing %q", err, tt.want)
			}
		})
	}
}

// FuzzRead: any .debug_info/.debug_abbrev/.debug_str contents give units
// or an error, never a panic.
func FuzzRead(f *testing.F) {
	for _, v := range []int{4, 5} {
		info, abbrev := asmUnit(v)
		f.Add(info, abbrev, []byte("name\x00"))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 0x11, 0, 0, 0}, []byte{})
	f.Fuzz(func(t *testing.T, info, abbrev, str []byte) {
		units, err := dwarfunits.Read(fileWithDWARF(t, info, abbrev, str))
		if err == nil {
			for _, u := range units {
				_ = u.Asm()
			}
		}
	})
}

// BenchmarkReadKernel reads every unit of the real 6.12 ThinLTO vmlinux.o
// (1,682 DWARF 5 units, 2.2 M relocations), skipped when it is not built.
func BenchmarkReadKernel(b *testing.B) {
	k := testenv.Kernel(b)
	path := filepath.Join(k.Orig, "vmlinux.o")
	b.ReportAllocs()
	for b.Loop() {
		f, err := elfsym.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		units, err := dwarfunits.Read(f)
		if err != nil || len(units) == 0 {
			b.Fatal(err)
		}
		f.Close()
	}
}
