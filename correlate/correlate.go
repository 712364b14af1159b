// Package correlate validates a built kernel for live patching under Clang
// ThinLTO: how many ".llvm.<hash>" promoted symbols it holds (the census),
// which assembly globals will clash with promoted C statics once lld's
// suffix reduction is on (the conflicts), and how each symbol of one build
// pairs with its twin in the next (the twins, the way objtool's klp-diff
// correlates them).
//
// Analyze is the whole capability without the command line:
//
//	res, err := correlate.Analyze("vmlinux.o", correlate.Options{BuildDir: "build", MaxSuffixed: 2})
//	correlate.WriteText(os.Stdout, res)
//	os.Exit(res.Status)
//
// An error from Analyze means the input could not be read (exit status 2);
// findings are in the Result.
package correlate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"klpcheck/correlate/dwarfunits"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/objects"
	"klpcheck/correlate/symname"
	"klpcheck/internal/report"
)

// NoBudget disables the --max-suffixed gate.
const NoBudget = -1

// Options are what the command line passes.
type Options struct {
	// BuildDir is a kernel build tree or a directory of objects: where to
	// learn which names assembly defines (--build).
	BuildDir string
	// Against is the original build to pair symbols with (--against).
	Against string
	// MaxSuffixed fails the check when functions+data exceed it; NoBudget
	// (or any negative value) disables the gate.
	MaxSuffixed int
	// LLVMNM is the llvm-nm for bitcode objects the native reader cannot
	// read; empty picks llvm-nm-<major> by the object's producer.
	LLVMNM string
	// Predict applies LLVM 23's renaming rule to the build (--predict).
	Predict bool
	// Progress, if set, is told how far reading a file has come: stage
	// names the file, done and total are bytes of its symbol table. The two
	// files are read at once, but calls never overlap.
	Progress func(stage string, done, total int64)

	// buildIndex is the --build scan AnalyzeMany made once for all its
	// files; nil: analyze scans BuildDir itself.
	buildIndex *objects.Index
}

// Analyze reads path (and Options.Against) and returns what it found.
func Analyze(path string, opts Options) (*Result, error) {
	return AnalyzeContext(context.Background(), path, opts)
}

// AnalyzeContext is Analyze that stops when ctx is done: between the
// stages of the analysis (the files read, the build scanned, the census
// and conflicts worked out), and returns ctx's error.
func AnalyzeContext(ctx context.Context, path string, opts Options) (*Result, error) {
	return analyze(ctx, path, func() (*elfsym.File, error) { return elfsym.Open(path) }, opts)
}

// AnalyzeReader is Analyze for a file that is not on disk (an embedded
// demo): name is what the report calls it. Options.Against and
// Options.BuildDir are still paths.
func AnalyzeReader(name string, r io.ReaderAt, size int64, opts Options) (*Result, error) {
	return analyze(context.Background(), name, func() (*elfsym.File, error) { return elfsym.New(r, size, name) }, opts)
}

// analyze runs the capability on the file open opens. The scan keeps the
// bytes of symbols for the twins, and no record of the symbols a census
// does not list (a compact image) when neither twins nor a prediction
// need them.
func analyze(ctx context.Context, path string, open func() (*elfsym.File, error), opts Options) (*Result, error) {
	// The two files are read at once, and the twins matched while the
	// census and the conflicts are worked out: a kernel's symbol tables
	// keep both cores busy.
	opts.Progress = serialProgress(opts.Progress)
	var orig *image
	var origErr error
	var scanned sync.WaitGroup
	if opts.Against != "" {
		scanned.Add(1)
		go func() {
			defer scanned.Done()
			orig, origErr = scan(opts.Against, progressFor(opts.Progress, opts.Against), true)
		}()
	}
	img, early, err := openAndScan(open, progressFor(opts.Progress, path), opts)
	scanned.Wait()
	defer func() {
		early.wait() // it reads the file's mapping until it is done
		img.close()
	}()
	defer orig.close()
	if err != nil {
		return nil, err
	}
	if origErr != nil {
		return nil, origErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{
		File:          path,
		ELF:           img.describe(),
		SymbolEntries: img.entries,
		Conflicts:     []Conflict{},
		Reasons:       []string{},
		// Complete until a problem is found.
		ProvenanceComplete: true,
		ProvenanceProblems: []string{},
	}
	var twins sync.WaitGroup
	if orig != nil {
		twins.Add(1)
		go func() {
			defer twins.Done()
			res.Twins = correlateTwins(orig, img)
		}()
	}
	prov := newProvenance(img, opts)
	prov.early = early
	if err := prov.loadBuild(opts, path); err != nil {
		twins.Wait()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		twins.Wait()
		return nil, err
	}
	prov.prefetchDWARF()
	type found struct {
		cands []candidate
		err   error
	}
	cands := make(chan found, 1)
	go func() {
		c, err := conflictCandidates(img)
		cands <- found{c, err}
	}()
	res.OtherSuffixes = otherSuffixes(img)
	res.Suffixed = census(img, prov)
	groups := map[string]HashGroup{}
	for _, g := range res.Suffixed.ByHash {
		groups[g.Hash] = g
	}
	fc := <-cands
	if fc.err != nil {
		if prov.prefetched {
			prov.dwarf() // the reader must be done before the file is closed
		}
		twins.Wait()
		return nil, fc.err
	}
	res.Conflicts = classifyAll(img, prov, groups, fc.cands)
	res.Provenance = prov.summary()
	res.dwarfRoot = prov.dwarfRoot()
	res.ProvenanceProblems = prov.problems()
	res.ProvenanceComplete = len(res.ProvenanceProblems) == 0
	twins.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.MaxSuffixed >= 0 {
		res.Budget = &Budget{Max: opts.MaxSuffixed, Count: res.Suffixed.Total()}
		res.Budget.Exceeded = res.Budget.Count > res.Budget.Max
	}
	if opts.Predict {
		res.Prediction = predict(img, orig, prov, res)
	}
	res.Status, res.Reasons = status(res)
	return res, nil
}

// openAndScan opens the file and scans its symbol table. Unless a build
// tree will tell the provenance, the DWARF of a file that has some is read
// at the same time (a kernel's is most of the work, and needs nothing from
// the symbols), and the reader is returned beside the image, to be waited
// for before the image is closed; nil when it was not started.
func openAndScan(open func() (*elfsym.File, error), progress func(int64, int64), opts Options) (*image, *dwarfRead, error) {
	f, err := open()
	if err != nil {
		return nil, nil, err
	}
	var early *dwarfRead
	if opts.BuildDir == "" && opts.buildIndex == nil && f.SectionByName(".debug_info") != nil {
		early = startDWARF(f)
	}
	img, err := scanFileMode(f, progress, opts.Against != "", opts.Against == "" && !opts.Predict)
	if err != nil {
		early.wait()
		f.Close()
		return nil, nil, err
	}
	return img, early, nil
}

// dwarfRead is a dwarfunits.Read running on its own goroutine.
type dwarfRead struct {
	done  chan struct{}
	units []dwarfunits.Unit
	err   error
}

func startDWARF(f *elfsym.File) *dwarfRead {
	r := &dwarfRead{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.units, r.err = dwarfunits.Read(f)
	}()
	return r
}

// wait is what Read returned, once it has; a nil r returns nothing.
func (r *dwarfRead) wait() ([]dwarfunits.Unit, error) {
	if r == nil {
		return nil, nil
	}
	<-r.done
	return r.units, r.err
}

// serialProgress is fn called by one caller at a time: both files of a
// twins run report progress at once.
func serialProgress(fn func(string, int64, int64)) func(string, int64, int64) {
	if fn == nil {
		return nil
	}
	var mu sync.Mutex
	return func(stage string, done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		fn(stage, done, total)
	}
}

// loadBuild gives the provenance the build tree's index: the one a run of
// many files scanned once, or the scan of Options.BuildDir, without the
// files being analysed.
func (p *provenance) loadBuild(opts Options, path string) error {
	if opts.buildIndex != nil {
		p.build = opts.buildIndex
		return nil
	}
	if opts.BuildDir == "" {
		return nil
	}
	exclude := []string{path}
	if opts.Against != "" {
		exclude = append(exclude, opts.Against)
	}
	ix, err := objects.Scan(opts.BuildDir, objects.Options{Exclude: exclude, NM: opts.LLVMNM})
	if err != nil {
		return err
	}
	p.build = ix
	return nil
}

func progressFor(fn func(string, int64, int64), stage string) func(int64, int64) {
	if fn == nil {
		return nil
	}
	return func(done, total int64) { fn(stage, done, total) }
}

// status is the exit status: 1 for a budget exceeded, a hard conflict or an
// ambiguous twin; 0 otherwise.
func status(res *Result) (int, []string) {
	var reasons []string
	if b := res.Budget; b != nil && b.Exceeded {
		reasons = append(reasons, fmt.Sprintf("%d suffixed symbols (functions+data) exceed the budget of %d", b.Count, b.Max))
	}
	hard := 0
	for _, c := range res.Conflicts {
		if c.Class == ClassHard {
			hard++
		}
	}
	if hard > 0 {
		reasons = append(reasons, fmt.Sprintf("%d hard conflict(s): the link fails once suffix reduction is on", hard))
	}
	if gap := res.ProvenanceGap(); gap != "" {
		reasons = append(reasons, gap)
	}
	if res.Twins != nil && len(res.Twins.Ambiguous) > 0 {
		reasons = append(reasons, fmt.Sprintf("%d symbol(s) with ambiguous twins", len(res.Twins.Ambiguous)))
	}
	if len(reasons) > 0 {
		return report.ExitFindings, reasons
	}
	return report.ExitClean, []string{}
}

// ProvenanceGap says, when conflicts may have been missed because the
// provenance is incomplete, why and how many; "" otherwise. Status is 1
// when it is not empty, and check is then not ready.
func (res *Result) ProvenanceGap() string {
	n := res.PossiblyMissed()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("provenance incomplete (%s): %d possible conflict(s) may be hard or latent", res.ProvenanceProblems[0], n)
}

// PossiblyMissed is how many conflicts incomplete provenance may have
// missed (0 when provenance is complete): see missedConflicts.
func (res *Result) PossiblyMissed() int { return missedConflicts(res) }

// missedConflicts is the fail-closed rule: conflict candidates come from
// the symbol table alone, and provenance only classifies them, so with
// incomplete provenance the conflicts that could have been missed are
// exactly those left "possible". A file without any candidate cannot hide
// a conflict, whatever its DWARF.
func missedConflicts(res *Result) int {
	if res.ProvenanceComplete {
		return 0
	}
	n := 0
	for _, c := range res.Conflicts {
		if c.Class == ClassPossible {
			n++
		}
	}
	return n
}

// census collects the ".llvm.<hash>" symbols and groups them by hash.
func census(img *image, prov *provenance) Census {
	c := Census{ByHash: []HashGroup{}, Symbols: []SuffixedSymbol{}}
	groups := map[string]*HashGroup{}
	n := 0
	for i := range img.syms {
		if img.syms[i].promoted() {
			n++
		}
	}
	c.Symbols = make([]SuffixedSymbol, 0, n)
	for i := range img.syms {
		s := &img.syms[i]
		if !s.promoted() {
			continue
		}
		name := img.name(s)
		p, _ := symname.SplitLLVM(name)
		kind := kindName(s.typ)
		switch kind {
		case KindFunc:
			c.Functions++
		case KindData:
			c.Data++
			if isStringLiteral(p.Base) {
				c.DataStrings++
			}
		default:
			c.Other++
		}
		file, from := img.fileOf(s)
		c.Symbols = append(c.Symbols, SuffixedSymbol{
			Name: name, Base: p.Base, Hash: p.Hash, Kind: kind,
			Bind: bindName(s.bind), Section: img.section(s), File: file,
		})
		g := groups[p.Hash]
		if g == nil {
			g = &HashGroup{Hash: p.Hash}
			groups[p.Hash] = g
		}
		g.Symbols = append(g.Symbols, name)
		if g.File == "" && file != "" {
			g.File, g.FileFrom = file, from
		}
	}
	// The bases are taken again from the names, in the same order, into
	// one buffer: groupFile does not keep them.
	var bases []string
	for hash, g := range groups {
		bases = bases[:0]
		for _, name := range g.Symbols {
			p, _ := symname.SplitLLVM(name)
			bases = append(bases, p.Base)
		}
		g.File, g.FileFrom = prov.groupFile(hash, bases, g.File, g.FileFrom)
		if g.File == "" {
			g.FileFrom = FromUnknown
		}
		sort.Strings(g.Symbols)
		c.ByHash = append(c.ByHash, *g)
	}
	// A group is one module: its symbols take its file, a path in the tree.
	for i := range c.Symbols {
		if f := groups[c.Symbols[i].Hash].File; f != "" {
			c.Symbols[i].File = f
		}
	}
	sort.Slice(c.ByHash, func(i, j int) bool {
		a, b := c.ByHash[i], c.ByHash[j]
		if (a.File == "") != (b.File == "") {
			return a.File != ""
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Hash < b.Hash
	})
	sortSuffixed(c.Symbols)
	return c
}

// sortSuffixed puts the census records in their report order.
func sortSuffixed(syms []SuffixedSymbol) {
	// By base and file before the name: the order then does not depend on
	// hash values, which change with every rebuild of a module. A
	// permutation is sorted, not the records themselves: moving 100,000
	// records of seven strings around costs more than comparing them.
	//
	// Each entry carries the first eight bytes of its base as a number,
	// sorted by radix, in linear time; only runs of equal prefixes are
	// compared in full (records alike in every key keep the symbol table's
	// order).
	keys := make([]sortKey, len(syms))
	for i := range keys {
		keys[i] = sortKey{prefix: prefix8(syms[i].Base), i: int32(i)}
	}
	radixSort(keys)
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi].prefix == keys[lo].prefix {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(keys[lo:hi], func(x, y sortKey) int {
				a, b := &syms[x.i], &syms[y.i]
				if r := strings.Compare(a.Base, b.Base); r != 0 {
					return r
				}
				if r := strings.Compare(a.File, b.File); r != 0 {
					return r
				}
				if r := strings.Compare(a.Name, b.Name); r != 0 {
					return r
				}
				if r := strings.Compare(a.Section, b.Section); r != 0 {
					return r
				}
				return int(x.i - y.i)
			})
		}
		lo = hi
	}
	order := make([]int32, len(keys))
	for i, k := range keys {
		order[i] = k.i
	}
	permute(syms, order)
}

// sortKey is a record to sort and the first bytes of its sort key.
type sortKey struct {
	prefix uint64
	i      int32
}

// prefix8 is the first eight bytes of s, big-endian, zero-padded: it orders
// as the strings do, ties aside (a name holds no NUL to confuse the
// padding with).
func prefix8(s string) uint64 {
	var p uint64
	for i := 0; i < 8; i++ {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

// radixSort sorts keys by prefix, stably, a byte at a time from the
// lowest; a byte that is the same in every key costs one counting pass.
func radixSort(keys []sortKey) {
	if len(keys) < 2 {
		return
	}
	tmp := make([]sortKey, len(keys))
	src, dst := keys, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for i := range src {
			count[byte(src[i].prefix>>shift)]++
		}
		if count[byte(src[0].prefix>>shift)] == len(src) {
			continue
		}
		pos := 0
		for b := range count {
			pos, count[b] = pos+count[b], pos
		}
		for _, k := range src {
			d := byte(k.prefix >> shift)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// permute rearranges s in place so that s[i] becomes the old s[order[i]],
// one cycle of the permutation at a time: a second array of 100,000
// records would be the largest allocation of a census. order is consumed.
func permute(s []SuffixedSymbol, order []int32) {
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp := s[i]
		for j := i; ; {
			k := int(order[j])
			order[j] = -1
			if k == i {
				s[j] = tmp
				break
			}
			s[j] = s[k]
			j = k
		}
	}
}

// otherSuffixes counts the symbols carrying each non-ThinLTO compiler
// suffix: the scan counted them.
func otherSuffixes(img *image) map[string]int {
	counts := make(map[string]int, len(img.suffixes))
	for k, n := range img.suffixes {
		counts[k] = n
	}
	return counts
}

// provenance answers "who defines this name" from the best evidence at hand.
type provenance struct {
	img   *image
	opts  Options
	build *objects.Index

	dwarfOnce  sync.Once
	early      *dwarfRead // the read started when the file was opened
	prefetched bool

	rootsDone bool
	root      roots

	dwarfLoaded bool
	dwarfErr    error
	units       []dwarfunits.Unit
	asmLabels   map[string]int // label -> unit
	cExternals  map[string]int
	cStatics    unitsByName
}

// unitsByName lists, for each name, the units that define a static of
// that name, in order of the units. A kernel has some 200,000 statics,
// nearly all of one unit each: the lists are chained through two flat
// arrays instead of a slice per name.
type unitsByName struct {
	last map[string]int32 // name -> its latest entry in unit/prev
	unit []int32
	prev []int32 // the name's entry before, or -1
}

func (m *unitsByName) add(name string, unit int) {
	k := int32(len(m.unit))
	prev, ok := m.last[name]
	if !ok {
		prev = -1
	}
	m.unit = append(m.unit, int32(unit))
	m.prev = append(m.prev, prev)
	m.last[name] = k
}

// of is the units defining a static called name, in order.
func (m *unitsByName) of(name string) []int {
	k, ok := m.last[name]
	if !ok {
		return nil
	}
	var out []int
	for ; k >= 0; k = m.prev[k] {
		out = append(out, int(m.unit[k]))
	}
	slices.Reverse(out)
	return out
}

func (m *unitsByName) has(name string) bool {
	_, ok := m.last[name]
	return ok
}

func newProvenance(img *image, opts Options) *provenance {
	return &provenance{img: img, opts: opts}
}

// dwarf loads the compile units on first use: only files that have
// conflict candidates or unnamed hash groups pay for it.
func (p *provenance) dwarf() bool {
	p.dwarfOnce.Do(p.loadDWARF)
	return len(p.units) > 0
}

// dwarfRoot is the source tree the compile units name, when their DWARF
// was read (a prefetch is waited for); "" otherwise. It is taken from the
// units' names as dwarfunits read them, the .dwo's for split DWARF.
func (p *provenance) dwarfRoot() string {
	if p.prefetched {
		p.dwarf()
	}
	if !p.dwarfLoaded || len(p.units) == 0 {
		return ""
	}
	names := make([]string, len(p.units))
	for i := range p.units {
		names[i] = p.units[i].Name
	}
	return dwarfRoots(names).src
}

// prefetchDWARF turns the compile units read since the file was opened
// into the provenance's indexes while the symbols are counted: without
// --build a file with DWARF nearly always needs them (a kernel has
// conflict candidates and hash groups to name), and the two keep both
// cores busy.
func (p *provenance) prefetchDWARF() {
	if p.early == nil {
		return
	}
	p.prefetched = true
	go p.dwarf()
}

func (p *provenance) loadDWARF() {
	p.dwarfLoaded = true
	var units []dwarfunits.Unit
	var err error
	if p.early != nil {
		units, err = p.early.wait()
	} else {
		units, err = dwarfunits.Read(p.img.f)
	}
	if err != nil {
		p.dwarfErr = err
		if len(units) == 0 {
			return
		}
		// Some units could not be read: use the others, and say so.
	}
	p.units = units
	// Sized up front: a kernel has some 200,000 names, and growing the
	// maps step by step rehashes each name several times.
	var labels, externals, statics int
	for i := range units {
		labels += len(units[i].Labels)
		externals += len(units[i].Externals)
		statics += len(units[i].Statics)
	}
	p.asmLabels = make(map[string]int, labels)
	p.cExternals = make(map[string]int, externals)
	p.cStatics = unitsByName{last: make(map[string]int32, statics), unit: make([]int32, 0, statics), prev: make([]int32, 0, statics)}
	for i, u := range units {
		if u.Asm() {
			for _, l := range u.Labels {
				if _, ok := p.asmLabels[l]; !ok {
					p.asmLabels[l] = i
				}
			}
			continue
		}
		for _, n := range u.Externals {
			if _, ok := p.cExternals[n]; !ok {
				p.cExternals[n] = i
			}
		}
		for _, n := range u.Statics {
			p.cStatics.add(n, i)
		}
	}

}

// asmLabel finds the assembly unit defining name. The assembler records
// labels without their leading underscore ("_start" as "start").
func (p *provenance) asmLabel(name string) (*dwarfunits.Unit, bool) {
	if !p.dwarf() {
		return nil, false
	}
	if i, ok := p.asmLabels[name]; ok {
		return &p.units[i], true
	}
	if len(name) > 1 && name[0] == '_' {
		if i, ok := p.asmLabels[name[1:]]; ok {
			return &p.units[i], true
		}
	}
	return nil, false
}

// problems lists what keeps the provenance from being complete: every
// DWARF problem (when DWARF was consulted), or the lack of any evidence.
func (p *provenance) problems() []string {
	if p.prefetched {
		p.dwarf() // wait for it
	}
	out := []string{}
	if p.dwarfLoaded && p.dwarfErr != nil && !errors.Is(p.dwarfErr, dwarfunits.ErrNoDWARF) {
		var many interface{ Unwrap() []error }
		if errors.As(p.dwarfErr, &many) {
			for _, e := range many.Unwrap() {
				out = append(out, e.Error())
			}
		} else {
			out = append(out, p.dwarfErr.Error())
		}
	}
	if p.build == nil && p.dwarfLoaded && len(p.units) == 0 && len(out) == 0 {
		out = append(out, p.img.path+": no --build directory and no DWARF (.debug_info) to tell assembly globals from C")
	}
	return out
}

func (p *provenance) summary() Provenance {
	if p.prefetched {
		p.dwarf() // wait for it
	}
	var out Provenance
	switch {
	case p.build != nil:
		out.Source = FromBuild
	case p.dwarfLoaded && len(p.units) > 0:
		out.Source = FromDWARF
	default:
		out.Source = "none"
	}
	if p.build != nil {
		bc, elfs := p.build.Counts()
		bi := &BuildInfo{BitcodeObjects: bc, ELFObjects: elfs, Archives: p.build.Archives, Skipped: []Skipped{}, LLVMNM: p.build.NM}
		for _, s := range p.build.Skipped {
			bi.Skipped = append(bi.Skipped, Skipped(s))
		}
		out.BuildDir = p.opts.BuildDir
		out.Build = bi
		if bc == 0 {
			out.Note = "the build directory holds no LLVM bitcode objects: not an LTO build, or not its object directory"
		}
	}
	if p.dwarfLoaded {
		di := &DWARFInfo{}
		if p.dwarfErr != nil {
			di.Error = p.dwarfErr.Error()
		}
		for _, u := range p.units {
			di.Units++
			if u.Asm() {
				di.AsmUnits++
			}
		}
		out.DWARF = di
		if out.Source == "none" && out.Note == "" {
			out.Note = "provenance unknown: no --build directory and no usable DWARF (" + di.Error + "); candidates are reported as possible"
		}
	}
	if out.Source == "none" && out.Note == "" {
		out.Note = "provenance unknown: pass --build DIR to classify candidates"
	}
	if out.Source == FromDWARF && out.DWARF != nil && out.DWARF.AsmUnits == 0 {
		out.Note = "DWARF has no assembly units (assembly built without debug info?): names it does not cover are reported as possible"
	}
	return out
}
