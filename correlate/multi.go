package correlate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/regular"
	"klpcheck/correlate/objects"
	"klpcheck/internal/report"
)

// ManyOptions are what the command line passes for several files.
type ManyOptions struct {
	// Options apply to every file: MaxSuffixed is the budget of each.
	// Against must be empty (twins pair one file with one original), and
	// Progress is not called (FilesDone is).
	Options
	// MaxSuffixedTotal fails the run when the functions+data of all files
	// together exceed it; NoBudget (or any negative value) disables it.
	MaxSuffixedTotal int
	// Workers is how many files are read at once; 0: GOMAXPROCS.
	Workers int
	// FilesDone, if set, is told after each file how many of total are
	// done. Calls never overlap.
	FilesDone func(done, total int)
}

// Many is what correlate found in several files: one Result per file
// read, in the order of their paths, and the totals.
type Many struct {
	// Files are the results of the files read, sorted by path; each is
	// the document a single FILE gives.
	Files []*Result `json:"files"`
	// Unreadable names each file that could not be read, and each
	// directory that holds no ELF object, with the reason.
	Unreadable []Unreadable `json:"unreadable"`
	// Skipped are the files found in a directory and not read: FIFOs and
	// devices, objects that are not ELF (LLVM bitcode, archives), links
	// not followed.
	Skipped []Skipped `json:"skipped"`
	Totals  Totals    `json:"totals"`
	// Budget is the budget of all files together; null unless
	// MaxSuffixedTotal was given.
	Budget *Budget `json:"budget"`
	// Status is the exit status: 2 when a file could not be read, else 1
	// when a file has a finding or the total budget is exceeded, else 0.
	Status  int      `json:"status"`
	Reasons []string `json:"reasons"`
}

// Unreadable is a file (or directory) that could not be read, and why.
type Unreadable struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Totals add up the files read.
type Totals struct {
	Files         int `json:"files"` // files read
	Unreadable    int `json:"unreadable"`
	Skipped       int `json:"skipped"`
	SymbolEntries int `json:"symbol_entries"`
	Functions     int `json:"functions"`
	Data          int `json:"data"`
	DataStrings   int `json:"data_strings"`
	Other         int `json:"other"`
	// Suffixed is Functions+Data: what the budgets limit.
	Suffixed int `json:"suffixed"`
	// Modules counts the hash groups of all files.
	Modules       int            `json:"modules"`
	OtherSuffixes map[string]int `json:"other_suffixes"`
	// Conflicts is the sum over the files: a conflict found in two files
	// (vmlinux.o and the vmlinux linked from it) counts twice.
	Conflicts ConflictCounts `json:"conflicts"`
	// DistinctConflicts counts each conflict once, by its name and the
	// source file(s) of its C static, under the most severe class a file
	// gives it; a conflict whose static's source file the build or DWARF
	// does not name counts once per file.
	DistinctConflicts ConflictCounts `json:"distinct_conflicts"`
	// FilesOverBudget exceed MaxSuffixed on their own; FilesWithFindings
	// have any finding (status 1).
	FilesOverBudget   int `json:"files_over_budget"`
	FilesWithFindings int `json:"files_with_findings"`
}

// ConflictCounts count conflicts by class.
type ConflictCounts struct {
	Hard     int `json:"hard"`
	Latent   int `json:"latent"`
	Possible int `json:"possible"`
}

// Total is the number of conflicts of every class.
func (c ConflictCounts) Total() int { return c.Hard + c.Latent + c.Possible }

// add counts one conflict of class.
func (c *ConflictCounts) add(class string) {
	switch class {
	case ClassHard:
		c.Hard++
	case ClassLatent:
		c.Latent++
	case ClassPossible:
		c.Possible++
	}
}

// ErrAgainstMany is AnalyzeMany's answer to Options.Against: twins are
// pairs of one file and its original.
var ErrAgainstMany = errors.New("twins pair one file with one original: several files cannot be paired against one")

// Objects in a directory are the files named so.
func isObjectName(name string) bool {
	return strings.HasSuffix(name, ".o") || strings.HasSuffix(name, ".ko") || name == "vmlinux"
}

// compressedModule is the compression of a module named NAME.ko.xz,
// .ko.zst or .ko.gz (what a distribution's /lib/modules holds, with
// CONFIG_MODULE_COMPRESS_*), and the program that decompresses it; "" for
// any other name. Such a module is not read, but listed as skipped: it
// must not vanish from the report unseen.
func compressedModule(name string) (kind, tool string) {
	for _, c := range [...]struct{ ext, kind, tool string }{
		{".ko.xz", "xz", "xz -dk"}, {".ko.zst", "zstd", "zstd -d"}, {".ko.gz", "gzip", "gzip -dk"},
	} {
		if strings.HasSuffix(name, c.ext) {
			return c.kind, c.tool
		}
	}
	return "", ""
}

// input is one file to read, and the argument that named it.
type input struct {
	path    string
	fromDir string // the directory argument it was found in; "" when named
}

// dirArg is a directory argument and the objects found below it.
type dirArg struct {
	path  string
	files []string
}

// AnalyzeMany reads every file of paths, and every ELF object (*.o, *.ko,
// vmlinux) below each directory of paths, several at once, and returns
// one Result per file and the totals. A file that cannot be read is named
// in Many.Unreadable (status 2) and the others are still read; the error
// is for a run that could not be made at all (ctx done, Options.Against,
// a --build directory that cannot be scanned).
func AnalyzeMany(ctx context.Context, paths []string, opts ManyOptions) (*Many, error) {
	if opts.Against != "" {
		return nil, ErrAgainstMany
	}
	m := &Many{Files: []*Result{}, Unreadable: []Unreadable{}, Skipped: []Skipped{}, Reasons: []string{}}
	inputs, dirs := m.expand(paths)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	per := opts.Options
	per.Progress = nil
	if per.BuildDir != "" {
		// One scan for all the files, not one each.
		var exclude []string
		for _, in := range inputs {
			if strings.HasSuffix(in.path, ".o") {
				exclude = append(exclude, in.path)
			}
		}
		ix, err := objects.Scan(per.BuildDir, objects.Options{Exclude: exclude, NM: per.LLVMNM})
		if err != nil {
			return nil, err
		}
		per.buildIndex = ix
	}
	results, errs := analyzeAll(ctx, inputs, per, opts.Workers, opts.FilesDone)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	read := map[string]bool{}
	for i, in := range inputs {
		switch err := errs[i]; {
		case err == nil:
			m.Files = append(m.Files, results[i])
			read[in.path] = true
		case in.fromDir != "" && errors.Is(err, elfsym.ErrNotELF):
			// Not the advice a named FILE gets: only what the file is.
			reason, _, _ := strings.Cut(withoutPath(err, in.path), ": ")
			m.Skipped = append(m.Skipped, Skipped{Path: in.path, Reason: reason})
		default:
			m.Unreadable = append(m.Unreadable, Unreadable{Path: in.path, Error: withoutPath(err, in.path)})
		}
	}
	for _, d := range dirs {
		if !slices.ContainsFunc(d.files, func(p string) bool { return read[p] }) {
			m.Unreadable = append(m.Unreadable, Unreadable{Path: d.path, Error: "no ELF object (*.o, *.ko, vmlinux) below this directory"})
		}
	}
	sort.Slice(m.Unreadable, func(i, j int) bool { return m.Unreadable[i].Path < m.Unreadable[j].Path })
	sort.Slice(m.Skipped, func(i, j int) bool { return m.Skipped[i].Path < m.Skipped[j].Path })
	m.total(opts.MaxSuffixedTotal)
	return m, nil
}

// withoutPath is err's message without the path it starts with: the
// report names the file already.
func withoutPath(err error, path string) string {
	return strings.TrimPrefix(err.Error(), path+": ")
}

// expand turns the arguments into the files to read, sorted by path and
// each once, and the directories among the arguments. A directory is
// walked as --build is (symbolic links to directories followed, cycles
// not); what cannot be read is noted in m.
func (m *Many) expand(paths []string) ([]input, []dirArg) {
	var inputs []input
	var dirs []dirArg
	seen := map[string]bool{}
	add := func(in input) {
		in.path = filepath.Clean(in.path)
		if in.fromDir != "" {
			d := &dirs[len(dirs)-1]
			d.files = append(d.files, in.path)
		}
		if !seen[in.path] {
			seen[in.path] = true
			inputs = append(inputs, in)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			add(input{path: p}) // its error, if any, comes from reading it
			continue
		}
		dir := filepath.Clean(p)
		dirs = append(dirs, dirArg{path: dir})
		err = objects.Walk(dir, func(path, name string) {
			if !isObjectName(name) {
				if kind, tool := compressedModule(name); kind != "" {
					m.Skipped = append(m.Skipped, Skipped{Path: path, Reason: fmt.Sprintf("%s-compressed module, not read: decompress it first (%s)", kind, tool)})
				}
				return
			}
			st, err := os.Stat(path)
			switch {
			case err != nil:
				m.Skipped = append(m.Skipped, Skipped{Path: path, Reason: err.Error()})
			case !st.Mode().IsRegular():
				m.Skipped = append(m.Skipped, Skipped{Path: path, Reason: regular.Kind(st.Mode()) + ", not a regular file: only regular files are read"})
			default:
				add(input{path: path, fromDir: dir})
			}
		}, func(rel, reason string) {
			m.Skipped = append(m.Skipped, Skipped{Path: filepath.Join(dir, rel), Reason: reason})
		}, func(sub string, err error) {
			// One unreadable subdirectory must not hide the rest of the tree.
			m.Unreadable = append(m.Unreadable, Unreadable{Path: sub, Error: err.Error()})
		})
		if err != nil {
			m.Unreadable = append(m.Unreadable, Unreadable{Path: dir, Error: err.Error()})
		}
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].path < inputs[j].path })
	return inputs, dirs
}

// analyzeAll reads the inputs with a bounded pool of workers. Results and
// errors are by input; after ctx is done no new file is started.
func analyzeAll(ctx context.Context, inputs []input, opts Options, workers int, done func(int, int)) ([]*Result, []error) {
	results := make([]*Result, len(inputs))
	errs := make([]error, len(inputs))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(inputs))
	var mu sync.Mutex
	finished := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[i] = ctx.Err(); errs[i] != nil {
					continue // handed out as ctx was done: not started
				}
				results[i], errs[i] = analyzeSmall(ctx, inputs[i].path, opts)
				if done != nil {
					mu.Lock()
					finished++
					done(finished, len(inputs))
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range inputs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return results, errs
}

// total adds up the files and decides the status.
func (m *Many) total(maxTotal int) {
	t := &m.Totals
	t.OtherSuffixes = map[string]int{}
	for _, r := range m.Files {
		t.Files++
		t.SymbolEntries += r.SymbolEntries
		t.Functions += r.Suffixed.Functions
		t.Data += r.Suffixed.Data
		t.DataStrings += r.Suffixed.DataStrings
		t.Other += r.Suffixed.Other
		t.Modules += len(r.Suffixed.ByHash)
		for k, n := range r.OtherSuffixes {
			t.OtherSuffixes[k] += n
		}
		for _, cf := range r.Conflicts {
			t.Conflicts.add(cf.Class)
		}
		if r.Budget != nil && r.Budget.Exceeded {
			t.FilesOverBudget++
		}
		if r.Status != report.ExitClean {
			t.FilesWithFindings++
		}
	}
	t.DistinctConflicts = distinctConflicts(m.Files)
	t.Suffixed = t.Functions + t.Data
	t.Unreadable = len(m.Unreadable)
	t.Skipped = len(m.Skipped)
	if maxTotal >= 0 {
		m.Budget = &Budget{Max: maxTotal, Count: t.Suffixed, Exceeded: t.Suffixed > maxTotal}
	}
	m.Reasons = []string{}
	if t.Unreadable > 0 {
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d file(s) could not be read", t.Unreadable))
	}
	if t.FilesWithFindings > 0 {
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d file(s) with findings (%d over the budget, %d hard conflict(s) in all)", t.FilesWithFindings, t.FilesOverBudget, t.Conflicts.Hard))
	}
	if m.Budget != nil && m.Budget.Exceeded {
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d suffixed symbols (functions+data) in all files exceed the total budget of %d", m.Budget.Count, m.Budget.Max))
	}
	switch {
	case t.Unreadable > 0:
		m.Status = report.ExitError
	case len(m.Reasons) > 0:
		m.Status = report.ExitFindings
	default:
		m.Status = report.ExitClean
	}
}

// conflictCounts counts the file's conflicts by class.
func (res *Result) conflictCounts() ConflictCounts {
	var c ConflictCounts
	for _, cf := range res.Conflicts {
		c.add(cf.Class)
	}
	return c
}

// conflictIdentity is what makes a conflict the same one in two files.
//
// A conflict is an assembly global and a C static of the same name in one
// link. vmlinux.o and the vmlinux linked from it (or a build directory
// holding both) show the same link twice, and each reports the conflict,
// with the same name and the same static: the source file(s) defining it,
// as the build or DWARF name them (paths in the tree, the same from both
// files). So the identity is the name and the static's source files.
// The assembly side is not needed: a link has one global of a name.
// Two different conflicts never share it: another link (a module) with a
// global of the same name clashes with a static of another source file,
// as kbuild links a source file into vmlinux or into one module.
//
// When the static's file is not a source path the build or DWARF gave
// (unknown, or the symbol table's STT_FILE, a basename that files in two
// directories share), the identity also holds the binary: the conflict is
// then counted once per file, never merged with another.
type conflictIdentity struct {
	name    string
	sources string // the static's source files, cleaned and sorted
	binary  string // "" unless sources cannot tell two statics apart
}

func identityOf(res *Result, cf Conflict) conflictIdentity {
	id := conflictIdentity{name: cf.Name}
	if cf.C.File == "" || (cf.C.From != FromBuild && cf.C.From != FromDWARF) {
		id.binary = res.File
		return id
	}
	files := strings.Split(cf.C.File, ", ")
	for i, f := range files {
		files[i] = filepath.ToSlash(filepath.Clean(f))
	}
	sort.Strings(files)
	id.sources = strings.Join(files, "\x00")
	return id
}

// classRank orders the classes by severity, hard first.
func classRank(class string) int {
	switch class {
	case ClassHard:
		return 0
	case ClassLatent:
		return 1
	}
	return 2
}

// distinctConflicts counts the conflicts of files once each, under the
// most severe class a file gives it (a file read with less provenance may
// see a hard conflict as only possible).
func distinctConflicts(files []*Result) ConflictCounts {
	class := map[conflictIdentity]string{}
	for _, r := range files {
		for _, cf := range r.Conflicts {
			id := identityOf(r, cf)
			if c, seen := class[id]; !seen || classRank(cf.Class) < classRank(c) {
				class[id] = cf.Class
			}
		}
	}
	var out ConflictCounts
	for _, c := range class {
		out.add(c)
	}
	return out
}

// mapAbove is the size from which a file of many is mapped, as Analyze
// maps every file. A module is read with pread alone: mapping and
// unmapping thousands of small files costs more system time (each munmap
// stops every thread of the process to flush its TLB) than reading them.
const mapAbove = 4 << 20

// analyzeSmall is AnalyzeContext, reading a file below mapAbove without
// mapping it.
func analyzeSmall(ctx context.Context, path string, opts Options) (*Result, error) {
	fh, err := regular.Open(path)
	if err != nil {
		return AnalyzeContext(ctx, path, opts) // the error Analyze gives
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || st.Size() >= mapAbove {
		return AnalyzeContext(ctx, path, opts)
	}
	return analyze(ctx, path, func() (*elfsym.File, error) { return elfsym.New(fh, st.Size(), path) }, opts)
}
