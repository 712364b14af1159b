// Package lint is klpcheck's pre-submit review of a kernel Makefile's LTO
// block, and of patches to it, for Clang ThinLTO suffix reduction.
//
// It parses the top-level Makefile (lint/makefile), applies --patch files in
// memory (lint/patch), reads arch/Kconfig (lint/kconfig), evaluates the
// Makefile for every LTO mode and toolchain of the matrix (lint/eval,
// lint/model) without running anything, and runs the rules (lint/rules) over
// the results. Run is the library entry point; cmd/klpcheck and the check
// command call it.
package lint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"klpcheck/lint/eval"
	"klpcheck/lint/kconfig"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
	"klpcheck/lint/patch"
	"klpcheck/lint/rules"
)

// Options say what to lint.
type Options struct {
	// Path is a kernel tree (its Makefile, arch/Kconfig and
	// scripts/Makefile.compiler are read when present), a single Makefile,
	// or "-" for standard input. Empty means ".".
	Path string
	// Patches are unified diffs, git format-patch mails or mboxes, applied
	// in order before linting.
	Patches []string
	// Stdin is read when Path is "-".
	Stdin io.Reader
	// Toolchains replaces the default matrix (model.Toolchains) when set.
	Toolchains []model.Toolchain
	// Build is a configured build directory (make O=Build, or the tree
	// itself for an in-tree build): the final sub-make runs there, and its
	// include/config/auto.conf is evaluated as one more configuration
	// besides the matrix. Empty: an in-tree build, the matrix only.
	Build string
	// Arch is ARCH on make's command line; empty: the host's, as
	// scripts/subarch.include derives it.
	Arch string
	// LLVM is LLVM= on make's command line; empty: DefaultLLVM.
	LLVM string
	// Enable, when set, runs only these rules; Disable turns rules off
	// (rules.Select: IDs are case-insensitive, an unknown one an error).
	Enable, Disable []string
	// MinSeverity drops the findings less severe than it after
	// suppression; empty keeps all.
	MinSeverity rules.Severity
}

// Result is what lint found. The JSON field names are a contract.
type Result struct {
	Findings         []Finding `json:"findings"`
	ConfigsEvaluated int       `json:"configs_evaluated"`
	// Configurations names the configurations evaluated, in matrix order
	// (the build's own configuration, with --build, last).
	Configurations []string `json:"configurations"`
	// Invocation is the make evaluated: the final sub-make.
	Invocation *Invocation `json:"invocation"`
	// FilesEvaluated are the files make read in some configuration, the
	// Makefile first, then in the order includes reached them.
	FilesEvaluated []string `json:"files_evaluated"`
	// NotFollowed are the included names no configuration read, with why.
	NotFollowed []IncludeNote `json:"includes_not_followed"`
	// Evaluations say, per configuration in Configurations order, whether
	// make stopped and whether the flags reach KBUILD_LDFLAGS.
	Evaluations []Evaluation `json:"evaluations"`
	// Patches says, for each --patch mail in order, where its hunks
	// applied.
	Patches []PatchReport `json:"patches"`
	// Suppressed are the findings "# klpcheck: ignore=ID reason" comments
	// suppressed; they are not in Findings and do not count.
	Suppressed []Suppressed `json:"suppressed"`
}

// IncludeNote is an include directive whose file was not read.
type IncludeNote struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Name string `json:"name"`
	Why  string `json:"why"`
}

// PatchReport is one mail of a --patch file and what became of its hunks.
type PatchReport struct {
	Patch   string       `json:"patch"`
	Subject string       `json:"subject"`
	Hunks   []HunkReport `json:"hunks"`
}

// HunkReport is one hunk: where it applied (Line, and Offset from the line
// its header names), or why it did not.
type HunkReport struct {
	Hunk    int    `json:"hunk"`
	File    string `json:"file"`
	Applied bool   `json:"applied"`
	Line    int    `json:"line"`
	Offset  int    `json:"offset"`
	Reason  string `json:"reason,omitempty"`
}

// Finding is one problem.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	// Path is File as the user gave it: for a file of a tree, the tree's
	// path joined with File, so that an editor opens it from the
	// current directory. Text and SARIF name files by Path.
	Path    string `json:"path"`
	Message string `json:"message"`
	// Configs are the configurations the finding holds for, such as
	// "THIN with LLVM 22.1"; empty for findings about the text itself.
	Configs []string `json:"configs"`
	// ConfigIndex are the same configurations as values: indexes into
	// Result.Evaluations (and Configurations), for Go callers such as
	// check that decide on them; ConfigsOf looks them up.
	ConfigIndex []int `json:"-"`
	// Patch and Hunk name the --patch and its hunk (1-based over the
	// patch's files) that added the line; null otherwise.
	Patch        *string `json:"patch"`
	Hunk         *int    `json:"hunk"`
	PatchSubject string  `json:"patch_subject,omitempty"`
}

// Run lints according to opts. The error is an *InputError for input that
// could not be read (exit status 2), or a rule's error.
func Run(opts Options) (*Result, error) {
	return RunContext(context.Background(), opts)
}

// RunContext is Run that stops when ctx is done (a signal): between
// phases, per configuration and included file, and every thousand or so
// statements or expansion steps within an evaluation, so that a huge or
// pathological Makefile stops promptly too. The error then wraps
// ctx.Err(). lint runs no program: there is nothing else to stop.
func RunContext(ctx context.Context, opts Options) (*Result, error) {
	selected, err := rules.Select(opts.Enable, opts.Disable)
	if err != nil {
		return nil, err
	}
	stop := &atomic.Bool{}
	defer context.AfterFunc(ctx, func() { stop.Store(true) })()
	s, err := prepareContext(ctx, stop, opts)
	if err != nil {
		return nil, cancelled(ctx, err)
	}
	if err := s.allStop(); err != nil {
		return nil, err
	}
	s.rules, s.minSeverity = selected, opts.MinSeverity
	if err := ctx.Err(); err != nil {
		return nil, cancelled(ctx, err)
	}
	return s.lint()
}

// cancelled is err, or the context's error when ctx is done: an evaluation
// a signal ended reports that, not the "cancelled" limit it stopped at.
func cancelled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("stopped before the end: %w", ctx.Err())
	}
	return err
}

// allStop is the error for a Makefile that every configuration stops
// reading at a $(error ...): there is nothing to lint, and make's message
// says why (a tree whose path has a space or a colon, for instance).
func (s *session) allStop() error {
	if len(s.configs) == 0 {
		return nil
	}
	for _, c := range s.configs {
		if !c.Result.StoppedByError {
			return nil
		}
	}
	first := s.configs[0].Result
	same := true
	for _, c := range s.configs {
		if c.Result.Aborted.Pos != first.Aborted.Pos {
			same = false
		}
	}
	where := "here"
	if !same {
		where = "here in " + s.configs[0].Config.String() + ", and at other $(error ...) calls"
	}
	return &InputError{File: s.userPath(first.Aborted.Pos.File), Line: first.Aborted.Pos.Line,
		Err: fmt.Errorf("GNU make stops %s in all %d configurations (*** %s.  Stop.): there is nothing to lint", where, len(s.configs), first.ErrorMsg)}
}

// userPath is the path of a file lint names name in findings, as the user
// gave it: the tree directory joined with the file's path in the tree, so
// that an editor opens it from the current directory.
func (s *session) userPath(name string) string {
	if s.tree.root == "" || filepath.IsAbs(name) {
		return name
	}
	for rel := range s.tree.docs {
		if s.tree.name(rel) == name {
			return filepath.Join(s.tree.root, filepath.FromSlash(rel))
		}
	}
	return filepath.Join(s.tree.root, filepath.FromSlash(name))
}

// session is everything between reading the input and running the rules.
type session struct {
	tree      *tree
	makefile  *makefile.File
	kfiles    []*kconfig.File
	fragments []*fragment
	patchFind []Finding // hunks that did not apply
	patches   []PatchReport
	modes     []model.Mode
	configs   []*rules.Evaluated
	inv       *Invocation
	includes  *includer
	tryRun    bool // the tree's ld-option and try-run are evaluated
	build     *buildConfig
	track     map[makefile.Node]bool // the statements whose reach the rules need
	reads     *eval.ReadSet          // the variables anything reads; nil: all
	// rules are the rules to run; minSeverity drops less severe findings.
	rules       []*rules.Rule
	minSeverity rules.Severity
	// stop, once set, ends every evaluation (the caller's context is
	// done, or one configuration failed).
	stop *atomic.Bool
}

// fragment is the added lines of a hunk that did not apply.
type fragment struct {
	failure  patch.Failure
	makefile *makefile.File // nil unless the hunk is for a Makefile
	kconfig  *kconfig.File  // nil unless the hunk is for a Kconfig file
	text     string         // the added lines at their would-be line numbers
}

func prepare(opts Options) (*session, error) {
	return prepareContext(context.Background(), &atomic.Bool{}, opts)
}

// prepareContext reads the inputs and evaluates every configuration; it
// stops when ctx is done, and stop ends the evaluations.
func prepareContext(ctx context.Context, stop *atomic.Bool, opts Options) (*session, error) {
	s, err := loadSession(ctx, stop, opts)
	if err != nil {
		return nil, err
	}
	mkText, err := s.parseInputs(ctx)
	if err != nil {
		return nil, err
	}
	toolchains := opts.Toolchains
	if len(toolchains) == 0 {
		toolchains = model.Toolchains()
	}
	s.modes = s.findModes()
	helpers, err := s.helpers()
	if err != nil {
		return nil, err
	}
	s.track = rules.ReachWanted(s.makefile)
	s.reads = eval.Reads(s.makefile, s.track, rules.Watched...)
	// Only a Makefile that re-runs itself has a first make apart from the
	// final one (kernel-shaped fixtures without it are read as one make).
	if strings.Contains(mkText, "sub_make_done") {
		if err := s.firstMakeStop(helpers, toolchains[0]); err != nil {
			return nil, err
		}
	}
	matrix := model.Matrix(s.modes, toolchains)
	if opts.Build != "" {
		if s.build, err = loadBuild(opts.Build, s.modes); err != nil {
			return nil, err
		}
		matrix = append(matrix, s.build.config)
	}
	errs := s.evaluateAll(matrix, helpers)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := firstEvalError(errs); err != nil {
		return nil, err
	}
	return s, nil
}

// loadSession reads the tree and the patches and applies the patches.
func loadSession(ctx context.Context, stop *atomic.Bool, opts Options) (*session, error) {
	t, err := loadTree(opts.Path, opts.Stdin)
	if err != nil {
		return nil, err
	}
	sets, err := loadPatches(opts.Patches, opts.Stdin)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &session{tree: t, stop: stop}
	if s.inv, err = newInvocation(t, opts); err != nil {
		return nil, err
	}
	s.includes = &includer{t: t, inv: s.inv, parsed: map[string]*parsedFile{}}
	for _, set := range sets {
		for _, p := range set.patches {
			s.apply(p)
		}
	}
	return s, nil
}

// parseInputs parses the patched Makefile and the Kconfig files, those of
// the hunks that did not apply included, and returns the Makefile's text.
func (s *session) parseInputs(ctx context.Context) (string, error) {
	t := s.tree
	mkDoc := t.docs[pathMakefile]
	if mkDoc == nil {
		return "", &InputError{File: t.name(pathMakefile), Err: errors.New("a patch deleted the Makefile")}
	}
	var err error
	s.makefile, err = makefile.ParseString(t.name(pathMakefile), mkDoc.Text(), 0)
	if err != nil {
		return "", limitError(err)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	for _, rel := range t.kconfigPaths() {
		s.kfiles = append(s.kfiles, kconfig.Parse(t.name(rel), []byte(t.docs[rel].Text())))
	}
	for _, fr := range s.fragments {
		if fr.kconfig != nil {
			s.kfiles = append(s.kfiles, fr.kconfig)
		}
	}
	return mkDoc.Text(), nil
}

// evaluateAll evaluates the configurations of matrix into s.configs and
// returns their errors; with a build, its configuration is the last.
// Configurations are independent: they are evaluated in parallel, and the
// parsed files are only read.
func (s *session) evaluateAll(matrix []model.Config, helpers map[string]bool) []error {
	s.configs = make([]*rules.Evaluated, len(matrix))
	errs := make([]error, len(matrix))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(matrix)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if s.stop.Load() {
					continue
				}
				if s.build != nil && k == len(matrix)-1 {
					s.configs[k], errs[k] = s.evaluateBuild(helpers, s.stop)
				} else {
					s.configs[k], errs[k] = s.evaluate(matrix[k], helpers, s.stop)
				}
				if errs[k] != nil {
					s.stop.Store(true) // an input error in one configuration ends all
				}
			}
		}()
	}
	for k := range matrix {
		next <- k
	}
	close(next)
	wg.Wait()
	return errs
}

// firstEvalError is the first error in matrix order: evaluations cancelled
// because of it have errors too, which it is preferred to.
func firstEvalError(errs []error) error {
	for _, err := range errs {
		var le *eval.LimitError
		if err != nil && !(errors.As(err, &le) && le.Cancelled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func limitError(err error) error {
	if ee, ok := err.(*eval.LimitError); ok && ee.Cancelled {
		return err // dropped in favour of the error that caused it
	}
	var le *makefile.LimitError
	if errors.As(err, &le) {
		return &InputError{File: le.Pos.File, Line: le.Pos.Line, Err: errors.New(le.Msg)}
	}
	var ee *eval.LimitError
	if errors.As(err, &ee) {
		return &InputError{File: ee.Pos.File, Line: ee.Pos.Line, Err: errors.New(ee.Msg)}
	}
	return err
}

// apply applies the parts of p that touch files lint reads.
func (s *session) apply(p *patch.Patch) {
	t := s.tree
	kept := *p
	kept.Files = nil
	rep := PatchReport{Patch: p.Name(), Subject: p.Subject, Hunks: []HunkReport{}}
	at := map[*patch.Hunk]*HunkReport{}
	for _, f := range p.Files {
		skip := !relevant(f.Path())
		for _, h := range f.Hunks {
			r := HunkReport{Hunk: h.Index, File: s.userPath(t.name(f.Path()))}
			if skip {
				r.Reason = "klpcheck lint does not read this file"
			}
			rep.Hunks = append(rep.Hunks, r)
		}
		if skip {
			continue
		}
		if f.OldPath != "/dev/null" {
			_ = t.load(f.OldPath) // absent files make the hunks fail, which is reported
		}
		kept.Files = append(kept.Files, f)
	}
	for i := range rep.Hunks {
		at[hunkAt(p, rep.Hunks[i].Hunk)] = &rep.Hunks[i]
	}
	placed, failed := patch.ApplyReport(t.docs, &kept)
	for _, pl := range placed {
		if r := at[pl.Hunk]; r != nil {
			r.Applied, r.Line, r.Offset = true, pl.Line, pl.Offset
		}
	}
	for _, fl := range failed {
		fl.Patch = p
		if r := at[fl.Hunk]; r != nil {
			r.Reason = fl.Reason
		}
		s.fail(fl)
	}
	s.patches = append(s.patches, rep)
}

// hunkAt finds hunk number index of p.
func hunkAt(p *patch.Patch, index int) *patch.Hunk {
	for _, f := range p.Files {
		for _, h := range f.Hunks {
			if h.Index == index {
				return h
			}
		}
	}
	return nil
}

// fail records a hunk that did not apply and parses its added lines.
func (s *session) fail(fl patch.Failure) {
	name := fl.Patch.Name()
	hunk := fl.Hunk.Index
	s.patchFind = append(s.patchFind, Finding{
		Rule:     rules.PATCH001.ID,
		Severity: string(rules.PATCH001.Severity),
		File:     fl.Patch.Source,
		Line:     fl.Hunk.Line,
		Column:   1,
		Message: fmt.Sprintf("hunk %d (%s %s) does not apply: %s; its added lines are linted on their own",
			hunk, fl.File.Path(), strings.TrimSpace(fl.Hunk.Header), fl.Reason),
		Path:         fl.Patch.Source,
		Configs:      []string{},
		Patch:        &name,
		Hunk:         &hunk,
		PatchSubject: fl.Patch.Subject,
	})
	// The added lines at their would-be line numbers, context blanked.
	var b strings.Builder
	n := fl.Hunk.NewStart
	if n < 1 {
		n = 1
	}
	for i := 1; i < n; i++ {
		b.WriteByte('\n')
	}
	for _, l := range fl.Hunk.Lines {
		switch l.Kind {
		case '+':
			b.WriteString(l.Text)
			b.WriteByte('\n')
		case ' ':
			b.WriteByte('\n')
		}
	}
	fr := &fragment{failure: fl, text: b.String()}
	path := fl.File.Path()
	display := s.tree.name(path)
	if path == pathMakefile || strings.HasSuffix(path, "/Makefile") || strings.HasPrefix(filepathBase(path), "Makefile") {
		mf, err := makefile.Parse(display, []byte(b.String()), makefile.Fragment)
		if err == nil {
			fr.makefile = mf
		}
	} else if strings.HasPrefix(filepathBase(path), "Kconfig") {
		fr.kconfig = kconfig.Parse(display, []byte(b.String()))
		fr.kconfig.Fragment = true
	}
	s.fragments = append(s.fragments, fr)
}

func filepathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

var ltoModeRef = regexp.MustCompile(`CONFIG_(LTO_CLANG_[A-Z0-9_]+)`)

// findModes takes the LTO modes from arch/Kconfig's LTO choice, or else
// none/FULL/THIN plus every CONFIG_LTO_CLANG_* mode the Makefile names.
func (s *session) findModes() []model.Mode {
	for _, f := range s.kfiles {
		for _, c := range f.Choices {
			isLTO := false
			for _, m := range c.Members {
				if strings.HasPrefix(m.Name, "LTO_CLANG_") || m.Name == "LTO_NONE" {
					isLTO = true
				}
			}
			if !isLTO {
				continue
			}
			modes := []model.Mode{model.ModeNone}
			for _, m := range c.Members {
				if strings.HasPrefix(m.Name, "LTO_CLANG_") {
					modes = append(modes, model.ModeFor(m.Name))
				}
			}
			return modes
		}
	}
	modes := model.DefaultModes()
	have := map[string]bool{}
	for _, m := range modes {
		have[m.Symbol] = true
	}
	nonChoice := map[string]bool{}
	for _, f := range s.kfiles {
		for _, sym := range f.Symbols {
			if sym.Choice == nil {
				nonChoice[sym.Name] = true
			}
		}
	}
	var named []string
	makefile.Inspect(s.makefile.Nodes, func(n makefile.Node) bool {
		for _, x := range exprsOf(n) {
			if !mentionsLTOMode(x) {
				continue // spares the text of a long line a copy and a regexp
			}
			for _, m := range ltoModeRef.FindAllStringSubmatch(x.String(), -1) {
				sym := m[1]
				if !have[sym] && !nonChoice[sym] {
					have[sym] = true
					named = append(named, sym)
				}
			}
		}
		return true
	})
	sort.Strings(named)
	for _, sym := range named {
		modes = append(modes, model.ModeFor(sym))
	}
	return modes
}

// mentionsLTOMode reports whether a literal of x holds "LTO_CLANG_".
func mentionsLTOMode(x *makefile.Expr) bool {
	found := false
	x.Walk(func(p makefile.Part) bool {
		if l, ok := p.(*makefile.Lit); ok && strings.Contains(l.Text, "LTO_CLANG_") {
			found = true
		}
		return !found
	})
	return found
}

func exprsOf(n makefile.Node) []*makefile.Expr {
	switch n := n.(type) {
	case *makefile.Assign:
		return []*makefile.Expr{n.Value}
	case *makefile.Define:
		return []*makefile.Expr{n.Body}
	case *makefile.Cond:
		var out []*makefile.Expr
		for _, b := range n.Branches {
			out = append(out, b.Var, b.Left, b.Right)
		}
		return out
	case *makefile.ExprLine:
		return []*makefile.Expr{n.X}
	}
	return nil
}

// helpers decides which kbuild functions exist: those scripts/Makefile.compiler
// (when the tree has one) or the Makefile itself defines; all of them when
// linting a Makefile without its tree.
func (s *session) helpers() (map[string]bool, error) {
	out := map[string]bool{}
	doc, ok := s.tree.docs[pathCompiler]
	if !ok {
		for _, h := range eval.Helpers {
			out[h] = true
		}
		return out, nil
	}
	mc, err := makefile.Parse(s.tree.name(pathCompiler), []byte(doc.Text()), 0)
	if err != nil {
		return nil, limitError(err)
	}
	defined := map[string]bool{}
	definedNames(defined, mc, s.makefile)
	for _, h := range eval.Helpers {
		if defined[h] {
			out[h] = true
		}
	}
	// The tree's own ld-option and version helpers run, once included,
	// when it has try-run: only the linker command in try-run's $(shell)
	// and the version tests' $(shell test) are modelled.
	if defined["try-run"] && out["ld-option"] && s.tree.root != "" {
		s.tryRun = true
		// 6.12 defines test-ge... in scripts/Kbuild.include: those run
		// from the tree too, and their gates are named after them.
		if s.tree.load(pathKbuildInclude) == nil {
			doc := s.tree.docs[pathKbuildInclude]
			ki, err := makefile.Parse(s.tree.name(pathKbuildInclude), []byte(doc.Text()), 0)
			if err != nil {
				return nil, limitError(err)
			}
			definedNames(defined, ki)
			for _, h := range []string{"test-ge", "test-gt", "test-le", "test-lt"} {
				out[h] = out[h] || defined[h]
			}
		}
	}
	return out, nil
}

// pathKbuildInclude is where 6.12 defines the test-ge family.
const pathKbuildInclude = "scripts/Kbuild.include"

// definedNames adds to defined the variables the files assign or define.
func definedNames(defined map[string]bool, files ...*makefile.File) {
	for _, f := range files {
		makefile.Inspect(f.Nodes, func(n makefile.Node) bool {
			switch n := n.(type) {
			case *makefile.Assign:
				if name, ok := n.Name.Literal(); ok {
					defined[strings.TrimSpace(name)] = true
				}
			case *makefile.Define:
				if name, ok := n.Name.Literal(); ok {
					defined[strings.TrimSpace(name)] = true
				}
			}
			return true
		})
	}
}

// builtinUnknown are GNU make's own variables whose value klpcheck does
// not model.
var builtinUnknown = map[string]bool{".INCLUDE_DIRS": true, ".VARIABLES": true}

// features is .FEATURES of GNU make 4.3, the make the model follows.
const features = "target-specific order-only second-expansion else-if shortest-stem undefine oneshell nocomment grouped-target extra-prereqs archives jobserver output-sync check-symlink load"

// evaluate reads the Makefile under one configuration.
func (s *session) evaluate(c model.Config, helpers map[string]bool, cancel *atomic.Bool) (*rules.Evaluated, error) {
	forced := c.Symbols(s.modes)
	kev := kconfig.NewEvaluator(s.kfiles, func(name string) (string, bool) {
		v, ok := forced[name]
		return v, ok
	})
	vars := s.inv.vars()
	symbols := map[string]string{}
	known := map[string]bool{}
	define := func(name, v string, taint *eval.Gate) {
		known[name] = true
		if v == "n" || v == "" {
			return
		}
		vars["CONFIG_"+name] = eval.Predefined{Value: v, Taint: taint}
		symbols[name] = v
	}
	for name, v := range forced {
		var taint *eval.Gate
		switch name {
		case "CLANG_VERSION", "AS_VERSION":
			taint = &eval.Gate{Subject: "clang", What: "CONFIG_" + name}
		case "LLD_VERSION":
			taint = &eval.Gate{Subject: "lld", What: "CONFIG_LLD_VERSION"}
		case "GCC_VERSION":
			taint = &eval.Gate{Subject: "gcc", What: "CONFIG_GCC_VERSION"}
		}
		define(name, v, taint)
	}
	for _, f := range s.kfiles {
		for _, sym := range f.Symbols {
			if known[sym.Name] {
				continue
			}
			v, ok := kev.Value(sym.Name)
			if !ok {
				continue
			}
			define(sym.Name, v, kconfigTaint(kev, sym.Name))
		}
	}
	cfg := eval.Config{
		Vars: vars,
		Unknown: func(name string) bool {
			if builtinUnknown[name] {
				return true
			}
			return strings.HasPrefix(name, "CONFIG_") && !known[name[len("CONFIG_"):]]
		},
		Toolchain: c.Toolchain,
		Helpers:   helpers,
		Cancel:    cancel,
		Include:   s.includes.resolver(false),
		Track:     s.track,
		TryRun:    s.tryRun,
		Reads:     s.reads,
	}
	return s.run(c, cfg, symbols)
}

// evaluateBuild reads the Makefile under the build's own configuration:
// its include/config/auto.conf defines the CONFIG_ symbols, and a symbol
// it does not set is not set.
func (s *session) evaluateBuild(helpers map[string]bool, cancel *atomic.Bool) (*rules.Evaluated, error) {
	cfg := eval.Config{
		Vars:      s.inv.vars(),
		Unknown:   func(name string) bool { return builtinUnknown[name] },
		Toolchain: s.build.config.Toolchain,
		Helpers:   helpers,
		Cancel:    cancel,
		Include:   s.includes.resolver(true),
		Track:     s.track,
		TryRun:    s.tryRun,
		Reads:     s.reads,
	}
	return s.run(s.build.config, cfg, s.build.symbols)
}

// run evaluates one configuration and keeps the watched variables.
func (s *session) run(c model.Config, cfg eval.Config, symbols map[string]string) (*rules.Evaluated, error) {
	res, err := eval.Run(s.makefile, cfg)
	if err != nil {
		return nil, limitError(err)
	}
	out := &rules.Evaluated{Config: c, Result: res, Values: map[string]eval.Value{}, Symbols: symbols}
	for _, name := range rules.Watched {
		v, err := res.Value(name)
		if err != nil {
			return nil, limitError(err)
		}
		out.Values[name] = v
	}
	// The rules need only the values above and the result's record of
	// what was reached: the variables go, so that the matrix does not
	// keep one copy of every variable per configuration.
	res.Release()
	return out, nil
}

// kconfigTaint marks a Kconfig symbol whose dependencies test the clang or
// lld version: testing it in the Makefile is a version gate.
func kconfigTaint(kev *kconfig.Evaluator, name string) *eval.Gate {
	for _, g := range kev.Gates(name) {
		subject := ""
		switch g.Bound.Symbol {
		case "CLANG_VERSION":
			subject = "clang"
		case "LLD_VERSION":
			subject = "lld"
		default:
			continue
		}
		return &eval.Gate{
			At:      makefile.Pos{File: g.Pos.File, Line: g.Pos.Line, Col: g.Pos.Col},
			Source:  makefile.Pos{File: g.Pos.File, Line: g.Pos.Line, Col: g.Pos.Col},
			Subject: subject,
			What:    fmt.Sprintf("CONFIG_%s (Kconfig: depends on %s)", name, g.Bound),
			Min:     int(g.Bound.Min()),
		}
	}
	return nil
}

// lint runs the rules and turns their diagnostics into findings.
func (s *session) lint() (*Result, error) {
	res := &Result{ConfigsEvaluated: len(s.configs), Findings: []Finding{}, Configurations: []string{}, Invocation: s.inv, Patches: s.patches}
	if res.Patches == nil {
		res.Patches = []PatchReport{}
	}
	for _, c := range s.configs {
		res.Configurations = append(res.Configurations, c.Config.String())
	}
	res.FilesEvaluated, res.NotFollowed = s.filesEvaluated()
	in := &rules.Input{
		Makefile: s.makefile,
		Kconfig:  s.kfiles,
		Configs:  s.configs,
		Reach:    s.track,
	}
	res.Evaluations = s.evaluations(in)
	if s.rules == nil {
		s.rules = rules.All()
	}
	enabled := map[string]bool{}
	for _, r := range s.rules {
		enabled[r.ID] = true
	}
	sups := s.treeSuppressions()
	diags, err := rules.Run(in, s.rules)
	if err != nil {
		return nil, err
	}
	var found []Finding
	for _, d := range diags {
		found = append(found, s.finding(in, d, nil))
	}
	found, res.Suppressed = suppress(dedupe(found), sups)
	for _, fr := range s.fragments {
		if fr.makefile == nil {
			continue
		}
		fin := &rules.Input{Makefile: fr.makefile, Fragment: true}
		fdiags, err := rules.Run(fin, s.rules)
		if err != nil {
			return nil, err
		}
		var ff []Finding
		for _, d := range fdiags {
			ff = append(ff, s.finding(fin, d, fr))
		}
		fsups := findSuppressions(fr.makefile.Name, fr.text)
		kept, quiet := suppress(dedupe(ff), fsups)
		found, res.Suppressed = append(found, kept...), append(res.Suppressed, quiet...)
		sups = append(sups, fsups...)
	}
	if enabled[rules.PATCH001.ID] {
		found = append(found, s.patchFind...)
	}
	if enabled[rules.IGNORE001.ID] {
		for _, sp := range sups {
			found = append(found, sp.unused(enabled)...)
		}
	}
	for _, f := range dedupe(found) {
		if rules.Severity(f.Severity).AtLeast(s.minSeverity) {
			res.Findings = append(res.Findings, f)
		}
	}
	for i := range res.Findings {
		if res.Findings[i].Path == "" {
			res.Findings[i].Path = s.userPath(res.Findings[i].File)
		}
	}
	for i := range res.Suppressed {
		res.Suppressed[i].Path = s.userPath(res.Suppressed[i].File)
	}
	sortFindings(res.Findings)
	sort.SliceStable(res.Suppressed, func(i, j int) bool { return findingLess(res.Suppressed[i].Finding, res.Suppressed[j].Finding) })
	return res, nil
}

// treeSuppressions are the suppression comments of every file lint read,
// in file and line order.
func (s *session) treeSuppressions() []*suppression {
	var sups []*suppression
	for rel, doc := range s.tree.docs {
		sups = append(sups, findSuppressions(s.tree.name(rel), doc.Text())...)
	}
	sort.Slice(sups, func(i, j int) bool {
		if sups[i].file != sups[j].file {
			return sups[i].file < sups[j].file
		}
		return sups[i].line < sups[j].line
	})
	return sups
}

// suppress splits findings into those kept and those a suppression
// comment covers.
func suppress(found []Finding, sups []*suppression) (kept []Finding, quiet []Suppressed) {
	quiet = []Suppressed{}
next:
	for _, f := range found {
		for _, sp := range sups {
			if sp.suppresses(f) {
				quiet = append(quiet, Suppressed{Finding: f, SuppressionLine: sp.line, Reason: sp.reason})
				continue next
			}
		}
		kept = append(kept, f)
	}
	return kept, quiet
}

// sortFindings orders findings by file, line, column and rule.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return findingLess(fs[i], fs[j]) })
}

func findingLess(a, b Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	return a.Rule < b.Rule
}

func (s *session) finding(p *rules.Input, d rules.Diagnostic, fr *fragment) Finding {
	f := Finding{
		Rule:     d.Rule.ID,
		Severity: string(d.Severity),
		File:     d.Pos.File,
		Line:     d.Pos.Line,
		Column:   d.Pos.Col,
		Message:  d.Message,
		Configs:  p.ConfigNames(d.Configs),
	}
	if !p.Fragment {
		f.ConfigIndex = append([]int(nil), d.Configs...)
	}
	if f.Column == 0 {
		f.Column = 1
	}
	var ref *patch.HunkRef
	if fr != nil {
		ref = &patch.HunkRef{Patch: fr.failure.Patch, Hunk: fr.failure.Hunk}
	} else {
		for rel, doc := range s.tree.docs {
			if s.tree.name(rel) == d.Pos.File && d.Pos.Line >= 1 && d.Pos.Line <= len(doc.Origin) {
				ref = doc.Origin[d.Pos.Line-1]
			}
		}
		// Kconfig lines of hunks that did not apply.
		for _, fr := range s.fragments {
			h := fr.failure.Hunk
			if ref == nil && fr.kconfig != nil && fr.kconfig.Name == d.Pos.File && d.Pos.Line >= h.NewStart && d.Pos.Line < h.NewStart+h.NewLines {
				ref = &patch.HunkRef{Patch: fr.failure.Patch, Hunk: h}
			}
		}
	}
	if ref != nil {
		name := ref.Patch.Name()
		hunk := ref.Hunk.Index
		f.Patch, f.Hunk, f.PatchSubject = &name, &hunk, ref.Patch.Subject
	}
	return f
}

// dedupe merges findings of the same rule at the same place with the same
// message, which happens when two passes see one line.
func dedupe(in []Finding) []Finding {
	type key struct {
		rule, file, msg string
		line, col       int
	}
	seen := map[key]int{}
	var out []Finding
	for _, f := range in {
		k := key{f.Rule, f.File, f.Message, f.Line, f.Column}
		if i, ok := seen[k]; ok {
			out[i].Configs = mergeNames(out[i].Configs, f.Configs)
			out[i].ConfigIndex = mergeIndexes(out[i].ConfigIndex, f.ConfigIndex)
			continue
		}
		seen[k] = len(out)
		out = append(out, f)
	}
	return out
}

func mergeIndexes(a, b []int) []int {
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	return a
}

func mergeNames(a, b []string) []string {
	have := map[string]bool{}
	for _, s := range a {
		have[s] = true
	}
	for _, s := range b {
		if !have[s] {
			a = append(a, s)
		}
	}
	return a
}
