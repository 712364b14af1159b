package correlate

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/objects"
	"klpcheck/correlate/symname"
)

// origin is what provenance knows about one definition.
type origin int

const (
	originUnknown origin = iota
	originAsm            // assembly or another non-LTO object: LLVM never sees it
	originC              // C under LTO
)

// candidate is a global and a C static (promoted or not) of the same name.
type candidate struct {
	name   string
	global *sym
	static *sym
	hard   bool // the static is already promoted (name.llvm.<hash>)
}

// canClash: the types a global of either language can have. Assembly
// labels without .type are NOTYPE.
func canClash(typ uint8) bool {
	switch typ {
	case elfsym.STTFunc, elfsym.STTObject, elfsym.STTNotype, elfsym.STTGNUIfunc:
		return true
	}
	return false
}

// findConflicts pairs globals with same-named C statics and classifies
// each pair by the provenance of both sides. A full image (not compact)
// is never read again, so it cannot fail.
func findConflicts(img *image, prov *provenance, groups map[string]HashGroup) []Conflict {
	cands, _ := conflictCandidates(img)
	return classifyAll(img, prov, groups, cands)
}

// conflictCandidates finds every global with a same-named C static,
// promoted or not, in the order of the statics; a static's global is the
// first global of its name. The scan of a compact image fed both sides to
// img.clash (a full one feeds them here); here the
// pairs whose hashes match have their names compared. It reads the image
// only (a compact one reads the few symbols it did not keep again), so it
// can run beside the census.
func conflictCandidates(img *image) ([]candidate, error) {
	var cands []candidate
	if img.clash == nil {
		img.clash = newClashIndex(len(img.syms))
		for i := range img.syms {
			img.feedClash(&img.syms[i], img.name(&img.syms[i]), uint32(i))
		}
	}
	at := img.clashSymbol()
	pairs := img.clash.pairs()
	for i := 0; i < len(pairs); {
		st := pairs[i].static
		s, err := at(st)
		if err != nil {
			return nil, err
		}
		name := img.name(s)
		hard := s.promoted()
		if hard {
			name, _ = promotedAs(name)
		}
		found := false
		for ; i < len(pairs) && pairs[i].static == st; i++ {
			if found {
				continue
			}
			g, err := at(pairs[i].global)
			if err != nil {
				return nil, err
			}
			if img.name(g) == name {
				cands = append(cands, candidate{name: name, global: g, static: s, hard: hard})
				found = true
			}
		}
	}
	return cands, nil
}

// clashSymbol resolves the references the scan gave img.clash: places in
// img.syms, or for a compact image symbol table indices, each read once.
func (img *image) clashSymbol() func(ref uint32) (*sym, error) {
	if img.it == nil {
		return func(ref uint32) (*sym, error) { return &img.syms[ref], nil }
	}
	read := map[uint32]*sym{}
	return func(ref uint32) (*sym, error) {
		if s, ok := read[ref]; ok {
			return s, nil
		}
		s, err := img.symbolAt(ref)
		if err != nil {
			return nil, err
		}
		read[ref] = s
		return s, nil
	}
}

// classifyAll keeps the candidates provenance does not rule out, sorted.
func classifyAll(img *image, prov *provenance, groups map[string]HashGroup, cands []candidate) []Conflict {
	conflicts := []Conflict{}
	for _, c := range cands {
		if cf, ok := classify(img, prov, groups, c); ok {
			conflicts = append(conflicts, cf)
		}
	}
	rank := map[string]int{ClassHard: 0, ClassLatent: 1, ClassPossible: 2}
	sort.SliceStable(conflicts, func(i, j int) bool {
		a, b := conflicts[i], conflicts[j]
		if a.Class != b.Class {
			return rank[a.Class] < rank[b.Class]
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.C.Symbol < b.C.Symbol
	})
	return conflicts
}

func classify(img *image, prov *provenance, groups map[string]HashGroup, c candidate) (Conflict, bool) {
	asmDef, gOrigin := prov.globalOrigin(img, c.global)
	var cDef Definition
	sOrigin := originC
	if c.hard {
		cDef = definition(img, c.static)
		cDef.Origin = "C"
		// The group's file is a path in the tree; the symbol table's only a
		// basename.
		var file, from string
		if p, ok := symname.SplitLLVM(img.name(c.static)); ok {
			if g, ok := groups[p.Hash]; ok && g.File != "" {
				file, from = g.File, g.FileFrom
			}
		}
		if file == "" {
			file, from = img.fileOf(c.static)
		}
		cDef.File, cDef.From = file, from
		if from == "" {
			cDef.From = FromUnknown
		}
	} else {
		cDef, sOrigin = prov.staticOrigin(img, c.static)
	}
	if gOrigin == originC || sOrigin == originAsm {
		// Both C (LLVM sees the clash and keeps the suffix), or both
		// assembly (not a promotion at all): nothing to report.
		return Conflict{}, false
	}
	cf := Conflict{Name: c.name, Asm: asmDef, C: cDef}
	asmWhere := where(asmDef.File)
	cWhere := where(cDef.File)
	switch {
	case gOrigin == originAsm && c.hard:
		cf.Class = ClassHard
		cf.Suggestion = fmt.Sprintf("rename the assembly global %s%s or the C static %s%s: with suffix reduction the static is promoted as plain %s and ld.lld stops with a duplicate symbol",
			c.name, asmWhere, c.name, cWhere, c.name)
	case gOrigin == originAsm && sOrigin == originC:
		cf.Class = ClassLatent
		cf.Suggestion = fmt.Sprintf("rename the assembly global %s%s or the C static %s%s: the static is not promoted today, but as soon as ThinLTO imports a user of it into another file it is, and the link fails",
			c.name, asmWhere, c.name, cWhere)
	default:
		cf.Class = ClassPossible
		cf.Suggestion = fmt.Sprintf("provenance unknown: pass --build DIR (the kernel object tree) or a file with debug info to tell whether the global %s is assembly", c.name)
	}
	return cf, true
}

func where(file string) string {
	if file == "" {
		return ""
	}
	return " (" + file + ")"
}

func definition(img *image, s *sym) Definition {
	return Definition{Symbol: img.name(s), Kind: kindName(s.typ), Bind: bindName(s.bind), Section: img.section(s)}
}

// globalOrigin says whether a global is defined by assembly (or another
// non-LTO object) or by C: from the build objects, then DWARF.
func (p *provenance) globalOrigin(img *image, g *sym) (Definition, origin) {
	def := definition(img, g)
	if p.build != nil {
		objs := p.build.Globals(img.name(g))
		var nonLTO, lto []*objects.Object
		for _, o := range objs {
			if o.LTO {
				lto = append(lto, o)
			} else {
				nonLTO = append(nonLTO, o)
			}
		}
		switch {
		case len(nonLTO) > 0:
			def.File, def.Origin, def.From = p.sourceList(nonLTO), nonLTO[0].Kind(), FromBuild
			return def, originAsm
		case len(lto) > 0:
			def.File, def.Origin, def.From = objectList(lto), "LLVM bitcode", FromBuild
			return def, originC
		}
	}
	if u, ok := p.asmLabel(img.name(g)); ok {
		def.File, def.Origin, def.From = p.unitPathOf(u), "assembly", FromDWARF
		return def, originAsm
	}
	if p.dwarf() {
		if i, ok := p.cExternals[img.name(g)]; ok {
			def.File, def.Origin, def.From = p.unitPath(i), "C", FromDWARF
			return def, originC
		}
		if p.dwarfExcludesC() {
			// The assembler describes only labels of code sections: a data
			// label (.data, .rodata) of a .S file has no DIE. With every
			// unit read, a global that no C unit defines is not C.
			def.Origin, def.From = OriginNotC, FromDWARF
			return def, originAsm
		}
	}
	def.From = FromUnknown
	return def, originUnknown
}

// OriginNotC is the origin of a global that no C compile unit defines,
// in a file whose DWARF was read completely and has assembly units: an
// assembly data label, or another object LLVM does not see.
const OriginNotC = "not C (no DWARF C unit defines it)"

// dwarfExcludesC reports whether the DWARF is complete enough to conclude
// from a name's absence among the C units' definitions that C does not
// define it: every unit read, C units and assembly units both present.
func (p *provenance) dwarfExcludesC() bool {
	if p.dwarfErr != nil || len(p.cExternals) == 0 {
		return false
	}
	for i := range p.units {
		if p.units[i].Asm() {
			return true
		}
	}
	return false
}

// staticOrigin says whether a local is a C static: from the build objects,
// then DWARF, then the STT_FILE it follows.
func (p *provenance) staticOrigin(img *image, s *sym) (Definition, origin) {
	def := definition(img, s)
	if p.build != nil {
		var nonLTO, lto []*objects.Object
		for _, o := range p.build.Locals(img.name(s)) {
			if o.LTO {
				lto = append(lto, o)
			} else {
				nonLTO = append(nonLTO, o)
			}
		}
		switch {
		case len(lto) > 0:
			def.File, def.Origin, def.From = p.sourceList(lto), "C", FromBuild
			return def, originC
		case len(nonLTO) > 0:
			def.File, def.Origin, def.From = p.sourceList(nonLTO), nonLTO[0].Kind(), FromBuild
			return def, originAsm
		}
	}
	if p.dwarf() {
		if units := p.cStatics.of(img.name(s)); len(units) > 0 {
			names := map[string]bool{}
			var list []string
			for _, i := range units {
				if n := p.unitPath(i); !names[n] {
					names[n] = true
					list = append(list, n)
				}
			}
			sort.Strings(list)
			def.File, def.Origin, def.From = strings.Join(list, ", "), "C", FromDWARF
			return def, originC
		}
		if u, ok := p.asmLabel(img.name(s)); ok {
			def.File, def.Origin, def.From = p.unitPathOf(u), "assembly", FromDWARF
			return def, originAsm
		}
	}
	if file := img.fileName(s); file != "" {
		def.File, def.From = file, FromSymtab
		switch strings.ToLower(filepath.Ext(file)) {
		case ".c":
			def.Origin = "C"
			return def, originC
		case ".s":
			def.Origin = "assembly"
			return def, originAsm
		}
	}
	if def.From == "" {
		def.From = FromUnknown
	}
	return def, originUnknown
}

func objectList(objs []*objects.Object) string {
	var names []string
	for _, o := range objs {
		names = append(names, o.Path)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *provenance) sourceList(objs []*objects.Object) string {
	seen := map[string]bool{}
	var names []string
	for _, o := range objs {
		n := p.objectSource(o)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
