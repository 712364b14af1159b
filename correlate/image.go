package correlate

import (
	"fmt"
	"slices"
	"strings"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/symname"
)

// sym is one defined symbol of a file, as much as the census, the conflict
// search and the twin matching need. The name is kept as its place in the
// string table: a million of these cost 20 bytes each and hold no pointer
// for the garbage collector to follow.
type sym struct {
	nameOff uint32
	nameLen uint32
	shndx   uint32
	file    uint32 // index into image.fileNames of the STT_FILE a local follows; 0: none
	typ     uint8
	bind    uint8
	vis     uint8
	flags   uint8
}

// flags bits.
const (
	flagPromoted = 1 // the name carries .llvm.<digits>
	// flagUnfiled: a global the link made local (hidden visibility) that
	// sits under an STT_FILE which is not its own. lld writes such symbols
	// at the end of their input file's locals: for a vmlinux linked from
	// vmlinux.o that is after vmlinux.o's last STT_FILE, so every promoted
	// static would seem to come from one file. Such a symbol has no file
	// and is matched as the global it was.
	flagUnfiled = 2
)

func (s *sym) local() bool    { return s.bind == elfsym.STBLocal }
func (s *sym) promoted() bool { return s.flags&flagPromoted != 0 }

// globalScope: a global, or a local that was one until the final link.
func (s *sym) globalScope() bool { return !s.local() || s.flags&flagUnfiled != 0 }

// image is a scanned ELF file.
type image struct {
	path   string
	f      *elfsym.File
	strtab string
	syms   []sym
	// fileNames are the STT_FILE names in order of appearance; entry 0 is
	// "" (no file). fileOcc numbers the entries that share a name, from 1,
	// in the same order: several kernel files share a basename (core.c
	// eleven times), and the position tells them apart between two builds
	// of one tree. fileDup marks the names that occur more than once.
	fileNames []string
	fileOcc   []uint32
	fileDup   []bool
	// sectionFile maps a section to the STT_FILE its section symbol follows:
	// in an ld -r link each promoted function keeps a section of its own
	// (.text.twice.llvm.123), whose section symbol sits among the locals of
	// its source file even though the function itself is global.
	sectionFile map[uint32]uint32
	entries     int // symbol table entries, including the null symbol

	// Only when the bytes of symbols are compared (twins): value and size
	// of each of syms, and, by symbol table index, what a relocation needs
	// to name its target.
	values, sizes []uint64
	table         []tableEntry

	// Only when compact: syms holds the promoted symbols alone, and the
	// others are read again by symbol table index (symbolAt) through it.
	it *elfsym.Symbols
	// fileStarts are the symbol table indices of the STT_FILE entries,
	// by fileNames entry (0 for entry 0).
	fileStarts []uint32
	// mixed are the STT_FILEs that are not their demoted symbols' file
	// (unfileDemoted).
	mixed map[uint32]bool
	// suffixes counts the symbols carrying each of symname.SuffixKinds.
	suffixes map[string]int
	// clash is the conflict search, fed while scanning when compact (a
	// full image feeds it from syms when asked: the original of the twins
	// never is).
	clash *clashIndex
}

// tableEntry is one symbol table entry, as a relocation target.
type tableEntry struct {
	nameOff, nameLen uint32
	shndx            uint32
	typ              uint8
}

// name is the symbol's name.
func (img *image) name(s *sym) string {
	return img.strtab[s.nameOff : s.nameOff+s.nameLen]
}

// fileName is the STT_FILE name of a local symbol, or "".
func (img *image) fileName(s *sym) string { return img.fileNames[s.file] }

// fileLabel is the STT_FILE name of a local symbol for reports, with its
// position among same-named files when the name is not unique ("core.c#3").
func (img *image) fileLabel(s *sym) string {
	if s.file == 0 || !img.fileDup[s.file] {
		return img.fileNames[s.file]
	}
	return fmt.Sprintf("%s#%d", img.fileNames[s.file], img.fileOcc[s.file])
}

// scan opens path and reads its symbol table once; withBytes also keeps
// what comparing the symbols' bytes needs.
func scan(path string, progress func(done, total int64), withBytes bool) (*image, error) {
	return scanMode(path, progress, withBytes, false)
}

// scanMode is scan; compact keeps a record only for the promoted symbols
// (the census's), which is all a census and the conflict search need.
func scanMode(path string, progress func(done, total int64), withBytes, compact bool) (*image, error) {
	f, err := elfsym.Open(path)
	if err != nil {
		return nil, err
	}
	img, err := scanFileMode(f, progress, withBytes, compact)
	if err != nil {
		f.Close()
		return nil, err
	}
	return img, nil
}

func scanFile(f *elfsym.File, progress func(done, total int64)) (*image, error) {
	return scanFileWith(f, progress, false)
}

func scanFileWith(f *elfsym.File, progress func(done, total int64), withBytes bool) (*image, error) {
	return scanFileMode(f, progress, withBytes, false)
}

// scanFileMode reads the symbol table once. Every defined symbol with a
// name is counted for its compiler suffixes and gets a record in syms,
// unless compact: then only the promoted ones do (a million records were
// most of a census's memory), and the others are fed to the conflict
// search as they stream by.
func scanFileMode(f *elfsym.File, progress func(done, total int64), withBytes, compact bool) (*image, error) {
	if withBytes {
		compact = false
	}
	it, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	if progress != nil {
		it.OnProgress(progress)
	}
	img := &image{path: f.Path, f: f, strtab: it.StringTable(), sectionFile: map[uint32]uint32{}, entries: it.Len(), fileNames: []string{""}, fileStarts: []uint32{0}}
	img.suffixes = map[string]int{}
	for _, k := range symname.SuffixKinds {
		img.suffixes[k] = 0
	}
	if compact {
		img.it = it
		img.clash = newClashIndex(it.Len())
	} else {
		img.syms = make([]sym, 0, max(it.Len()-1, 0))
	}
	if withBytes {
		img.values = make([]uint64, 0, max(it.Len()-1, 0))
		img.sizes = make([]uint64, 0, max(it.Len()-1, 0))
		img.table = make([]tableEntry, it.Len())
	}
	linked := f.Type != elfsym.TypeRel
	occ := map[string]uint32{}
	var file uint32
	for it.Next() {
		s := it.Symbol()
		typ := s.Type()
		if withBytes && int(s.Index) < len(img.table) {
			img.table[s.Index] = tableEntry{nameOff: s.NameOff, nameLen: uint32(len(s.Name)), shndx: s.Shndx, typ: typ}
		}
		switch typ {
		case elfsym.STTFile:
			occ[s.Name]++
			img.fileNames = append(img.fileNames, s.Name)
			img.fileOcc = append(img.fileOcc, occ[s.Name])
			img.fileStarts = append(img.fileStarts, s.Index)
			file = uint32(len(img.fileNames) - 1)
			continue
		case elfsym.STTSection:
			if file != 0 && s.Bind() == elfsym.STBLocal {
				img.sectionFile[s.Shndx] = file
			}
			continue
		}
		if !s.Defined() || s.Name == "" {
			continue
		}
		// Neither a promotion nor another compiler suffix without a dot,
		// and most names have none: one search instead of two.
		dot := strings.IndexByte(s.Name, '.') >= 0
		rec := record(s, file, linked, dot)
		if !compact || rec.promoted() {
			img.syms = append(img.syms, rec)
		}
		if dot {
			symname.CountCompilerSuffixes(s.Name, img.suffixes)
		}
		if compact {
			img.feedClash(&rec, s.Name, s.Index)
		}
		if withBytes {
			img.values = append(img.values, s.Value)
			img.sizes = append(img.sizes, s.Size)
		}
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	img.fileOcc = append([]uint32{0}, img.fileOcc...)
	img.fileDup = make([]bool, len(img.fileNames))
	for i, n := range img.fileNames {
		img.fileDup[i] = i > 0 && occ[n] > 1
	}
	img.unfileDemoted()
	return img, nil
}

// record is what the image keeps of symbol s, which follows the STT_FILE
// numbered file, in a linked file or not; dot says whether the name has one.
func record(s *elfsym.Symbol, file uint32, linked, dot bool) sym {
	rec := sym{nameOff: s.NameOff, nameLen: uint32(len(s.Name)), shndx: s.Shndx, typ: s.Type(), bind: s.Bind(), vis: s.Visibility()}
	if rec.bind == elfsym.STBLocal {
		rec.file = file
	}
	if dot && symname.IsPromoted(s.Name) {
		rec.flags |= flagPromoted
	}
	if linked && rec.bind == elfsym.STBLocal && rec.vis != 0 {
		// Only for now: unfileDemoted decides.
		rec.flags |= flagUnfiled
	}
	return rec
}

// feedClash gives the conflict search a symbol that may be either side of
// a clash: a global an assembler may have defined, or a C static (a local,
// or a promoted static whose suffix ends its name: only that one is
// promoted as its plain base name).
func (img *image) feedClash(rec *sym, name string, ref uint32) {
	if !rec.local() && canClash(rec.typ) && !rec.promoted() {
		img.clash.global(name, ref)
	}
	if rec.typ != elfsym.STTFunc && rec.typ != elfsym.STTObject {
		return
	}
	if rec.promoted() {
		if base, ok := promotedAs(name); ok {
			img.clash.static(base, ref)
		}
		return
	}
	if rec.local() {
		img.clash.static(name, ref)
	}
}

// promotedAs is the name a promoted static takes under suffix reduction:
// its base, when the name is the base and its ".llvm.<hash>" suffix.
func promotedAs(name string) (string, bool) {
	p, _ := symname.SplitLLVM(name)
	b := p.Base
	if len(name) != len(b)+len(".llvm.")+len(p.Hash) || name[:len(b)] != b || name[len(b):len(b)+len(".llvm.")] != ".llvm." || name[len(b)+len(".llvm."):] != p.Hash {
		return "", false
	}
	return b, true
}

// unfileDemoted decides, per STT_FILE, whether the demoted globals under it
// belong to it. All promoted statics of one module share its hash, so an
// STT_FILE whose demoted symbols carry more than one hash is not their
// file: their flagUnfiled stays and their file is dropped. Under any other
// STT_FILE (a final link straight from the LTO objects) they keep their file
// and are matched as locals. The records a compact image makes later
// (symbolAt) are decided the same way.
func (img *image) unfileDemoted() {
	hashOf := map[uint32]string{}
	img.mixed = map[uint32]bool{}
	for i := range img.syms {
		s := &img.syms[i]
		if s.flags&flagUnfiled == 0 || !s.promoted() {
			continue
		}
		p, _ := symname.SplitLLVM(img.name(s))
		if h, ok := hashOf[s.file]; ok && h != p.Hash {
			img.mixed[s.file] = true
		}
		hashOf[s.file] = p.Hash
	}
	for i := range img.syms {
		img.unfile(&img.syms[i])
	}
}

func (img *image) unfile(s *sym) {
	if s.flags&flagUnfiled == 0 {
		return
	}
	if s.file != 0 && !img.mixed[s.file] {
		s.flags &^= flagUnfiled
		return
	}
	s.file = 0
}

// symbolAt is the record of symbol table entry i, made again the way the
// scan made its records: for the few symbols a compact image did not keep.
func (img *image) symbolAt(i uint32) (*sym, error) {
	s, err := img.it.At(uint64(i))
	if err != nil {
		return nil, err
	}
	// The STT_FILE the entry follows: the last one before it.
	k, _ := slices.BinarySearch(img.fileStarts, i)
	rec := record(&s, uint32(k-1), img.f.Type != elfsym.TypeRel, strings.IndexByte(s.Name, '.') >= 0)
	img.unfile(&rec)
	return &rec, nil
}

func (img *image) close() {
	if img != nil && img.f != nil {
		img.f.Close()
	}
}

// section names the section a symbol is defined in.
func (img *image) section(s *sym) string { return img.f.SectionName(s.shndx) }

// fileOf returns the source file of a symbol and how it is known: the
// STT_FILE for a local; for a global, the STT_FILE its own section (named
// after it, as function and data sections are) belongs to.
func (img *image) fileOf(s *sym) (file, from string) {
	if s.flags&flagUnfiled != 0 {
		return "", ""
	}
	if s.local() {
		if s.file != 0 {
			return img.fileNames[s.file], FromSymtab
		}
		return "", ""
	}
	f, ok := img.sectionFile[s.shndx]
	if !ok {
		return "", ""
	}
	sec, name := img.section(s), img.name(s)
	if len(sec) > len(name) && strings.HasSuffix(sec, name) && sec[len(sec)-len(name)-1] == '.' {
		return img.fileNames[f], FromSection
	}
	return "", ""
}

// describe is a one-line summary of the file type for the report.
func (img *image) describe() string {
	endian := "little-endian"
	if img.f.ByteOrder.String() == "BigEndian" {
		endian = "big-endian"
	}
	kind := map[uint16]string{elfsym.TypeRel: "relocatable", elfsym.TypeExec: "executable", elfsym.TypeDyn: "shared object"}[img.f.Type]
	if kind == "" {
		kind = fmt.Sprintf("type %d", img.f.Type)
	}
	return fmt.Sprintf("%s %s %s %s", img.f.Class, endian, machineName(img.f.Machine), kind)
}

func machineName(m uint16) string {
	switch m {
	case elfsym.EMX8664:
		return "x86-64"
	case elfsym.EM386:
		return "i386"
	case elfsym.EMAArch64:
		return "aarch64"
	case elfsym.EMS390:
		return "s390"
	case elfsym.EMPPC64:
		return "ppc64"
	case elfsym.EMPPC:
		return "ppc"
	case elfsym.EMARM:
		return "arm"
	case elfsym.EMRISCV:
		return "riscv"
	case elfsym.EMLoongArch:
		return "loongarch"
	}
	return fmt.Sprintf("machine %d", m)
}

// kindName is how reports call a symbol type.
func kindName(typ uint8) string {
	switch typ {
	case elfsym.STTFunc, elfsym.STTGNUIfunc:
		return KindFunc
	case elfsym.STTObject, elfsym.STTTLS, elfsym.STTCommon:
		return KindData
	}
	return KindOther
}

func bindName(b uint8) string {
	switch b {
	case elfsym.STBLocal:
		return "local"
	case elfsym.STBGlobal:
		return "global"
	case elfsym.STBWeak:
		return "weak"
	case elfsym.STBGNUUnique:
		return "unique"
	}
	return fmt.Sprintf("bind-%d", b)
}
