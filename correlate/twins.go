package correlate

import (
	"sort"
	"strings"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/symname"
)

// Twin rules, in the order they are tried. A pair is made only when a
// rule's key has exactly one unpaired candidate on each side; the rules are
// swept again while pairs keep being made, since every pair can leave a
// key with one candidate fewer.
const (
	RuleName                   = "name"                      // globals, exact name
	RuleDemangled              = "demangled"                 // globals, demangled name
	RuleSuffixMap              = "suffix-map"                // a.llvm.H1 paired with a.llvm.H2 implies b.llvm.H1 -> b.llvm.H2
	RuleLocalToGlobal          = "local-to-global"           // orig local, patched global, exact name
	RuleLocalToGlobalDemangled = "local-to-global-demangled" // ... by demangled name
	RuleGlobalToLocal          = "global-to-local"           // orig global, patched local, exact name
	RuleGlobalToLocalDemangled = "global-to-local-demangled" // ... by demangled name
	RuleSameFile               = "same-file"                 // locals of the same STT_FILE, exact name
	RuleSameFileDemangled      = "same-file-demangled"       // ... by demangled name
)

// Reasons a symbol takes no part in the matching: klp-diff never
// correlates these either.
const (
	SkipAbsolute    = "absolute"       // SHN_ABS: .set/.equ constants
	SkipPrefix      = "prefix"         // __pfx_/__cfi_ padding in front of functions
	SkipInitcall    = "initcall"       // __initcall__*: regenerated per build
	SkipLocalLabel  = "local-label"    // .L* assembler temporaries
	SkipMapping     = "mapping-symbol" // $x, $d... (arm64)
	SkipString      = "string-section" // anonymous strings and constants
	SkipAddressable = "addressable"    // ___ADDRESSABLE() keep-alive references
	SkipStaticLocal = "static-local"   // __already_done.N, __func__.N, ... per call site
)

// staticLocals are function-local statics the kernel's macros create at
// every use; their numbering says nothing about identity.
var staticLocals = []string{"__already_done", "__func__", "__key", "__warned", "_entry", "_entry_ptr", "_rs", "descriptor", "CSWTCH", "__print_once"}

// skipReason returns why klp-diff would never correlate s, or "".
func skipReason(img *image, s *sym) string {
	name := img.name(s)
	switch {
	case s.shndx == elfsym.SHNAbs:
		return SkipAbsolute
	case strings.HasPrefix(name, "__pfx_"), strings.HasPrefix(name, "__cfi_"):
		return SkipPrefix
	case strings.HasPrefix(name, "__initcall__"):
		return SkipInitcall
	case strings.HasPrefix(name, ".L"):
		return SkipLocalLabel
	case s.typ == elfsym.STTNotype && strings.HasPrefix(name, "$"):
		return SkipMapping
	}
	sec := img.section(s)
	switch {
	case strings.HasPrefix(sec, ".rodata.str") || strings.HasPrefix(sec, ".rodata.cst"):
		if s.typ != elfsym.STTObject || strings.HasPrefix(sec, ".rodata.cst") {
			return SkipString
		}
	case sec == ".discard.addressable":
		return SkipAddressable
	}
	if s.local() && s.typ == elfsym.STTObject {
		for _, p := range staticLocals {
			if name == p || strings.HasPrefix(name, p+".") {
				return SkipStaticLocal
			}
		}
	}
	return ""
}

// side is one build's symbols during matching. Everything is kept in
// pointer-free arrays indexed alike: a million symbols per side cost the
// garbage collector nothing to scan.
type side struct {
	img    *image
	idx    []int32  // index into img.syms
	demLen []uint32 // length of the demangled name, a prefix of the name
	file   []uint32 // STT_FILE, numbered in a space shared by both sides
	twin   []int32  // index into the other side's arrays, or -1
	rule   []uint8  // index into keyRules of the rule that paired it
	amb    map[int32]*ambiguity
}

func (s *side) sym(i int) *sym         { return &s.img.syms[s.idx[i]] }
func (s *side) name(i int) string      { return s.img.name(s.sym(i)) }
func (s *side) demangled(i int) string { return s.name(i)[:s.demLen[i]] }

type ambiguity struct {
	rule       string
	candidates []int32
}

// fileID is an STT_FILE by name and position among those of that name.
type fileID struct {
	name string
	occ  uint32
}

func newSide(img *image, files map[fileID]uint32, skipped map[string]int) *side {
	s := &side{img: img, idx: make([]int32, 0, len(img.syms)), amb: map[int32]*ambiguity{}}
	for i := range img.syms {
		if r := skipReason(img, &img.syms[i]); r != "" {
			skipped[r]++
			continue
		}
		s.idx = append(s.idx, int32(i))
	}
	// The two files number their STT_FILE symbols independently; same-file
	// matching needs one numbering. A file is its name and its position
	// among the files of that name: two builds of one tree link their
	// objects in the same order, so the third core.c of one is the third
	// core.c of the other, and a basename alone never identifies a file.
	ids := make([]uint32, len(img.fileNames))
	for i, name := range img.fileNames {
		k := fileID{name, img.fileOcc[i]}
		id, ok := files[k]
		if !ok {
			id = uint32(len(files))
			files[k] = id
		}
		ids[i] = id
	}
	n := len(s.idx)
	s.demLen = make([]uint32, n)
	s.file = make([]uint32, n)
	s.twin = make([]int32, n)
	s.rule = make([]uint8, n)
	for i := range s.idx {
		sy := s.sym(i)
		s.twin[i] = -1
		s.file[i] = ids[sy.file]
		name := img.name(sy)
		// Demangling applies to functions and data objects only.
		if sy.typ == elfsym.STTFunc || sy.typ == elfsym.STTObject {
			s.demLen[i] = uint32(len(symname.Demangle(name)))
		} else {
			s.demLen[i] = uint32(len(name))
		}
	}
	return s
}

// Key kinds of the rules.
const (
	keyName = iota
	keyDemangled
	keyFileName
	keyFileDemangled
	keySuffixMap
)

// keyRule is a rule that pairs by equal keys.
type keyRule struct {
	name      string
	origOK    func(*sym) bool
	patchedOK func(*sym) bool
	key       int
}

// The scope rules match by: a global the final link made local and left
// without its file is matched as the global it was.
func isGlobal(s *sym) bool { return s.globalScope() }
func isLocal(s *sym) bool  { return !s.globalScope() }

var keyRules = []keyRule{
	{RuleName, isGlobal, isGlobal, keyName},
	{RuleDemangled, isGlobal, isGlobal, keyDemangled},
	{RuleSuffixMap, nil, nil, keySuffixMap},
	{RuleLocalToGlobal, isLocal, isGlobal, keyName},
	{RuleLocalToGlobalDemangled, isLocal, isGlobal, keyDemangled},
	{RuleGlobalToLocal, isGlobal, isLocal, keyName},
	{RuleGlobalToLocalDemangled, isGlobal, isLocal, keyDemangled},
	{RuleSameFile, isLocal, isLocal, keyFileName},
	{RuleSameFileDemangled, isLocal, isLocal, keyFileDemangled},
}

type matcher struct {
	orig, patched *side
	pairs         int
}

func (m *matcher) pair(i, j int, rule int) {
	m.orig.twin[i], m.patched.twin[j] = int32(j), int32(i)
	m.orig.rule[i], m.patched.rule[j] = uint8(rule), uint8(rule)
	m.pairs++
}

// fileKey is a name within one source file.
type fileKey struct {
	file uint32
	name string
}

func (m *matcher) run(rule int) {
	switch keyRules[rule].key {
	case keyName:
		runKeyed(m, rule, func(s *side, i int) string { return s.name(i) })
	case keyDemangled:
		runKeyed(m, rule, func(s *side, i int) string { return s.demangled(i) })
	case keyFileName:
		runKeyed(m, rule, func(s *side, i int) fileKey { return fileKey{s.file[i], s.name(i)} })
	case keyFileDemangled:
		runKeyed(m, rule, func(s *side, i int) fileKey { return fileKey{s.file[i], s.demangled(i)} })
	case keySuffixMap:
		m.suffixMap(rule)
	}
}

// bucket holds the unpaired candidates of one key: the first of each side
// inline (most keys have one), the rest in slices.
type bucket struct {
	o, p         int32
	no, np       int32
	moreO, moreP []int32
}

func (b *bucket) add(orig bool, i int32) {
	if orig {
		if b.no == 0 {
			b.o = i
		} else {
			b.moreO = append(b.moreO, i)
		}
		b.no++
		return
	}
	if b.np == 0 {
		b.p = i
	} else {
		b.moreP = append(b.moreP, i)
	}
	b.np++
}

func (b *bucket) origs() []int32    { return append([]int32{b.o}, b.moreO...) }
func (b *bucket) patcheds() []int32 { return append([]int32{b.p}, b.moreP...) }

// runKeyed pairs the unpaired symbols whose keys are equal, one candidate
// on each side; keys with more record an ambiguity instead. The side with
// fewer eligible symbols is indexed and the other probed: after the first
// rules most symbols are paired, and the later rules (locals to globals)
// have a handful on one side against a few hundred thousand on the other.
func runKeyed[K comparable](m *matcher, rule int, key func(*side, int) K) {
	r := keyRules[rule]
	o, p := m.orig, m.patched
	eligible := func(s *side, ok func(*sym) bool) int {
		n := 0
		for i := range s.idx {
			if s.twin[i] < 0 && ok(s.sym(i)) {
				n++
			}
		}
		return n
	}
	no, np := eligible(o, r.origOK), eligible(p, r.patchedOK)
	if no == 0 || np == 0 {
		return
	}
	small, large := o, p
	smallOK, largeOK := r.origOK, r.patchedOK
	smallIsOrig := true
	if np < no {
		small, large, smallOK, largeOK, smallIsOrig = p, o, r.patchedOK, r.origOK, false
	}
	n := min(no, np)
	index := make(map[K]int32, n)
	buckets := make([]bucket, 0, n)
	for i := range small.idx {
		if small.twin[i] >= 0 || !smallOK(small.sym(i)) {
			continue
		}
		k := key(small, i)
		b, ok := index[k]
		if !ok {
			b = int32(len(buckets))
			index[k] = b
			buckets = append(buckets, bucket{})
		}
		buckets[b].add(smallIsOrig, int32(i))
	}
	for j := range large.idx {
		if large.twin[j] >= 0 || !largeOK(large.sym(j)) {
			continue
		}
		if b, ok := index[key(large, j)]; ok {
			buckets[b].add(!smallIsOrig, int32(j))
		}
	}
	for bi := range buckets {
		b := &buckets[bi]
		switch {
		case b.no == 0 || b.np == 0:
		case b.no == 1 && b.np == 1:
			m.pair(int(b.o), int(b.p), rule)
		default:
			origs, patcheds := b.origs(), b.patcheds()
			for _, i := range origs {
				o.amb[i] = &ambiguity{rule: r.name, candidates: patcheds}
			}
			for _, j := range patcheds {
				p.amb[j] = &ambiguity{rule: r.name, candidates: origs}
			}
		}
	}
}

// suffixMap learns which hash became which from the pairs made so far
// (all symbols promoted from one module share its hash) and pairs the
// remaining promoted symbols by name with the hash translated.
func (m *matcher) suffixMap(rule int) {
	o, p := m.orig, m.patched
	hashes := map[string]string{}
	conflicting := map[string]bool{}
	for i := range o.idx {
		j := o.twin[i]
		if j < 0 || !o.sym(i).promoted() || !p.sym(int(j)).promoted() {
			continue
		}
		po, _ := symname.SplitLLVM(o.name(i))
		pp, _ := symname.SplitLLVM(p.name(int(j)))
		if h, seen := hashes[po.Hash]; seen && h != pp.Hash {
			conflicting[po.Hash] = true
		}
		hashes[po.Hash] = pp.Hash
	}
	if len(hashes) == 0 {
		return
	}
	patchedByName := map[string][]int32{}
	for j := range p.idx {
		if p.twin[j] < 0 && p.sym(j).promoted() {
			patchedByName[p.name(j)] = append(patchedByName[p.name(j)], int32(j))
		}
	}
	type want struct{ orig []int32 }
	wants := map[string]*want{}
	for i := range o.idx {
		if o.twin[i] >= 0 || !o.sym(i).promoted() {
			continue
		}
		name := o.name(i)
		sp, _ := symname.SplitLLVM(name)
		if conflicting[sp.Hash] {
			continue
		}
		h2, ok := hashes[sp.Hash]
		if !ok {
			continue
		}
		target := strings.Replace(name, ".llvm."+sp.Hash, ".llvm."+h2, 1)
		w := wants[target]
		if w == nil {
			w = &want{}
			wants[target] = w
		}
		w.orig = append(w.orig, int32(i))
	}
	for target, w := range wants {
		cands := patchedByName[target]
		switch {
		case len(cands) == 0:
		case len(w.orig) == 1 && len(cands) == 1:
			m.pair(int(w.orig[0]), int(cands[0]), rule)
		default:
			for _, i := range w.orig {
				o.amb[i] = &ambiguity{rule: RuleSuffixMap, candidates: cands}
			}
		}
	}
}

// correlateTwins pairs every symbol of orig with its twin in patched.
func correlateTwins(orig, patched *image) *Twins {
	t := &Twins{
		Orig:             orig.path,
		Rules:            map[string]int{},
		SkippedBy:        map[string]int{},
		Renamed:          []Rename{},
		Ambiguous:        []Ambiguity{},
		UnmatchedOrig:    []TwinSymbol{},
		UnmatchedPatched: []TwinSymbol{},
		Changed:          []ChangedSymbol{},
	}
	files := map[fileID]uint32{}
	m := &matcher{orig: newSide(orig, files, t.SkippedBy), patched: newSide(patched, files, t.SkippedBy)}
	for _, n := range t.SkippedBy {
		t.Skipped += n
	}
	for {
		before := m.pairs
		// Only the last sweep's ambiguities stand: it made no pair, so
		// every candidate it names is still unpaired.
		clear(m.orig.amb)
		clear(m.patched.amb)
		for r := range keyRules {
			m.run(r)
		}
		if m.pairs == before {
			break
		}
	}
	o, p := m.orig, m.patched
	covered := map[int32]bool{} // patched symbols named as an orig symbol's candidate
	for i := range o.idx {
		s := o.sym(i)
		j := int(o.twin[i])
		if j < 0 {
			if a := o.amb[int32(i)]; a != nil {
				t.Ambiguous = append(t.Ambiguous, Ambiguity{Symbol: o.name(i), Side: "orig", Rule: a.rule,
					Candidates: names(p, a.candidates), File: orig.fileLabel(s)})
				for _, c := range a.candidates {
					covered[c] = true
				}
			} else {
				t.UnmatchedOrig = append(t.UnmatchedOrig, twinSymbol(orig, s))
			}
			continue
		}
		t.Matched++
		rule := keyRules[o.rule[i]].name
		t.Rules[rule]++
		ps := p.sym(j)
		changes := renameChanges(o.name(i), p.name(j), !s.globalScope(), !ps.globalScope())
		if len(changes) == 0 {
			t.Unchanged++
			continue
		}
		t.Renamed = append(t.Renamed, Rename{Orig: o.name(i), Patched: p.name(j), Rule: rule,
			Changes: changes, Kind: kindName(s.typ), File: firstNonEmpty(patched.fileLabel(ps), orig.fileLabel(s))})
	}
	for j := range p.idx {
		if p.twin[j] >= 0 {
			continue
		}
		s := p.sym(j)
		if a := p.amb[int32(j)]; a != nil {
			if !covered[int32(j)] {
				t.Ambiguous = append(t.Ambiguous, Ambiguity{Symbol: p.name(j), Side: "patched", Rule: a.rule,
					Candidates: names(o, a.candidates), File: patched.fileLabel(s)})
			}
			continue
		}
		t.UnmatchedPatched = append(t.UnmatchedPatched, twinSymbol(patched, s))
	}
	if orig.values != nil && patched.values != nil {
		changedTwins(m, t)
	}
	sort.Slice(t.Renamed, func(i, j int) bool {
		if t.Renamed[i].Orig != t.Renamed[j].Orig {
			return t.Renamed[i].Orig < t.Renamed[j].Orig
		}
		return t.Renamed[i].Patched < t.Renamed[j].Patched
	})
	sort.Slice(t.Ambiguous, func(i, j int) bool {
		a, b := t.Ambiguous[i], t.Ambiguous[j]
		if a.Side != b.Side {
			return a.Side == "orig"
		}
		if a.Symbol != b.Symbol {
			return a.Symbol < b.Symbol
		}
		return a.File < b.File
	})
	sortTwinSymbols(t.UnmatchedOrig)
	sortTwinSymbols(t.UnmatchedPatched)
	return t
}

func names(s *side, idx []int32) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = s.name(int(i))
		if f := s.img.fileLabel(s.sym(int(i))); f != "" {
			out[k] += " (" + f + ")"
		}
	}
	sort.Strings(out)
	return out
}

func twinSymbol(img *image, s *sym) TwinSymbol {
	return TwinSymbol{Name: img.name(s), Kind: kindName(s.typ), Bind: bindName(s.bind), File: img.fileLabel(s)}
}

func sortTwinSymbols(list []TwinSymbol) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].Name != list[j].Name {
			return list[i].Name < list[j].Name
		}
		return list[i].File < list[j].File
	})
}

// renameChanges says how a pair differs: in its hash, by gaining or losing
// the suffix, in the rest of its name, in its binding.
func renameChanges(o, p string, oLocal, pLocal bool) []string {
	var changes []string
	po, oSuffixed := symname.SplitLLVM(o)
	pp, pSuffixed := symname.SplitLLVM(p)
	switch {
	case oSuffixed && pSuffixed:
		if po.Hash != pp.Hash {
			changes = append(changes, "hash")
		}
		if po.Base != pp.Base {
			changes = append(changes, "name")
		}
	case pSuffixed:
		changes = append(changes, "suffix-gained")
		if pp.Base != o {
			changes = append(changes, "name")
		}
	case oSuffixed:
		changes = append(changes, "suffix-lost")
		if po.Base != p {
			changes = append(changes, "name")
		}
	case o != p:
		changes = append(changes, "name")
	}
	switch {
	case oLocal && !pLocal:
		changes = append(changes, "local-to-global")
	case !oLocal && pLocal:
		changes = append(changes, "global-to-local")
	}
	return changes
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
