// Package probe asks real linkers whether they accept ThinLTO suffix
// reduction, exactly the way kbuild's ld-option does, and then explains the
// answer that ld-option throws away: which flag failed, the linker's own
// reason, its flavor and version, and whether the answer fits the version.
//
// The verdict comes from kbuild's try-run run through a POSIX shell
// interpreter (mvdan.cc/sh): `$LD $KBUILD_LDFLAGS <flags> -v` in a subshell
// with its output discarded, under set -e, in a private temporary directory;
// only the exit status counts. The same run gives the explanation: the
// sandbox keeps what the linker wrote (the try-run discards it), so -v's
// banner is the identity and stderr the reason. Only a refusal costs more
// runs: each flag group alone, and KBUILD_LDFLAGS alone.
package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds each linker run.
const DefaultTimeout = 10 * time.Second

// Options configures a probe.
type Options struct {
	// Flags is the ld-option argument; DefaultFlags when empty.
	Flags string
	// LDFlags is KBUILD_LDFLAGS: they take part in every run, as in kbuild.
	LDFlags string
	// Timeout bounds each linker run; DefaultTimeout when zero.
	Timeout time.Duration
	// Parallel is how many linker processes may run at once; 0 means
	// 2*GOMAXPROCS, 1 probes serially.
	Parallel int
	// TempDir is where the private directories are made; "" is os.TempDir.
	TempDir string
	// Env is the linker's environment; nil means the process environment.
	Env []string
	// Config, when set, is compared with what the linkers say.
	Config *KernelConfig
	// LinkTest runs the link test (linktest.go) for each linker, with the
	// matching clang or CC when set (--cc).
	LinkTest bool
	CC       string
	// CCSource names CC's origin in LinkTest.CCRule; "" is "CC", the
	// field (the CLI says "--cc").
	CCSource string
}

// Report is the outcome of probing one or more linkers; its JSON form is
// the documented `klpcheck probe --format json` schema.
type Report struct {
	Flags    []string      `json:"flags"`
	LDFlags  []string      `json:"ldflags"`
	Linkers  []Result      `json:"linkers"`
	Config   *KernelConfig `json:"config"`
	Warnings []string      `json:"warnings"`
}

// Result is one linker's answer.
type Result struct {
	// Path is the executable that ran (or the name that did not resolve).
	Path string `json:"path"`
	// Name is the linker as the selection named it; Source says which rule.
	Name   string `json:"name"`
	Source string `json:"source"`

	Flavor        string `json:"flavor"`
	Vendor        string `json:"vendor"`
	Version       string `json:"version"`
	KbuildVersion int    `json:"kbuild_version"`
	VersionLine   string `json:"version_line"`

	// Supported is kbuild's verdict; null when the linker could not be run.
	Supported *bool `json:"supported"`
	// Reason is the linker's own words for a refusal, on one line.
	Reason string `json:"reason"`
	// FailedFlags are the flag groups that the linker refuses alone.
	FailedFlags [][]string `json:"failed_flags"`
	Groups      []Group    `json:"groups"`
	// LDFlagsAlone is `$LD $KBUILD_LDFLAGS -v` alone, when KBUILD_LDFLAGS
	// are given: it tells a bad KBUILD_LDFLAGS from a bad flag.
	LDFlagsAlone *Group `json:"ldflags_alone"`

	// Expected is what flavor and version predict: yes, no or unknown.
	Expected string `json:"expected"`
	// Consistent is false when the verdict contradicts Expected.
	Consistent bool `json:"consistent"`
	// Note explains an inconsistency or an unknown prediction.
	Note string `json:"note"`

	// Command is the ld-option command line as kbuild's shell runs it.
	Command  string   `json:"command"`
	Warnings []string `json:"warnings"`
	// Error says why the linker could not be run; empty otherwise.
	Error string `json:"error"`
	// ErrorHint is Error as a Hint when its fix asks for something to be
	// supplied: Report.RenderHints rewords Error from it.
	ErrorHint *Hint `json:"-"`
	// LinkTest is the link test's outcome, when --link-test asked for it.
	LinkTest *LinkTest `json:"link_test,omitempty"`
}

// Group is one flag group run alone.
type Group struct {
	Flags     []string `json:"flags"`
	Supported bool     `json:"supported"`
	Reason    string   `json:"reason"`
	Expected  string   `json:"expected"`
	// Alone is true when the group was run alone; false when the whole
	// command's refusal already answers for it, which needs no run of its
	// own: it calls the group an unknown option by name (refused), or, from
	// lld, its only errors name other groups (accepted).
	Alone bool `json:"alone"`
}

// OptionError is a bad Options field (Flags or LDFlags), named as a
// field: the CLI says which of its flags set it.
type OptionError struct {
	Option string // "Flags" or "LDFlags"
	Err    error
}

func (e *OptionError) Error() string {
	what := "the ld-option flags"
	if e.Option == "LDFlags" {
		what = "KBUILD_LDFLAGS"
	}
	return what + " " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// Probe runs every target and returns the report; results are in target
// order, or sorted by version when sortByVersion is set (--all). The error
// is for bad options only: a linker that cannot run is a Result with Error.
func Probe(ctx context.Context, targets []Target, opts Options, sortByVersion bool) (*Report, error) {
	if opts.Flags == "" {
		opts.Flags = DefaultFlags
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	getenv := envLookup(opts.Env)
	flags, err := SplitFlags(opts.Flags, getenv)
	if err != nil {
		return nil, &OptionError{Option: "Flags", Err: err}
	}
	if len(flags) == 0 {
		return nil, &OptionError{Option: "Flags", Err: errors.New("is empty: nothing to probe")}
	}
	ldflags, err := SplitFlags(opts.LDFlags, getenv)
	if err != nil {
		return nil, &OptionError{Option: "LDFlags", Err: err}
	}
	rep := &Report{Flags: flags, LDFlags: ldflags, Linkers: make([]Result, len(targets)), Config: opts.Config, Warnings: []string{}}
	if rep.LDFlags == nil {
		rep.LDFlags = []string{}
	}
	if opts.Config != nil {
		rep.Warnings = append(rep.Warnings, configNotes(opts.Config)...)
	}
	p := &prober{opts: opts, flags: flags, ldflags: ldflags, slots: make(chan struct{}, opts.Parallel)}
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep.Linkers[i] = p.probe(ctx, t)
			if opts.LinkTest && rep.Linkers[i].Error == "" {
				rep.Linkers[i].LinkTest = p.linkTest(ctx, t)
			}
		}()
	}
	wg.Wait()
	if sortByVersion {
		sort.SliceStable(rep.Linkers, func(i, j int) bool { return lessByVersion(rep.Linkers[i], rep.Linkers[j]) })
	}
	return rep, nil
}

// ExitStatus is the probe's contract: 2 when a linker could not be run,
// 1 when one does not support the flags, 0 when all do.
func (r *Report) ExitStatus() int {
	status := 0
	for _, l := range r.Linkers {
		switch {
		case l.Error != "":
			return 2
		case l.Supported != nil && !*l.Supported:
			status = 1
		}
		status = max(status, l.LinkTest.exitStatus())
	}
	return status
}

func lessByVersion(a, b Result) bool {
	va, vb := comparable(a.Version), comparable(b.Version)
	switch {
	case va == nil && vb == nil:
		return a.Path < b.Path
	case va == nil:
		return false
	case vb == nil:
		return true
	case !va.Equal(vb):
		return va.LessThan(vb)
	}
	return a.Path < b.Path
}

type prober struct {
	opts           Options
	flags, ldflags []string
	slots          chan struct{} // bounds concurrent linker processes
}

// probe asks one linker. The kbuild try-run alone gives the verdict (its
// exit status), the identity (the banner -v prints) and the reason (the
// linker's stderr, which try-run discards but the sandbox keeps). Only a
// refusal costs more runs: each flag group alone, and KBUILD_LDFLAGS alone,
// to say which part was refused; --version only when -v printed no banner.
//
// The result is named so that the sandbox's removal, deferred, can still
// say it failed after the return value is set.
func (p *prober) probe(ctx context.Context, t Target) (out Result) {
	// Consistent until a verdict contradicts a prediction.
	res := Result{Path: t.Path, Name: t.Name, Source: t.Source, Groups: []Group{}, FailedFlags: [][]string{}, Warnings: []string{}, Consistent: true}
	if t.Err != nil {
		return unusableTarget(res, t)
	}
	cl, err := newCommandLines(t.Path, p.flags, p.ldflags)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Command = cl.full
	sb, err := newSandbox(p.opts.TempDir, t.Path, p.opts.Env, p.opts.Timeout)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer func() {
		if err := sb.cleanup(); err != nil && out.Error == "" {
			out.Error = "could not remove the private temporary directory: " + err.Error()
		}
	}()

	var tryRun linkerOutput
	verdict, err := sb.run(ctx, cl.tryRun, &tryRun)
	if err != nil {
		return p.failed(res, t, err)
	}
	id := ParseIdentity(tryRun.stdout.String())
	supported := strings.TrimSpace(verdict.stdout) != ""
	groups := Groups(p.flags)
	scripts, named, told := p.followUps(cl, id, &tryRun, supported, groups)
	outs, err := p.runAll(ctx, sb, scripts)
	if err != nil {
		return p.failed(res, t, err)
	}
	if id.Flavor == FlavorUnknown {
		id, outs = ParseIdentity(outs[0].stdout), outs[1:]
	}
	if !supported {
		outs = withNamedGroups(named, told, outs)
	}
	res.Flavor, res.Vendor, res.Version, res.KbuildVersion, res.VersionLine = string(id.Flavor), id.Vendor, id.Raw, id.Kbuild, id.Line
	res.Supported = &supported
	if !supported {
		why := shellRun{status: tryRun.status, stdout: tryRun.stdout.String(), stderr: tryRun.stderr.String()}
		if !tryRun.ran {
			why = verdict // try-run stopped before the linker: its own words
		}
		res.Reason = LinkerReason(why, id, p.flags)
		p.explainRefusal(&res, id, groups, outs)
	}
	p.judge(&res, id, groups)
	return res
}

// unusableTarget is the result for a target that names no usable linker.
func unusableTarget(res Result, t Target) Result {
	res.Path = t.Name
	res.Error = t.Err.Error()
	var he *HintError
	if errors.As(t.Err, &he) {
		res.ErrorHint = &he.Hint
	}
	res.Flavor = string(FlavorUnknown)
	res.Expected = string(ExpectUnknown)
	return res
}

// followUps are the scripts to run after the try-run: --version when -v
// printed no banner, and after a refusal each flag group alone and
// KBUILD_LDFLAGS alone. A group the refusal calls an unknown option by
// name is refused alone too, whatever else is on the command line: named
// and told (the groups whose alone verdict the refusal already gives) say
// which, and only the others run alone.
func (p *prober) followUps(cl *commandLines, id Identity, tryRun *linkerOutput, supported bool, groups [][]string) (scripts, named []string, told []bool) {
	if id.Flavor == FlavorUnknown {
		scripts = append(scripts, cl.version)
	}
	if supported {
		return scripts, nil, nil
	}
	named, told = p.namedGroups(id, tryRun.ran, tryRun.stderr.String(), groups)
	for i := range groups {
		if !told[i] {
			scripts = append(scripts, cl.groups[i])
		}
	}
	if cl.ldflagsAlone != "" {
		scripts = append(scripts, cl.ldflagsAlone)
	}
	return scripts, named, told
}

// commandLines are the shell command lines of one linker's runs, every
// word quoted once.
type commandLines struct {
	full, tryRun, version, ldflagsAlone string
	groups                              []string
}

func newCommandLines(linker string, flags, ldflags []string) (*commandLines, error) {
	quote := func(words ...[]string) (string, error) {
		var all []string
		for _, ws := range words {
			all = append(all, ws...)
		}
		return quoteWords(all)
	}
	self := []string{linker}
	verbose := []string{"-v"}
	cl := &commandLines{}
	var err error
	if cl.full, err = quote(self, ldflags, flags, verbose); err != nil {
		return nil, err
	}
	echoed, err := quote([]string{strings.Join(flags, " ")})
	if err != nil {
		return nil, err
	}
	cl.tryRun = tryRunScript(cl.full, echoed)
	if cl.version, err = quote(self, []string{"--version"}); err != nil {
		return nil, err
	}
	if len(ldflags) > 0 {
		if cl.ldflagsAlone, err = quote(self, ldflags, verbose); err != nil {
			return nil, err
		}
	}
	for _, g := range Groups(flags) {
		line, err := quote(self, ldflags, g, verbose)
		if err != nil {
			return nil, err
		}
		cl.groups = append(cl.groups, line)
	}
	return cl, nil
}

// runAll runs scripts concurrently within the probe's process bound. The
// first run that fails (a timeout) cancels the others: a hung linker costs
// one timeout, not one per run. The error is the first in kind, a timeout
// or exec failure rather than the cancellations it caused.
func (p *prober) runAll(ctx context.Context, sb *sandbox, scripts []string) ([]shellRun, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([]shellRun, len(scripts))
	errs := make([]error, len(scripts))
	var wg sync.WaitGroup
	for i := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case p.slots <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-p.slots }()
			outs[i], errs[i] = sb.run(ctx, scripts[i], nil)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	return outs, first
}

// failed is the result of a linker that could not be run to the end.
func (p *prober) failed(res Result, t Target, err error) Result {
	h := runError(t, err, p.opts.Timeout)
	res.Error, res.ErrorHint = h.String(), &h
	res.Expected = string(ExpectUnknown)
	return res
}

// unknownOptions matches the lines in which a linker calls an argument an
// unknown option (lld: "unknown argument '--x'", "-mllvm: ... Unknown
// command line argument '-x=1'"; GNU ld: "unrecognized option '--x'").
var unknownOptions = regexp.MustCompile(`(?i)unknown argument|unknown command line argument|unrecogni[sz]ed option`)

// unknownOptionLine returns the line of stderr that calls a word of group
// g, quoted, an unknown option; "" when there is none. Such a group is
// refused alone as well: an option a linker does not know is unknown
// whatever else is on the command line.
func unknownOptionLine(stderr string, g []string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if !unknownOptions.MatchString(l) {
			continue
		}
		for _, w := range g {
			if strings.Contains(l, "'"+w+"'") || strings.Contains(l, "`"+w+"'") {
				return l
			}
		}
	}
	return ""
}

// namedGroups says, for a refusal, which groups need no run of their own:
// named[i] is the line of stderr that calls group i an unknown option
// (refused alone too), and told[i] is true for those and, with lld, for
// the groups the refusal leaves out entirely (accepted alone; see
// lldAccepts).
func (p *prober) namedGroups(id Identity, ran bool, stderr string, groups [][]string) (named []string, told []bool) {
	named, told = make([]string, len(groups)), make([]bool, len(groups))
	for i, g := range groups {
		named[i] = unknownOptionLine(stderr, g)
		told[i] = named[i] != ""
	}
	if ran && lldAccepts(id, stderr, groups, p.ldflags, told) {
		for i := range told {
			told[i] = true
		}
	}
	return named, told
}

// lldAccepts reports whether lld's refusal shows that every group it does
// not name would be accepted alone. lld checks a -v command line with no
// inputs in passes (its own options, their values, -mllvm) and reports every
// error of every pass before it exits (ld.lld-14 to -22: "unknown argument
// '--x'", "invalid optimization level", "-mllvm: Unknown command line
// argument" all appear from one run). When each error line is an unknown
// option of a named group, the other groups raised none, and alone they
// exit 0 — unless a word of theirs also occurs elsewhere on the command
// line, where the last one could have hidden an error: then they are run.
func lldAccepts(id Identity, stderr string, groups [][]string, ldflags []string, named []bool) bool {
	if id.Flavor != FlavorLLD {
		return false
	}
	refusals := 0
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.Contains(l, "error:") {
			continue
		}
		refusals++
		if !unknownOptions.MatchString(l) {
			return false
		}
		ok := false
		for i, g := range groups {
			ok = ok || (named[i] && unknownOptionLine(l, g) != "")
		}
		if !ok {
			return false
		}
	}
	if refusals == 0 {
		return false // refused without saying why: run the groups
	}
	seen := map[string]int{}
	for _, w := range ldflags {
		seen[optionName(w)]++
	}
	for _, g := range groups {
		for _, w := range g {
			seen[optionName(w)]++
		}
	}
	for i, g := range groups {
		for _, w := range g {
			if !named[i] && seen[optionName(w)] > 1 {
				return false
			}
		}
	}
	return true
}

// optionName is a word without its =value, the part a later word of the
// same name overrides.
func optionName(w string) string {
	name, _, _ := strings.Cut(w, "=")
	return name
}

// withNamedGroups puts the groups the refusal already answers among the
// runs of the others: a named group as a failed "run" whose stderr is the
// naming line, a group lld's refusal left out as an accepted one, both
// marked not alone.
func withNamedGroups(named []string, told []bool, outs []shellRun) []shellRun {
	all := make([]shellRun, 0, len(named)+1)
	for i, line := range named {
		switch {
		case line != "":
			all = append(all, shellRun{status: 1, stderr: line, named: true})
		case told[i]:
			all = append(all, shellRun{status: 0, named: true})
		default:
			all, outs = append(all, outs[0]), outs[1:]
		}
	}
	return append(all, outs...)
}

// explainRefusal records the runs of each group alone (and of
// KBUILD_LDFLAGS alone): outs holds them in that order.
func (p *prober) explainRefusal(res *Result, id Identity, groups [][]string, outs []shellRun) {
	for i, g := range groups {
		out := outs[i]
		e, _ := Expect(id, g)
		gr := Group{Flags: g, Supported: out.status == 0, Expected: string(e), Alone: !out.named}
		if !gr.Supported {
			gr.Reason = LinkerReason(out, id, g)
			res.FailedFlags = append(res.FailedFlags, g)
		}
		res.Groups = append(res.Groups, gr)
	}
	if len(p.ldflags) > 0 {
		out := outs[len(groups)]
		g := Group{Flags: p.ldflags, Supported: out.status == 0, Expected: string(ExpectUnknown), Alone: true}
		if !g.Supported {
			g.Reason = LinkerReason(out, id, p.ldflags)
		}
		res.LDFlagsAlone = &g
	}
}

// judge compares the verdict with what flavor and version predict, and
// adds the notes and warnings that follow from them.
func (p *prober) judge(res *Result, id Identity, groups [][]string) {
	supported := *res.Supported
	failed := map[string]bool{}
	for _, g := range res.FailedFlags {
		failed[strings.Join(g, " ")] = true
	}
	var expectations []Expectation
	var whyNo, whyFailed []string // the predictions an inconsistency is about
	for _, g := range groups {
		e, w := Expect(id, g)
		expectations = append(expectations, e)
		if w != "" && e == ExpectNo {
			whyNo = append(whyNo, strings.Join(g, " ")+": "+w)
		}
		if w != "" && failed[strings.Join(g, " ")] {
			whyFailed = append(whyFailed, strings.Join(g, " ")+": "+w)
		}
	}
	expected := combine(expectations)
	res.Expected = string(expected)
	switch {
	case expected == ExpectYes && !supported:
		res.Consistent = false
		res.Note = fmt.Sprintf("%s %s should accept these flags (%s) but refuses them: an old snapshot or a vendor build without the option", res.Flavor, res.Version, strings.Join(whyFailed, "; "))
	case expected == ExpectNo && supported:
		res.Consistent = false
		res.Note = fmt.Sprintf("%s %s accepts flags its version predates (%s): a vendor backport or a newer snapshot than the version says", res.Flavor, res.Version, strings.Join(whyNo, "; "))
	case expected == ExpectUnknown && id.Version != nil && id.Version.Prerelease() != "" && id.Version.Segments()[0] == 23:
		res.Note = "a 23.0.0git snapshot: only the probe can tell whether it has the option, and it cannot tell whether distributed ThinLTO supports it (use clang-min-version,230100 for THIN_DIST)"
	}
	if !supported && len(res.FailedFlags) == 0 && (res.LDFlagsAlone == nil || res.LDFlagsAlone.Supported) {
		res.Note = strings.TrimSpace(res.Note + " every flag group passes alone; only the combination fails")
	}
	if p.opts.Config != nil {
		res.Warnings = append(res.Warnings, configWarnings(p.opts.Config, res)...)
	}
	if id.Flavor == FlavorGold {
		res.Warnings = append(res.Warnings, "kbuild refuses GNU gold (scripts/ld-version.sh): it cannot link the kernel")
	}
}

// runError turns a failed run into a message that names cause and fix.
func runError(t Target, err error, timeout time.Duration) Hint {
	if errors.Is(err, errTimeout) {
		return Hint{Before: fmt.Sprintf("%s did not answer within %s and was killed: a hung or very slow linker (if it is just slow, ", t.Path, timeout), Supply: SupplyTimeout, After: ")"}
	}
	if errors.Is(err, context.Canceled) {
		return Hint{Before: fmt.Sprintf("%s: probe cancelled", t.Path)}
	}
	return Hint{Before: fmt.Sprintf("%s: %v", t.Path, err)}
}

func envLookup(env []string) func(string) string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}
