// Package objects indexes the symbols of a build directory's objects, to
// tell which names assembly (or any non-LTO object) defines and which names
// C under LTO defines. In an LTO kernel build, C objects are LLVM bitcode and
// everything else (.S files, and C files built without LTO) is ELF; the
// linker sees both, LLVM's clash checks see only the bitcode.
//
// Scan follows kbuild's archives: when the directory has a vmlinux.a, the
// objects are its members (thin archives name files on disk) plus every
// lib.a; otherwise every *.o and *.a below the directory. Linked outputs
// (vmlinux, vmlinux.o, *.lto.o) are recognised and left out.
package objects

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"klpcheck/correlate/bitcode"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/regular"
	"klpcheck/correlate/symname"
)

// Object is one object file (or archive member) of the build.
type Object struct {
	// Path is relative to the scanned directory when inside it; an archive
	// member of a regular archive is "dir/lib.a(member.o)".
	Path string
	// Source is the source file: the bitcode's source file name, or the
	// only STT_FILE symbol of an ELF object.
	Source string
	// LTO: LLVM bitcode, a C file compiled for LTO. Otherwise an ELF object:
	// assembly, or C built without LTO, which LLVM's clash checks never see.
	LTO bool
	// ModuleHash is a bitcode object's ThinLTO module hash, as the
	// ".llvm.<hash>" of the statics it promotes spells it; "" when unknown.
	ModuleHash string
	// Asm: an ELF object made from assembly: its STT_FILE names a .S/.s file,
	// or it has none (clang's integrated assembler writes none).
	Asm bool
}

// Kind describes the object for reports: "LLVM bitcode", "assembly" or
// "non-LTO C".
func (o *Object) Kind() string {
	switch {
	case o.LTO:
		return "LLVM bitcode"
	case o.Asm:
		return "assembly"
	}
	return "non-LTO ELF"
}

// Skipped is a file the scan left out, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Index is what Scan found.
type Index struct {
	Dir      string
	Objects  []*Object
	Archives int
	Skipped  []Skipped
	// NM is the llvm-nm used for bitcode the native reader could not read.
	NM string

	globals map[string][]int // defined global name -> objects
	locals  map[string][]int // defined local name -> objects
}

// Options tune Scan.
type Options struct {
	// Exclude lists files never to index (the file being analysed: a
	// vmlinux.o inside the build directory must not count as an object).
	Exclude []string
	// NM is the llvm-nm for bitcode the native reader cannot read; empty:
	// llvm-nm-<major> for the LLVM that wrote the file, then llvm-nm.
	NM string
	// Workers reading objects in parallel; 0 means the number of CPUs.
	Workers int
}

// Globals returns the objects defining name as a global.
func (ix *Index) Globals(name string) []*Object { return ix.lookup(ix.globals, name) }

// Locals returns the objects defining name as a local (a static).
func (ix *Index) Locals(name string) []*Object { return ix.lookup(ix.locals, name) }

func (ix *Index) lookup(m map[string][]int, name string) []*Object {
	ids := m[name]
	out := make([]*Object, len(ids))
	for i, id := range ids {
		out[i] = ix.Objects[id]
	}
	return out
}

// DefiningAllLocals returns the LTO objects whose statics include every
// name: the module a group of promoted symbols with one hash came from.
func (ix *Index) DefiningAllLocals(names []string) []*Object {
	if len(names) == 0 {
		return nil
	}
	count := map[int]int{}
	for _, n := range uniq(names) {
		for _, id := range ix.locals[n] {
			if ix.Objects[id].LTO {
				count[id]++
			}
		}
	}
	want := len(uniq(names))
	var out []*Object
	for id, c := range count {
		if c == want {
			out = append(out, ix.Objects[id])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func uniq(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Counts returns how many objects are LLVM bitcode and how many ELF.
func (ix *Index) Counts() (bitcodeObjects, elfObjects int) {
	for _, o := range ix.Objects {
		if o.LTO {
			bitcodeObjects++
		} else {
			elfObjects++
		}
	}
	return
}

// candidate is a file (or archive member) to read.
type candidate struct {
	path    string // on disk
	display string
	// member of a regular archive: read size bytes at offset of path.
	offset, size int64
	member       bool
}

type result struct {
	obj     *Object
	globals []string
	locals  []string
	skip    string
	err     error
	nm      string
}

// Scan indexes the objects under dir.
func Scan(dir string, opts Options) (*Index, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("build directory %s is not a directory", dir)
	}
	ix := &Index{Dir: dir, globals: map[string][]int{}, locals: map[string][]int{}}
	roots, err := ix.roots()
	if err != nil {
		return nil, err
	}
	col := &collector{ix: ix, seen: map[string]bool{}}
	for _, p := range opts.Exclude {
		if fi, err := os.Stat(p); err == nil {
			col.excluded = append(col.excluded, fi)
		}
	}
	for _, r := range roots {
		if err := col.expand(r, 0); err != nil {
			return nil, err
		}
	}
	results := readCandidates(col.cands, opts)
	if err := ix.add(col.cands, results); err != nil {
		return nil, err
	}
	return ix, nil
}

// roots are where the objects are found: vmlinux.a and the lib.a
// archives of a kernel build (what the link took), else every *.o and
// *.a under the directory.
func (ix *Index) roots() ([]string, error) {
	var roots []string
	vmlinuxA := filepath.Join(ix.Dir, "vmlinux.a")
	_, aerr := os.Stat(vmlinuxA)
	useArchive := aerr == nil
	if useArchive {
		roots = append(roots, vmlinuxA)
	}
	err := walkTree(ix.Dir, func(p, name string) {
		switch {
		case useArchive:
			if name == "lib.a" {
				roots = append(roots, p)
			}
		case strings.HasSuffix(name, ".o"), strings.HasSuffix(name, ".a"):
			roots = append(roots, p)
		}
	}, func(p, reason string) {
		ix.Skipped = append(ix.Skipped, Skipped{Path: p, Reason: reason})
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", ix.Dir, err)
	}
	sort.Strings(roots)
	return roots, nil
}

// collector gathers the objects to read from the roots: files, and the
// members of archives, thin ones followed to their files, each once.
type collector struct {
	ix       *Index
	excluded []os.FileInfo // the files being analysed, not indexed
	seen     map[string]bool
	cands    []candidate
}

func (col *collector) isExcluded(p string) bool {
	if len(col.excluded) == 0 {
		return false
	}
	fi, err := os.Stat(p)
	if err != nil {
		return false
	}
	for _, e := range col.excluded {
		if os.SameFile(fi, e) {
			return true
		}
	}
	return false
}

func (col *collector) add(c candidate) {
	key := c.path
	if c.member {
		key = fmt.Sprintf("%s@%d", c.path, c.offset)
	}
	if col.seen[key] {
		return
	}
	col.seen[key] = true
	if !c.member && col.isExcluded(c.path) {
		col.ix.Skipped = append(col.ix.Skipped, Skipped{Path: c.display, Reason: "the file being analysed"})
		return
	}
	col.cands = append(col.cands, c)
}

// rel is p relative to the build directory when it is inside it.
func (col *collector) rel(p string) string {
	if r, err := filepath.Rel(col.ix.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// expand adds the object at p, or the members of the archive at p.
func (col *collector) expand(p string, depth int) error {
	p = filepath.Clean(p)
	head, err := readHead(p)
	if err != nil {
		col.ix.Skipped = append(col.ix.Skipped, Skipped{Path: col.rel(p), Reason: err.Error()})
		return nil
	}
	if isAr, _ := IsArchive(head); !isAr {
		col.add(candidate{path: p, display: col.rel(p)})
		return nil
	}
	if depth > 8 {
		return fmt.Errorf("%s: archives nested more than 8 deep", p)
	}
	if col.seen["archive:"+p] {
		return nil
	}
	col.seen["archive:"+p] = true
	col.ix.Archives++
	f, err := regular.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	members, thin, err := ReadArchive(f, fi.Size(), p)
	if err != nil {
		return err
	}
	for _, m := range members {
		if thin {
			mp := m.Name
			if !filepath.IsAbs(mp) {
				mp = filepath.Join(filepath.Dir(p), mp)
			}
			if err := col.expand(mp, depth+1); err != nil {
				return err
			}
			continue
		}
		col.add(candidate{path: p, display: fmt.Sprintf("%s(%s)", col.rel(p), m.Name), offset: m.Offset, size: m.Size, member: true})
	}
	return nil
}

// readCandidates reads every candidate's symbols, on opts.Workers
// goroutines (every CPU by default).
func readCandidates(cands []candidate, opts Options) []result {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	results := make([]result, len(cands))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = readCandidate(cands[i], opts.NM)
			}
		}()
	}
	for i := range cands {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// add indexes what was read, in the candidates' order; the first error
// ends it.
func (ix *Index) add(cands []candidate, results []result) error {
	for i, r := range results {
		switch {
		case r.err != nil:
			return r.err
		case r.skip != "":
			ix.Skipped = append(ix.Skipped, Skipped{Path: cands[i].display, Reason: r.skip})
			continue
		case r.obj == nil:
			continue // not an object at all
		}
		if r.nm != "" {
			ix.NM = r.nm
		}
		if !r.obj.LTO && r.obj.Source == "" && !cands[i].member {
			// clang's integrated assembler writes no STT_FILE: kbuild's
			// .cmd file beside the object names the .S it was made from.
			r.obj.Source = kbuildSource(cands[i].path)
		}
		id := len(ix.Objects)
		r.obj.Path = cands[i].display
		ix.Objects = append(ix.Objects, r.obj)
		for _, n := range r.globals {
			ix.globals[n] = append(ix.globals[n], id)
		}
		for _, n := range r.locals {
			ix.locals[n] = append(ix.locals[n], id)
		}
	}
	return nil
}

func readHead(p string) ([]byte, error) {
	f, err := regular.Open(p)
	var nr *regular.NotRegularError
	if errors.As(err, &nr) {
		return nil, fmt.Errorf("%s, not a regular file: not read (a FIFO would block)", nr.Kind)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot open: %v", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	return head[:n], nil
}

func readCandidate(c candidate, nm string) result {
	f, err := regular.Open(c.path)
	if err != nil {
		return result{skip: "cannot open: " + err.Error()}
	}
	defer f.Close()
	var r io.ReaderAt = f
	size := c.size
	if c.member {
		r = io.NewSectionReader(f, c.offset, c.size)
	} else {
		fi, err := f.Stat()
		if err != nil {
			return result{skip: err.Error()}
		}
		size = fi.Size()
	}
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bitcode.IsBitcode(head):
		return readBitcode(r, size, c, nm)
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return readELF(r, size, c)
	}
	return result{} // not an object (a .a/.o of something else): ignored
}

func readBitcode(r io.ReaderAt, size int64, c candidate, nm string) result {
	m, err := bitcode.Read(r, size, c.display)
	var nse *bitcode.NoSymtabError
	if errors.As(err, &nse) {
		return readBitcodeNM(r, size, c, nm, nse)
	}
	if err != nil {
		return result{err: err}
	}
	res := result{obj: &Object{LTO: true, Source: m.SourceFileName}}
	// A module without the hash record (or one this reader cannot walk)
	// is still matched by its names.
	if h, ok, err := bitcode.ModuleHash(r, size, c.display); err == nil && ok {
		res.obj.ModuleHash = h
	}
	for _, s := range m.Symbols {
		if s.Undefined || s.FormatSpecific || s.Name == "" {
			continue
		}
		if s.Global {
			res.globals = append(res.globals, s.Name)
		} else {
			res.locals = append(res.locals, s.Name)
		}
	}
	return res
}

// readBitcodeNM asks llvm-nm for the symbols of bitcode the native reader
// cannot read, choosing the llvm-nm of the LLVM that wrote the file.
func readBitcodeNM(r io.ReaderAt, size int64, c candidate, nm string, why *bitcode.NoSymtabError) result {
	tools := []string{}
	if nm != "" {
		tools = append(tools, nm)
	} else {
		if major := producerMajor(why.Identification); major != "" {
			tools = append(tools, "llvm-nm-"+major)
		}
		tools = append(tools, "llvm-nm")
	}
	var tool string
	for _, t := range tools {
		if p, err := exec.LookPath(t); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		pkg := "llvm-<version>"
		if major := producerMajor(why.Identification); major != "" {
			pkg = "llvm-" + major
		}
		return result{err: fmt.Errorf("%v; reading it needs %s, which is not on PATH: install the Debian package %s, or name the llvm-nm to read it with", why, strings.Join(tools, " or "), pkg)}
	}
	path := c.path
	if c.member {
		tmp, err := os.CreateTemp("", "klpcheck-member-*.o")
		if err != nil {
			return result{err: err}
		}
		defer os.Remove(tmp.Name())
		if _, err := io.Copy(tmp, io.NewSectionReader(r, 0, size)); err != nil {
			tmp.Close()
			return result{err: err}
		}
		tmp.Close()
		path = tmp.Name()
	}
	out, err := exec.Command(tool, "--defined-only", path).Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && !exitErr.Exited() {
		// Killed by a signal: llvm-nm segfaults on some malformed bitcode.
		return result{err: fmt.Errorf("could not read the bitcode symbol table of %s (%s crashed): %v; the file is malformed or truncated: rebuild it", c.display, filepath.Base(tool), exitErr)}
	}
	if err != nil {
		return result{err: fmt.Errorf("%s --defined-only %s: %v", tool, c.display, err)}
	}
	res := result{obj: &Object{LTO: true}, nm: tool}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		letter, name := f[len(f)-2], f[len(f)-1]
		if len(letter) != 1 || letter == "U" || letter == "u" {
			continue
		}
		if letter == strings.ToLower(letter) {
			res.locals = append(res.locals, name)
		} else {
			res.globals = append(res.globals, name)
		}
	}
	return res
}

// producerMajor turns "LLVM22.1.8" (or "22.1.8") into "22".
func producerMajor(ident string) string {
	v := strings.TrimPrefix(ident, "LLVM")
	major, _, _ := strings.Cut(v, ".")
	for _, c := range major {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return major
}

func readELF(r io.ReaderAt, size int64, c candidate) result {
	f, err := elfsym.New(r, size, c.display)
	if err != nil {
		return result{err: err}
	}
	if f.Type != elfsym.TypeRel {
		return result{skip: "a linked executable, not an object"}
	}
	it, err := f.Symbols()
	if errors.Is(err, elfsym.ErrNoSymtab) {
		return result{skip: "no symbol table"}
	}
	if err != nil {
		return result{err: err}
	}
	res := result{obj: &Object{}}
	files := map[string]bool{}
	var fileName string
	for it.Next() {
		s := it.Symbol()
		switch s.Type() {
		case elfsym.STTFile:
			if s.Name != "" && !files[s.Name] {
				files[s.Name] = true
				fileName = s.Name
			}
			continue
		case elfsym.STTSection:
			continue
		}
		if !s.Defined() || s.Name == "" || strings.HasPrefix(s.Name, ".L") {
			continue
		}
		if _, promoted := symname.SplitLLVM(s.Name); promoted {
			return result{skip: "an LTO link output (holds .llvm. promoted symbols)"}
		}
		if s.Bind() == elfsym.STBLocal {
			res.locals = append(res.locals, s.Name)
		} else {
			res.globals = append(res.globals, s.Name)
		}
	}
	if err := it.Err(); err != nil {
		return result{err: err}
	}
	if len(files) > 1 {
		return result{skip: fmt.Sprintf("a linked output (symbols of %d source files)", len(files))}
	}
	res.obj.Source = fileName
	ext := strings.ToLower(filepath.Ext(fileName))
	res.obj.Asm = fileName == "" || ext == ".s"
	return res
}

// maxCmdFile bounds the kbuild .cmd file read for an object's source: real
// ones are tens of kilobytes (the dependency list).
const maxCmdFile = 4 << 20

// kbuildSource returns the source file kbuild recorded for the object at
// path, from the "source_<target> := <file>" line of the .<name>.cmd file
// kbuild writes beside it; "" when there is none. Only read, never run.
func kbuildSource(path string) string {
	cmd := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".cmd")
	f, err := regular.Open(cmd) // a FIFO would block
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxCmdFile))
	sc.Buffer(make([]byte, 0, 64<<10), maxCmdFile)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "source_") {
			continue
		}
		if _, src, ok := strings.Cut(line, " := "); ok {
			return strings.TrimSpace(src)
		}
	}
	return ""
}

// ByModuleHash returns the bitcode objects whose module hash is hash: the
// object a group of promoted symbols came from.
func (ix *Index) ByModuleHash(hash string) []*Object {
	var out []*Object
	for _, o := range ix.Objects {
		if o.LTO && o.ModuleHash == hash {
			out = append(out, o)
		}
	}
	return out
}

// DefiningAll returns the LTO objects that define every name, as a static
// or as a global: "f.v", a static v inside function f, is known by f,
// which may well be global.
func (ix *Index) DefiningAll(names []string) []*Object {
	names = uniq(names)
	if len(names) == 0 {
		return nil
	}
	count := map[int]int{}
	for _, n := range names {
		ids := map[int]bool{}
		for _, id := range ix.locals[n] {
			ids[id] = true
		}
		for _, id := range ix.globals[n] {
			ids[id] = true
		}
		for id := range ids {
			if ix.Objects[id].LTO {
				count[id]++
			}
		}
	}
	var out []*Object
	for id, c := range count {
		if c == len(names) {
			out = append(out, ix.Objects[id])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
