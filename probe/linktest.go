package probe

import (
	"context"
	"debug/elf"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// The link test (--link-test) proves what ld-option cannot: that the flags
// do not only pass `-v` but stop the renaming. It compiles a two-file
// ThinLTO program with the clang that matches the linker, links it the way
// vmlinux.o is made (ld -r), without and with the flags, in-process and in
// distributed mode, and reads the output's symbols.

// The link test's verdicts, per mode.
const (
	LinkWorks       = "works"        // with the flags the promoted statics keep their names
	LinkRejected    = "rejected"     // the linker refuses the flags (what ld-option sees)
	LinkIneffective = "ineffective"  // accepted, but the .llvm.<hash> names stay
	LinkNoPromotion = "no-promotion" // the baseline did not promote: the test itself failed
	LinkError       = "error"        // compiler missing or a step failed
)

// LinkTest is one linker's link test; JSON `link_test`.
type LinkTest struct {
	// CC is the clang that compiled the program; CCRule says why that one.
	CC     string `json:"cc"`
	CCRule string `json:"cc_rule"`
	// CCMissing is set when no matching clang could be found: the test did
	// not run (check reports it as skipped, not as a failure).
	CCMissing   bool     `json:"cc_missing"`
	InProcess   LinkMode `json:"in_process"`
	Distributed LinkMode `json:"distributed"`
}

// LinkMode is the outcome of one ThinLTO mode.
type LinkMode struct {
	Verdict string `json:"verdict"`
	// Detail says in one line what the verdict rests on, or what failed and
	// how to fix it.
	Detail string `json:"detail"`
	// DetailHint is Detail as a Hint when its fix asks for something to be
	// supplied: Report.RenderHints rewords Detail from it.
	DetailHint *Hint `json:"-"`
	// Baseline and WithFlags are the output's names for the statics the
	// program makes ThinLTO promote, without and with the flags.
	Baseline  []string `json:"baseline"`
	WithFlags []string `json:"with_flags"`
}

//go:embed testdata/linktest/*.c
var linkTestSources embed.FS

// linkTestSubjects are the statics of home.c that the import promotes.
var linkTestSubjects = []string{"klp_lt_counter", "klp_lt_twice"}

// linkTestCFlags are the kernel's ThinLTO compile flags that matter here.
var linkTestCFlags = []string{"-O2", "-flto=thin", "-fsplit-lto-unit", "-fvisibility=hidden"}

// ccSource is the rule of a compiler the caller named (Options.CC), unless
// Options.CCSource says otherwise.
const ccSource = "CC"

// MatchingCC finds the clang that goes with a linker, by kbuild's LLVM=
// rule: ld.lld-22 -> clang-22, <prefix>ld.lld -> <prefix>clang. override
// (Options.CC) wins. The error names the missing compiler and the fix.
func MatchingCC(t Target, override string, look LookPath) (cc, rule string, err error) {
	if look == nil {
		look = exec.LookPath
	}
	if override != "" {
		r := resolveOne(override, ccSource, look)
		if r.Err != nil {
			return "", ccSource, hintError(fmt.Sprintf("the compiler %s cannot be used: not found or not executable: install it or ", override), SupplyCompiler, "")
		}
		return r.Path, ccSource, nil
	}
	name := t.Name
	m := lldName.FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return "", "", hintError(fmt.Sprintf("cannot tell which clang goes with %s (kbuild pairs ld.lld[-N] with clang[-N] from the same place): ", name), SupplyCompiler, "")
	}
	want := "clang" + m[1]
	rule = "matches " + filepath.Base(name)
	if strings.Contains(name, "/") {
		p := filepath.Join(filepath.Dir(name), want)
		if info, err := os.Stat(p); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			install := "install that toolchain's clang"
			if m[1] != "" {
				install = fmt.Sprintf("install %s (Debian/Ubuntu: apt-get install %s)", want, want)
			}
			return "", rule, hintError(fmt.Sprintf("%s not found (the clang matching %s): %s or ", p, name, install), SupplyCompiler, "")
		}
		return p, rule, nil
	}
	p, err := look(want)
	if err == nil {
		p, err = filepath.Abs(p)
	}
	if err != nil {
		return "", rule, hintError(fmt.Sprintf("%s not found on PATH (the clang matching %s): install %s (Debian/Ubuntu: apt-get install %s) or ", want, name, want, want), SupplyCompiler, "")
	}
	return p, rule, nil
}

// linkTest runs the link test for one linker in its own private directory.
func (p *prober) linkTest(ctx context.Context, t Target) *LinkTest {
	lt := &LinkTest{InProcess: newLinkMode(), Distributed: newLinkMode()}
	fail := func(h *Hint) *LinkTest {
		lt.InProcess.fail(h)
		lt.Distributed.fail(h)
		return lt
	}
	cc, rule, err := MatchingCC(t, p.opts.CC, nil)
	if p.opts.CC != "" && p.opts.CCSource != "" {
		rule = p.opts.CCSource
	}
	lt.CC, lt.CCRule = cc, rule
	if err != nil {
		lt.CCMissing = true
		return fail(errorHint(err))
	}
	sb, err := newSandbox(p.opts.TempDir, t.Path, p.opts.Env, p.opts.Timeout)
	if err != nil {
		return fail(errorHint(err))
	}
	defer func() {
		if err := sb.cleanup(); err != nil {
			fail(&Hint{Before: "could not remove the private temporary directory: " + err.Error()})
		}
	}()
	r := &linkRunner{p: p, sb: sb, ld: t.Path, cc: cc}
	if h := r.compile(ctx); h != nil {
		return fail(h)
	}
	// The two modes share only the bitcode objects, which they read: they
	// run side by side (distributed's index files are its own).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		lt.InProcess = r.inProcess(ctx)
	}()
	lt.Distributed = r.distributed(ctx)
	wg.Wait()
	return lt
}

func newLinkMode() LinkMode { return LinkMode{Baseline: []string{}, WithFlags: []string{}} }

// fail makes the mode an error that h describes.
func (m *LinkMode) fail(h *Hint) {
	m.Verdict, m.Detail = LinkError, h.String()
	if h.Supply != SupplyNone {
		m.DetailHint = h
	}
}

// errorHint is err's Hint, or its message as one.
func errorHint(err error) *Hint {
	var he *HintError
	if errors.As(err, &he) {
		return &he.Hint
	}
	return &Hint{Before: err.Error()}
}

// linkRunner runs the link test's steps in one private directory, through
// the probe's sandbox: each step is one program (the linker or its clang)
// with the probe's timeout, process group and concurrency bound.
type linkRunner struct {
	p      *prober
	sb     *sandbox
	ld, cc string
}

// step runs one program with args in the private directory.
func (r *linkRunner) step(ctx context.Context, prog string, args ...string) (shellRun, error) {
	script, err := quoteWords(append([]string{prog}, args...))
	if err != nil {
		return shellRun{}, err
	}
	select {
	case r.p.slots <- struct{}{}:
	case <-ctx.Done():
		return shellRun{}, ctx.Err()
	}
	defer func() { <-r.p.slots }()
	sb := *r.sb
	sb.linker = prog // the one program this step may run
	return sb.run(ctx, script, nil)
}

// failure describes a step that did not exit 0, or is nil when it did.
func (r *linkRunner) failure(what, prog string, out shellRun, err error) *Hint {
	if err != nil {
		if errors.Is(err, errTimeout) {
			return &Hint{Before: fmt.Sprintf("%s: %s did not finish within %s and was killed (if it is just slow, ", what, prog, r.p.opts.Timeout), Supply: SupplyTimeout, After: ")"}
		}
		return &Hint{Before: fmt.Sprintf("%s: %s: %v", what, prog, err)}
	}
	if out.status != 0 {
		return &Hint{Before: fmt.Sprintf("%s: %s exited %d: %s", what, prog, out.status, LinkerReason(out, Identity{}, nil))}
	}
	return nil
}

// compile makes the two bitcode objects; nil on success.
func (r *linkRunner) compile(ctx context.Context) *Hint {
	entries, err := fs.Glob(linkTestSources, "testdata/linktest/*.c")
	if err != nil || len(entries) == 0 {
		return &Hint{Before: "internal error: the link test's sources are not embedded"}
	}
	for _, e := range entries {
		src, err := linkTestSources.ReadFile(e)
		if err != nil {
			return &Hint{Before: "internal error: " + err.Error()}
		}
		base := filepath.Base(e)
		if err := os.WriteFile(filepath.Join(r.sb.dir, base), src, 0o600); err != nil {
			return &Hint{Before: "cannot write the link test's sources: " + err.Error()}
		}
		args := append(append([]string{}, linkTestCFlags...), "-c", base, "-o", strings.TrimSuffix(base, ".c")+".o")
		out, err := r.step(ctx, r.cc, args...)
		if h := r.failure("compiling the link test's "+base, r.cc, out, err); h != nil {
			if h.Supply != SupplyNone {
				return h // a timeout: more time, not another clang
			}
			return &Hint{Before: h.Before + " (a clang with ThinLTO is needed: ", Supply: SupplyCompiler, After: ")"}
		}
	}
	return nil
}

var linkTestObjects = []string{"home.o", "importer.o"}

// link runs `ld -r` over inputs into output with KBUILD_LDFLAGS and,
// when withFlags, the probed flags, as kbuild links vmlinux.o.
func (r *linkRunner) link(ctx context.Context, withFlags bool, output string, extra []string, inputs []string) (shellRun, error) {
	args := append([]string{}, r.p.ldflags...)
	if withFlags {
		args = append(args, r.p.flags...)
	}
	args = append(append(append(args, "-r"), extra...), inputs...)
	args = append(args, "-o", output)
	return r.step(ctx, r.ld, args...)
}

func (r *linkRunner) inProcess(ctx context.Context) LinkMode {
	m := newLinkMode()
	out, err := r.link(ctx, false, "inprocess-base.o", nil, linkTestObjects)
	if h := r.failure("the in-process link without the flags", r.ld, out, err); h != nil {
		m.fail(h)
		return m
	}
	base, berr := readDefined(filepath.Join(r.sb.dir, "inprocess-base.o"))
	out, err = r.link(ctx, true, "inprocess-flags.o", nil, linkTestObjects)
	var flags map[string]bool
	var ferr error
	rejected := ""
	if h := r.failure("the in-process link with the flags", r.ld, out, err); h != nil {
		if err != nil {
			m.fail(h)
			return m
		}
		rejected = LinkerReason(out, Identity{}, r.p.flags)
	} else {
		flags, ferr = readDefined(filepath.Join(r.sb.dir, "inprocess-flags.o"))
	}
	return judge(base, berr, flags, ferr, rejected)
}

// distributed is distributed ThinLTO: the thin link writes one index per
// module (--thinlto-index-only), clang compiles each module's backend from
// its index (-fthinlto-index=), and a final ld -r links the native objects.
// The flags go to both links, as KBUILD_LDFLAGS does.
func (r *linkRunner) distributed(ctx context.Context) LinkMode {
	m := newLinkMode()
	base, h, _ := r.distributedLink(ctx, false, "dist-base.o")
	if h != nil {
		m.fail(h)
		return m
	}
	flags, h, rejected := r.distributedLink(ctx, true, "dist-flags.o")
	if h != nil && rejected == "" {
		m.fail(h)
		return m
	}
	return judge(base, nil, flags, nil, rejected)
}

// distributedLink runs the three steps; msg says what failed, rejected is
// the linker's reason when a link with the flags exited non-zero.
func (r *linkRunner) distributedLink(ctx context.Context, withFlags bool, output string) (defined map[string]bool, msg *Hint, rejected string) {
	label := map[bool]string{false: "without", true: "with"}[withFlags]
	for _, o := range linkTestObjects {
		// A stale index from the other run must not stand in for this one.
		_ = os.Remove(filepath.Join(r.sb.dir, o+".thinlto.bc"))
	}
	out, err := r.link(ctx, withFlags, "thin-link.o", []string{"--thinlto-index-only"}, linkTestObjects)
	if msg := r.failure("the distributed thin link (--thinlto-index-only) "+label+" the flags", r.ld, out, err); msg != nil {
		if withFlags && err == nil {
			return nil, msg, LinkerReason(out, Identity{}, r.p.flags) + " (at the thin link, --thinlto-index-only)"
		}
		return nil, msg, ""
	}
	var natives []string
	for _, o := range linkTestObjects {
		native := strings.TrimSuffix(o, ".o") + "." + strings.TrimSuffix(output, ".o") + ".native.o"
		out, err := r.step(ctx, r.cc, "-O2", "-c", "-x", "ir", o, "-fthinlto-index="+o+".thinlto.bc", "-o", native)
		if msg := r.failure("the distributed backend of "+o+" (clang -fthinlto-index=) "+label+" the flags", r.cc, out, err); msg != nil {
			return nil, msg, ""
		}
		natives = append(natives, native)
	}
	out, err = r.link(ctx, withFlags, output, nil, natives)
	if msg := r.failure("the distributed final link "+label+" the flags", r.ld, out, err); msg != nil {
		if withFlags && err == nil {
			return nil, msg, LinkerReason(out, Identity{}, r.p.flags) + " (at the final link)"
		}
		return nil, msg, ""
	}
	defined, err = readDefined(filepath.Join(r.sb.dir, output))
	if err != nil {
		return nil, &Hint{Before: err.Error()}, ""
	}
	return defined, nil, ""
}

// readDefined lists the defined symbol names of an ELF object. It reads
// the file with debug/elf rather than correlate's reader: capabilities do
// not import each other, and a name list is all the link test needs.
func readDefined(path string) (map[string]bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the link output %s: %v", filepath.Base(path), err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("cannot read the symbols of %s: %v", filepath.Base(path), err)
	}
	names := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF {
			names[s.Name] = true
		}
	}
	return names, nil
}

var llvmSuffix = regexp.MustCompile(`^(.+)\.llvm\.\d+$`)

// subjectNames lists, for each subject, the names it has in defined: the
// plain name and/or NAME.llvm.<hash>.
func subjectNames(defined map[string]bool) (names []string, suffixed, plain map[string]bool) {
	suffixed, plain = map[string]bool{}, map[string]bool{}
	names = []string{}
	for n := range defined {
		if m := llvmSuffix.FindStringSubmatch(n); m != nil && isSubject(m[1]) {
			suffixed[m[1]] = true
			names = append(names, n)
		} else if isSubject(n) {
			plain[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, suffixed, plain
}

func isSubject(n string) bool {
	for _, s := range linkTestSubjects {
		if n == s {
			return true
		}
	}
	return false
}

// judge turns the two links' symbols into a verdict. base is the output
// without the flags; flags the one with them (nil when rejected is set, the
// linker's reason for refusing them).
func judge(base map[string]bool, berr error, flags map[string]bool, ferr error, rejected string) LinkMode {
	m := newLinkMode()
	if berr != nil {
		m.Verdict, m.Detail = LinkError, berr.Error()
		return m
	}
	var promoted map[string]bool
	m.Baseline, promoted, _ = subjectNames(base)
	if len(promoted) == 0 {
		m.Verdict = LinkNoPromotion
		h := &Hint{Before: fmt.Sprintf("without the flags the output has no .llvm.<hash> name for %s: ThinLTO did not import and promote, so the test proves nothing (the compiler, not the linker, is at fault: ", strings.Join(linkTestSubjects, " or ")), Supply: SupplyCompiler, After: ")"}
		m.Detail, m.DetailHint = h.String(), h
		return m
	}
	if rejected != "" {
		m.Verdict, m.Detail = LinkRejected, "the linker refuses the flags: "+rejected
		return m
	}
	if ferr != nil {
		m.Verdict, m.Detail = LinkError, ferr.Error()
		return m
	}
	var still, missing []string
	var names []string
	names, suffixed, plain := subjectNames(flags)
	m.WithFlags = names
	for _, s := range sortedKeys(promoted) {
		switch {
		case suffixed[s]:
			still = append(still, s)
		case !plain[s]:
			missing = append(missing, s)
		}
	}
	switch {
	case len(still) > 0:
		m.Verdict = LinkIneffective
		m.Detail = fmt.Sprintf("the linker accepts the flags but %s still carry .llvm.<hash>: ld-option would pick the flags and the names would still change", strings.Join(still, ", "))
	case len(missing) > 0:
		m.Verdict = LinkError
		m.Detail = fmt.Sprintf("with the flags the output has no symbol for %s at all", strings.Join(missing, ", "))
	default:
		m.Verdict = LinkWorks
		m.Detail = fmt.Sprintf("with the flags %s keep their plain names", strings.Join(sortedKeys(promoted), ", "))
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// exitStatus is the link test's share of the probe's exit status: 2 when
// it could not tell (error, no-promotion), 1 when a mode does not work.
func (lt *LinkTest) exitStatus() int {
	if lt == nil {
		return 0
	}
	status := 0
	for _, m := range []LinkMode{lt.InProcess, lt.Distributed} {
		switch m.Verdict {
		case LinkError, LinkNoPromotion:
			return 2
		case LinkRejected, LinkIneffective:
			status = 1
		}
	}
	return status
}
