package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/correlate"
	"klpcheck/fixtures"
	"klpcheck/internal/report"
	"klpcheck/lint"
	"klpcheck/lint/model"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

const checkDescription = `Runs probe, lint and correlate on one kernel tree, toolchain and build and
gives one verdict first: "Suffix reduction: ready", "not ready" or "not
applicable", with one line per area (toolchain, Makefile, build), then each
section's details, then what to do next.

Inputs, each optional (a missing part is skipped with a note):
  --tree SRC      the kernel source tree to lint (default: the build's
                  "source" link for O= builds, or . when it is a tree)
  --build OBJDIR  the build: its .config (LTO mode, LLD version), the LD its
                  Kconfig run recorded, vmlinux.o (or vmlinux) and its objects
                  for provenance (default: . when it is a build directory)
  --orig VMLINUX  the original build, to pair symbols with as klp-diff does

The linker is the one kbuild would use for that build: --ld, --llvm,
--cross-compile; else the LD recorded in OBJDIR/include/config/auto.conf.cmd;
else LD, LLVM, CROSS_COMPILE from the environment; else ld.lld-<major> for a
.config made with LLD; else every lld on this machine.

With no arguments outside a kernel tree it runs the embedded demo: a small
kernel-shaped tree with one planted Makefile fault and a tiny ThinLTO
vmlinux.o with one asm/C conflict, against whatever linkers it finds.

Examples:
   klpcheck check                                     # the demo, or the tree in .
   klpcheck check --tree ~/linux --build ~/linux/out
   klpcheck check --build out --orig old/vmlinux.o --format sarif

Exit status: 0 ready or not applicable (and the demo, whatever its verdict);
1 not ready; 2 could not run.`

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:        "check",
		Usage:       "one verdict for a tree, a toolchain and a build (or the embedded demo)",
		Description: checkDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "tree", Usage: "kernel source tree `SRC`"},
			&cli.StringFlag{Name: "build", Usage: "kernel build directory `OBJDIR` (O=)"},
			&cli.StringFlag{Name: "orig", Usage: "original build's `VMLINUX` (vmlinux.o or vmlinux) to pair symbols with"},
			&cli.StringSliceFlag{Name: "ld", Usage: "linker to probe, `NAME` or PATH (repeatable)"},
			&cli.StringFlag{Name: "llvm", Usage: "kbuild's LLVM= `VALUE`: 1, -SUFFIX or PREFIX/"},
			&cli.StringFlag{Name: "cross-compile", Usage: "kbuild's CROSS_COMPILE `PREFIX`"},
			&cli.IntFlag{Name: "max-suffixed", Value: correlate.NoBudget, Usage: "not ready when the build has more than `N` .llvm.<hash> functions+data (negative: no budget)"},
			&cli.DurationFlag{Name: "timeout", Value: probe.DefaultTimeout, Usage: "bound on each linker run (Go `DURATION`)"},
			&cli.StringFlag{Name: "cc", Usage: "the clang `CC` for the link test (default: the one matching each linker: ld.lld-22 -> clang-22)"},
			&cli.BoolFlag{Name: "demo", Usage: "run the embedded demo even inside a kernel tree"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json or sarif"},
			quietFlag(),
			colorFlag(),
		},
		Action: runCheck,
	}
}

// lldSearchDirs are where check looks for llds besides PATH when nothing
// names the linker; tests empty it to play a machine without LLVM.
var lldSearchDirs = probe.DefaultLLVMDirs

// The verdicts, as printed and in JSON.
const (
	verdictReady         = "ready"
	verdictNotReady      = "not ready"
	verdictNotApplicable = "not applicable"
)

// Area statuses in the verdict's one-line summaries.
const (
	areaOK      = "ok"
	areaFail    = "fail"
	areaSkipped = "skipped"
)

// checkReport is the `klpcheck check --format json` document.
type checkReport struct {
	Verdict string              `json:"verdict"`
	Status  int                 `json:"status"`
	Demo    bool                `json:"demo"`
	Tree    string              `json:"tree"`
	Build   string              `json:"build"`
	Orig    string              `json:"orig"`
	Config  *probe.KernelConfig `json:"config"`
	Summary []areaSummary       `json:"summary"`
	// The three sections; null when skipped.
	Probe     *probe.Report     `json:"probe"`
	Lint      *lint.Result      `json:"lint"`
	Correlate *correlate.Result `json:"correlate"`
	Skipped   []string          `json:"skipped"`
	Next      []string          `json:"next"`
}

// areaSummary is one line under the verdict.
type areaSummary struct {
	Area   string `json:"area"`   // toolchain, makefile, build
	Status string `json:"status"` // ok, fail, skipped
	Text   string `json:"text"`
}

// checkInputs are the parts check found or was given.
type checkInputs struct {
	demo              bool
	tree, build, orig string
	vmlinux           string // the file correlate reads
	correlateName     string // how it is named in the report
	correlateBuildDir string
	cleanup           func()
	skipped           []string
}

func runCheck(c *cli.Context) error {
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON, report.SARIF)
	if err != nil {
		return usageError("check: %v", err)
	}
	if c.NArg() > 0 {
		return usageError("check takes no file arguments (got %q): use --tree, --build and --orig", c.Args().First())
	}
	if c.Duration("timeout") <= 0 {
		return usageError("check: --timeout must be positive, e.g. 10s")
	}
	textOpts, err := textOptions(c)
	if err != nil {
		return usageError("check: %v", err)
	}
	in, err := checkFindInputs(c)
	if err != nil {
		return err
	}
	defer in.cleanup()
	prog := newProgress(c.App.ErrWriter)
	defer prog.done()

	rep := &checkReport{Demo: in.demo, Tree: in.tree, Build: in.build, Orig: in.orig, Skipped: append([]string{}, in.skipped...), Summary: []areaSummary{}, Next: []string{}}
	if in.demo {
		rep.Tree, rep.Build = "demo/tree", "demo/build"
	}

	// The build's configuration decides the LTO mode and which linker it used.
	var recorded map[string]string
	if in.build != "" {
		cfgPath := filepath.Join(in.build, ".config")
		if _, err := os.Stat(cfgPath); err == nil {
			cfg, err := probe.ReadKernelConfig(cfgPath)
			if err != nil {
				return couldNotRun(err)
			}
			if in.demo {
				cfg.File = "demo/build/.config"
			}
			rep.Config = cfg
		} else {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s has no .config: the LTO mode is unknown, so every configuration counts", in.build))
		}
		if recorded, err = recordedMakeVars(in.build); err != nil {
			return couldNotRun(fmt.Errorf("%s: %v", in.build, err))
		}
	}

	// Toolchain.
	sel, how := checkLinkerSelection(c, rep.Config, recorded, in.demo)
	prog.say("probing the linker(s)")
	opts := probe.Options{Timeout: c.Duration("timeout"), LinkTest: true, CC: c.String("cc")}
	if !sel.All {
		// Compare the .config with the build's own linker only: with
		// --all the other llds differ from it by design.
		opts.Config = rep.Config
	}
	targets, err := probe.Resolve(sel, nil)
	switch {
	case err != nil && sel.All:
		rep.Skipped = append(rep.Skipped, "toolchain: "+err.Error())
	case err != nil:
		return usageError("check: %v", err)
	default:
		pr, err := probe.Probe(c.Context, targets, opts, sel.All)
		if err != nil {
			return usageError("check: %v", err)
		}
		if err := c.Context.Err(); err != nil {
			return couldNotRun(fmt.Errorf("check: %v", err)) // a signal: the deferred cleanup removes the demo
		}
		rep.Probe = pr
	}

	// Makefile.
	if in.tree != "" {
		prog.say("linting the Makefile")
		lr, err := lint.Run(checkLintOptions(in, recorded))
		if err != nil {
			return couldNotRun(err)
		}
		rep.Lint = lr
	}

	// Build.
	if in.vmlinux != "" {
		cr, err := checkCorrelate(in, c.Int("max-suffixed"), prog)
		if err != nil {
			return couldNotRun(err)
		}
		rep.Correlate = cr
	}
	prog.done()

	decide(rep, how)
	switch format {
	case report.JSON:
		err = report.WriteJSON(c.App.Writer, rep)
	case report.SARIF:
		err = report.WriteJSON(c.App.Writer, checkSARIF(rep))
	default:
		err = writeCheckText(c.App.Writer, rep, textOpts)
	}
	if err != nil {
		return couldNotRun(err)
	}
	if in.demo {
		return nil
	}
	return withStatus(rep.Status)
}

// checkFindInputs works out tree, build and original from the flags and
// the current directory, or unpacks the embedded demo.
func checkFindInputs(c *cli.Context) (*checkInputs, error) {
	in := &checkInputs{tree: c.String("tree"), build: c.String("build"), orig: c.String("orig"), cleanup: func() {}}
	for _, p := range []struct{ flag, path string }{{"--tree", in.tree}, {"--build", in.build}, {"--orig", in.orig}} {
		if p.path == "" {
			continue
		}
		if _, err := os.Stat(p.path); err != nil {
			return nil, usageError("check: %s %s: %v", p.flag, p.path, errors.Unwrap(err))
		}
	}
	explicit := in.tree != "" || in.build != "" || in.orig != ""
	if c.Bool("demo") || (!explicit && !looksLikeKernelTree(".") && !looksLikeBuildDir(".")) {
		return unpackDemo(in)
	}
	if !explicit {
		if looksLikeBuildDir(".") {
			in.build = "."
		}
		if looksLikeKernelTree(".") {
			in.tree = "."
		}
	}
	if in.tree == "" && in.build != "" {
		// An O= build directory links back to its source tree.
		if src := filepath.Join(in.build, "source"); looksLikeKernelTree(src) {
			in.tree = src
		} else if looksLikeKernelTree(in.build) {
			in.tree = in.build
		}
	}
	if in.build == "" && in.tree != "" && looksLikeBuildDir(in.tree) {
		in.build = in.tree // an in-tree build
	}
	if in.tree == "" {
		in.skipped = append(in.skipped, "Makefile: no kernel source tree (pass --tree SRC)")
	}
	if in.build == "" {
		in.skipped = append(in.skipped, "build: no build directory (pass --build OBJDIR)")
	} else {
		for _, name := range []string{"vmlinux.o", "vmlinux"} {
			p := filepath.Join(in.build, name)
			if _, err := os.Stat(p); err == nil {
				in.vmlinux, in.correlateName = p, p
				break
			}
		}
		if in.vmlinux == "" {
			in.skipped = append(in.skipped, fmt.Sprintf("build: %s has no vmlinux.o or vmlinux yet (build it, then check again)", in.build))
		}
		in.correlateBuildDir = in.build
	}
	return in, nil
}

// unpackDemo writes the embedded demo to a private temporary directory.
func unpackDemo(in *checkInputs) (*checkInputs, error) {
	dir, err := os.MkdirTemp("", "klpcheck-demo-")
	if err != nil {
		return nil, couldNotRun(fmt.Errorf("cannot unpack the demo: %v (set TMPDIR to a writable directory)", err))
	}
	err = fs.WalkDir(fixtures.Demo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fixtures.Demo.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, couldNotRun(fmt.Errorf("cannot unpack the demo: %v", err))
	}
	return &checkInputs{
		demo:          true,
		tree:          filepath.Join(dir, "demo", "tree"),
		build:         filepath.Join(dir, "demo", "build"),
		orig:          in.orig,
		vmlinux:       filepath.Join(dir, "demo", "build", "vmlinux.o"),
		correlateName: "demo/build/vmlinux.o",
		cleanup:       func() { os.RemoveAll(dir) },
	}, nil
}

// checkLinkerSelection picks the linker kbuild would use for the build, and
// says in words how it was chosen.
func checkLinkerSelection(c *cli.Context, cfg *probe.KernelConfig, recorded map[string]string, demo bool) (probe.Selection, string) {
	sel := probe.Selection{Explicit: c.StringSlice("ld"), LLVM: c.String("llvm"), CrossCompile: c.String("cross-compile")}
	switch {
	case len(sel.Explicit) > 0 || sel.LLVM != "" || sel.CrossCompile != "":
		return sel, "the linker named on the command line"
	case demo:
		return probe.Selection{All: true, LLVMDirs: lldSearchDirs}, "every lld on this machine (demo)"
	case recorded["LD"] != "":
		return probe.Selection{Explicit: []string{recorded["LD"]}}, "LD=" + recorded["LD"] + " recorded in include/config/auto.conf.cmd"
	case os.Getenv("LD") != "" || os.Getenv("LLVM") != "" || os.Getenv("CROSS_COMPILE") != "":
		return probe.Selection{LD: os.Getenv("LD"), LLVM: os.Getenv("LLVM"), CrossCompile: os.Getenv("CROSS_COMPILE")}, "LD/LLVM/CROSS_COMPILE from the environment"
	case cfg != nil && cfg.LDIsLLD && cfg.LLDVersion > 0:
		name := fmt.Sprintf("ld.lld-%d", cfg.LLDVersion/10000)
		return probe.Selection{Explicit: []string{name}}, fmt.Sprintf("%s for CONFIG_LLD_VERSION=%d in the .config", name, cfg.LLDVersion)
	}
	return probe.Selection{All: true, LLVMDirs: lldSearchDirs}, "every lld on this machine (nothing names the build's linker)"
}

// checkLintOptions evaluates the tree as the build's final sub-make does:
// in the build directory (its auto.conf is then one more configuration),
// with the ARCH and LLVM= its Kconfig run recorded.
func checkLintOptions(in *checkInputs, recorded map[string]string) lint.Options {
	opts := lint.Options{Path: in.tree}
	if in.build == "" || in.demo {
		return opts
	}
	if _, err := os.Stat(filepath.Join(in.build, "include", "config", "auto.conf")); err != nil {
		return opts // not configured yet: the matrix only
	}
	opts.Build = in.build
	opts.Arch = recorded["ARCH"]
	opts.LLVM = llvmFromLD(recorded["LD"])
	return opts
}

// llvmFromLD is the LLVM= value that makes kbuild pick ld as LD: ld.lld-22
// from LLVM=-22, /opt/llvm/bin/ld.lld from LLVM=/opt/llvm/bin/, ld.lld from
// LLVM=1; "" (lint's default) for anything else.
func llvmFromLD(ld string) string {
	dir, base := filepath.Split(ld)
	switch {
	case base == "ld.lld" && dir != "":
		return dir
	case base == "ld.lld":
		return "1"
	case strings.HasPrefix(base, "ld.lld-") && dir == "":
		return strings.TrimPrefix(base, "ld.lld")
	}
	return ""
}

// checkCorrelate reads the build's vmlinux.o with progress on a terminal.
func checkCorrelate(in *checkInputs, maxSuffixed int, prog *progress) (*correlate.Result, error) {
	// The prediction is details only: decide does not read it.
	opts := correlate.Options{MaxSuffixed: maxSuffixed, Against: in.orig, Progress: prog.bytes, Predict: true}
	if !in.demo {
		opts.BuildDir = in.correlateBuildDir
	}
	prog.say("reading " + in.correlateName)
	if !in.demo {
		return correlate.Analyze(in.vmlinux, opts)
	}
	data, err := os.ReadFile(in.vmlinux)
	if err != nil {
		return nil, err
	}
	return correlate.AnalyzeReader(in.correlateName, bytes.NewReader(data), int64(len(data)), opts)
}

// conflictWithFiles names a conflict and the two definitions' files, as
// far as provenance knows them: "foo: arch/x86/entry/entry_64.S vs mm/memory.c".
func conflictWithFiles(cf correlate.Conflict) string {
	asm, c := cf.Asm.File, cf.C.File
	if asm == "" && c == "" {
		return cf.Name
	}
	if asm == "" {
		asm = "an unknown object"
	}
	if c == "" {
		c = "an unknown C file"
	}
	return fmt.Sprintf("%s: %s vs %s", cf.Name, asm, c)
}

// modeLabel is how lint names the .config's LTO mode in its configurations
// ("THIN with LLVM 22.1"): lint/model's label for the mode's Kconfig symbol.
func modeLabel(mode string) string {
	if mode == "none" || mode == "" {
		return model.ModeNone.Label()
	}
	return model.ModeFor("LTO_CLANG_" + strings.ToUpper(mode)).Label()
}

// lintModeSymbol is the Kconfig symbol of the .config's LTO mode
// (LTO_CLANG_THIN for "thin"), as lint's evaluations name it.
func lintModeSymbol(cfg *probe.KernelConfig) string {
	if cfg.LTOMode == "none" || cfg.LTOMode == "" {
		return model.ModeNone.Symbol
	}
	return "LTO_CLANG_" + strings.ToUpper(cfg.LTOMode)
}

// relevantLintErrors are the error findings that hold for the build's LTO
// mode (all of them when there is no .config), and the rest. A finding's
// configurations are looked up in lint's typed evaluations, never parsed.
func relevantLintErrors(lr *lint.Result, cfg *probe.KernelConfig) (here, elsewhere []lint.Finding) {
	symbolOf := map[string]string{}
	for _, e := range lr.Evaluations {
		symbolOf[e.Config] = e.LTOSymbol
	}
	for _, f := range lr.Findings {
		if f.Severity != "error" {
			continue
		}
		if cfg == nil || len(f.Configs) == 0 {
			here = append(here, f)
			continue
		}
		match := false
		for _, conf := range f.Configs {
			match = match || symbolOf[conf] == lintModeSymbol(cfg)
		}
		if match {
			here = append(here, f)
		} else {
			elsewhere = append(elsewhere, f)
		}
	}
	return here, elsewhere
}

// flagsArrival says whether the evaluation saw the flags reach the
// KBUILD_LDFLAGS of in-process ThinLTO with a toolchain that supports them
// (the configurations LTO006 looks at): the first such configuration, and
// whether any of them was undecided.
func flagsArrival(lr *lint.Result) (reached string, undecided bool, evaluated int) {
	for _, e := range lr.Evaluations {
		if e.Build || e.LTOSymbol != "LTO_CLANG_THIN" || !e.ToolchainHasOption {
			continue
		}
		evaluated++
		if e.FlagsReached() && reached == "" {
			reached = e.Config
		}
		if !e.Stopped && (e.Visibility == rules.ReachMaybe || e.Rename == rules.ReachMaybe) {
			undecided = true
		}
	}
	return reached, undecided, evaluated
}

// The line kbuild needs, for the Next step of a Makefile without it.
const suffixReductionLine = "KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)"

// decideMakefile is the Makefile area: no error for the build's mode, and
// the flags seen arriving in in-process ThinLTO's KBUILD_LDFLAGS when the
// build is (or may be) THIN. Anything the evaluation could not see is a
// failure with its reason, never "ok".
func decideMakefile(rep *checkReport, add func(area, status, text string), next func(string)) {
	lr := rep.Lint
	if lr == nil {
		add("makefile", areaSkipped, "no kernel source tree to lint")
		return
	}
	here, elsewhere := relevantLintErrors(lr, rep.Config)
	scope := "any configuration"
	thin := true
	if rep.Config != nil {
		scope = modeLabel(rep.Config.LTOMode)
		thin = rep.Config.LTOMode == "thin"
	}
	reached, undecided, evaluated := flagsArrival(lr)
	switch {
	case len(here) > 0:
		f := here[0]
		add("makefile", areaFail, fmt.Sprintf("%s for %s; first: %s:%d: %s [%s]", plural(len(here), "error"), scope, f.File, f.Line, firstSentence(f.Message), f.Rule))
		next(fmt.Sprintf("Fix the Makefile findings above (klpcheck lint --explain %s explains the rule with a bad and a good example).", f.Rule))
	case thin && evaluated == 0:
		add("makefile", areaFail, "the evaluation has no in-process ThinLTO configuration (the tree's arch/Kconfig offers no LTO_CLANG_THIN?), so it cannot tell whether the flags are added")
		next("Check the tree's arch/Kconfig LTO choice; klpcheck lint --format json lists the configurations evaluated.")
	case thin && reached == "" && undecided:
		add("makefile", areaFail, "the evaluation could not decide whether the suffix-reduction flags reach KBUILD_LDFLAGS for THIN (see the lint notes)")
		next("Make the ThinLTO branch add the flags unconditionally through one ld-option call: " + suffixReductionLine)
	case thin && reached == "":
		add("makefile", areaFail, "the Makefile never adds the suffix-reduction flags for THIN, even with a linker that supports them [LTO006]")
		next("Add to the in-process ThinLTO branch (ifdef CONFIG_LTO_CLANG_THIN) of the top-level Makefile: " + suffixReductionLine)
	default:
		text := "adds the flags correctly for " + scope
		if thin {
			text = fmt.Sprintf("adds the flags for %s: both reach KBUILD_LDFLAGS with %s", scope, strings.TrimPrefix(reached, "THIN with "))
		}
		if len(elsewhere) > 0 {
			text += fmt.Sprintf(" (%s in other configurations; see below)", plural(len(elsewhere), "error"))
		}
		add("makefile", areaOK, text)
	}
}

// decide fills in the verdict, the area summaries, the exit status and the
// next steps from the sections that ran.
func decide(rep *checkReport, linkerChoice string) {
	ready := true
	add := func(area, status, text string) {
		rep.Summary = append(rep.Summary, areaSummary{Area: area, Status: status, Text: text})
		if status != areaOK {
			ready = false
		}
	}
	next := func(s string) { rep.Next = append(rep.Next, s) }

	// Toolchain: the build's linker must accept the flags; with --all
	// (nothing named the linker) one that does is enough to build with.
	switch pr := rep.Probe; {
	case pr == nil:
		add("toolchain", areaSkipped, "no linker could be probed")
		next("Install LLD from LLVM 23.1 or later (Debian/Ubuntu: apt-get install lld-23 once packaged; or an upstream build) and pass --ld PATH; to see what an installed lld answers: apt-get install lld-22")
	default:
		var ok, no, broken []string
		reasons := map[string][]string{} // refusal reason -> linkers
		var order []string
		for _, l := range pr.Linkers {
			name := filepath.Base(l.Path)
			if l.Version != "" {
				name += " " + l.Version
			}
			switch l.Verdict() {
			case "supported":
				ok = append(ok, name)
			case "unsupported":
				no = append(no, name)
				if _, seen := reasons[l.Reason]; !seen {
					order = append(order, l.Reason)
				}
				reasons[l.Reason] = append(reasons[l.Reason], name)
			default:
				broken = append(broken, l.Error)
			}
		}
		var why []string
		for _, r := range order {
			if len(order) == 1 {
				why = append(why, r)
			} else {
				why = append(why, strings.Join(reasons[r], ", ")+": "+r)
			}
		}
		all := len(pr.Linkers) > 0 && strings.HasPrefix(linkerChoice, "every lld")
		switch {
		case len(broken) > 0 && len(ok) == 0 && len(no) == 0:
			add("toolchain", areaSkipped, "could not probe: "+strings.Join(broken, "; "))
			next("Make the build's linker available (or name it with --ld) and check again.")
		case all && len(ok) > 0:
			add("toolchain", areaOK, fmt.Sprintf("%s accepts the flags (probed %s)", strings.Join(ok, ", "), linkerChoice))
			next("Build with a linker that accepts the flags: make LLVM=<its bin directory>/ or LD=<path>.")
		case len(no) == 0 && len(broken) == 0:
			add("toolchain", areaOK, fmt.Sprintf("%s accepts the flags (%s)", strings.Join(ok, ", "), linkerChoice))
		case len(no) == 0:
			add("toolchain", areaSkipped, "could not probe: "+strings.Join(broken, "; "))
			next("Make the build's linker available (or name it with --ld) and check again.")
		default:
			verb := "refuses"
			if len(no) > 1 {
				verb = "refuse"
			}
			add("toolchain", areaFail, fmt.Sprintf("%s %s the flags, so ld-option leaves them out (%s): %s", strings.Join(no, ", "), verb, linkerChoice, strings.Join(why, "; ")))
			next("Use LLD from LLVM 23.1 or later for this build (make LLVM=/path/to/llvm-23/bin/); `klpcheck probe --all` lists what this machine has.")
		}
	}

	decideLinkTest(rep, strings.HasPrefix(linkerChoice, "every lld"), add, next)
	decideMakefile(rep, add, next)

	// Build.
	switch cr := rep.Correlate; {
	case cr == nil:
		add("build", areaSkipped, "no vmlinux.o or vmlinux to read")
	default:
		hard := 0
		var names []string
		for _, cf := range cr.Conflicts {
			if cf.Class == correlate.ClassHard {
				hard++
				names = append(names, conflictWithFiles(cf))
			}
		}
		count := fmt.Sprintf("%d .llvm.<hash> functions and %d data objects", cr.Suffixed.Functions, cr.Suffixed.Data)
		var problems []string
		if hard > 0 {
			problems = append(problems, fmt.Sprintf("%s (%s): the link fails once the flags are on", plural(hard, "hard asm/C conflict"), strings.Join(names, ", ")))
			next("Rename each conflicting assembly global or C static (the fix lines above name both definitions).")
		}
		if gap := cr.ProvenanceGap(); gap != "" {
			problems = append(problems, gap)
			next("Give correlate complete evidence: the build's objects (--build) or intact debug info; the problems above name the file and section.")
		}
		if b := cr.Budget; b != nil && b.Exceeded {
			problems = append(problems, fmt.Sprintf("%d suffixed symbols exceed the budget of %d: the flags are not in effect", b.Count, b.Max))
			next("Rebuild with a linker that accepts the flags, then check the count again.")
		}
		if t := cr.Twins; t != nil && len(t.Ambiguous) > 0 {
			problems = append(problems, fmt.Sprintf("%s against %s", plural(len(t.Ambiguous), "ambiguous twin"), rep.Orig))
			next("Make the ambiguous names unique before building a live patch (klp-diff refuses to guess).")
		}
		if len(problems) > 0 {
			add("build", areaFail, strings.Join(problems, "; ")+"; "+count)
		} else {
			add("build", areaOK, "no hard conflicts; "+count)
		}
	}

	switch {
	case rep.Config != nil && rep.Config.LTOMode != "thin" && rep.Config.LTOMode != "thin_dist":
		rep.Verdict, rep.Status = verdictNotApplicable, report.ExitClean
		rep.Next = []string{fmt.Sprintf("%s selects %s: suffix reduction is a ThinLTO feature (CONFIG_LTO_CLANG_THIN).", rep.Config.File, modeLabel(rep.Config.LTOMode))}
	case ready:
		rep.Verdict, rep.Status = verdictReady, report.ExitClean
	default:
		rep.Verdict, rep.Status = verdictNotReady, report.ExitFindings
	}
	for _, s := range rep.Skipped {
		if strings.HasPrefix(s, "Makefile:") || strings.HasPrefix(s, "build:") {
			next("Skipped " + s + ".")
		}
	}
	if rep.Demo {
		next("This was the embedded demo. Point check at a real kernel: klpcheck check --tree ~/linux --build ~/linux/out (or run it inside either).")
	}
}

// writeCheckText writes the verdict, its summary lines and the sections;
// with o.Quiet, the verdict, its summary lines and lint's findings only.
func writeCheckText(w io.Writer, rep *checkReport, o lint.TextOptions) error {
	var b strings.Builder
	if o.Quiet {
		writeCheckVerdict(&b, rep, o)
		if rep.Lint != nil && len(rep.Lint.Findings) > 0 {
			b.WriteString("\n")
			if err := rep.Lint.WriteTextOptions(&b, o); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if rep.Demo {
		b.WriteString("klpcheck check: DEMO (no kernel tree here): an embedded kernel-shaped tree with one planted\n" +
			"Makefile fault and a tiny ThinLTO vmlinux.o with one asm/C conflict, against the linkers on this machine.\n\n")
	}
	writeCheckVerdict(&b, rep, o)
	if rep.Config != nil {
		fmt.Fprintf(&b, "  (%s: LTO mode %s, CONFIG_LLD_VERSION=%d, CONFIG_CLANG_VERSION=%d)\n", rep.Config.File, modeLabel(rep.Config.LTOMode), rep.Config.LLDVersion, rep.Config.ClangVersion)
	}
	section := func(title string) { fmt.Fprintf(&b, "\n== %s\n\n", title) }
	if rep.Probe != nil {
		section("Toolchain (klpcheck probe)")
		if err := probe.WriteText(&b, rep.Probe); err != nil {
			return err
		}
	}
	if rep.Lint != nil {
		section("Makefile (klpcheck lint " + rep.Tree + ")")
		if err := rep.Lint.WriteTextOptions(&b, lint.TextOptions{Style: o.Style}); err != nil {
			return err
		}
	}
	if rep.Correlate != nil {
		section("Build (klpcheck correlate " + rep.Correlate.File + ")")
		if err := correlate.WriteText(&b, rep.Correlate); err != nil {
			return err
		}
	}
	if len(rep.Skipped) > 0 {
		section("Skipped")
		for _, s := range rep.Skipped {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	section("Next")
	if len(rep.Next) == 0 {
		b.WriteString("- Nothing: build with these flags and live patches keep the original symbol names.\n")
	}
	for _, s := range rep.Next {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	if rep.Demo {
		fmt.Fprintf(&b, "\n(demo: exit status 0; a real build with this verdict exits %d)\n", rep.Status)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCheckVerdict writes the verdict line and one line per area.
func writeCheckVerdict(b *strings.Builder, rep *checkReport, o lint.TextOptions) {
	fmt.Fprintf(b, "Suffix reduction: %s\n", o.Style.Verdict(rep.Verdict, rep.Verdict == verdictReady, rep.Verdict == verdictNotReady))
	for _, s := range rep.Summary {
		status := fmt.Sprintf("%-7s", s.Status)
		switch s.Status {
		case areaOK:
			status = o.Style.Verdict(status, true, false)
		case areaFail:
			status = o.Style.Verdict(status, false, true)
		}
		fmt.Fprintf(b, "  %-9s  %s  %s\n", s.Area, status, s.Text)
	}
}

// checkSARIF merges lint findings and correlate results into one run.
func checkSARIF(rep *checkReport) report.SARIFLog {
	var run report.SARIFRun
	if rep.Lint != nil {
		run = rep.Lint.SARIFRun(versionString())
	} else {
		run = report.SARIFRun{Tool: report.SARIFTool{Driver: report.SARIFDriver{Name: "klpcheck", Version: versionString(), Rules: lint.SARIFRules()}}, Results: []report.SARIFResult{}}
	}
	base := len(run.Tool.Driver.Rules)
	run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, correlate.SARIFRules()...)
	run.Invocations = report.Invocation(true, "")
	if rep.Correlate != nil {
		run.Results = append(run.Results, rep.Correlate.SARIFResults(base)...)
		// The tree's %SRCROOT% (lint's) wins over the one correlate infers
		// from the build; the build adds BUILDROOT.
		bases := rep.Correlate.SARIFRoots().BaseIDs()
		for id, loc := range run.OriginalURIBaseIDs {
			if bases == nil {
				bases = map[string]report.SARIFArtifactLocation{}
			}
			bases[id] = loc
		}
		run.OriginalURIBaseIDs = bases
		report.NumberFingerprints(run.Results)
	}
	return report.SARIFLog{Schema: report.SARIFSchema, Version: report.SARIFVersion, Runs: []report.SARIFRun{run}}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// firstSentence shortens a finding's message for the one-line summary.
func firstSentence(s string) string {
	if i := strings.Index(s, ": "); i > 0 && i < 160 {
		return s[:i]
	}
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}
