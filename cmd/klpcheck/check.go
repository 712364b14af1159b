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

	"klpcheck/check"
	"klpcheck/correlate"
	"klpcheck/fixtures"
	"klpcheck/internal/kbuild"
	"klpcheck/internal/report"
	"klpcheck/lint"
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

// checkReport is the `klpcheck check --format json` document.
type checkReport struct {
	Verdict check.Verdict       `json:"verdict"`
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
type areaSummary = check.Area

// checkInputs are the parts check found or was given.
type checkInputs struct {
	demo              bool
	tree, build, orig string
	vmlinux           string // the file correlate reads
	correlateName     string // how it is named in the report
	correlateBuildDir string
	cleanup           func()
	skipped           []check.Skip
}

// runCheck is the check command: it reads the build's configuration, probes
// the linker, lints the Makefile and correlates the build into one report
// with a verdict.
func runCheck(c *cli.Context) error {
	format, textOpts, err := checkArguments(c)
	if err != nil {
		return err
	}
	in, err := checkFindInputs(c)
	if err != nil {
		return err
	}
	defer in.cleanup()
	prog := newProgress(c.App.ErrWriter)
	defer prog.done()

	rep := &checkReport{Demo: in.demo, Tree: in.tree, Build: in.build, Orig: in.orig, Summary: []areaSummary{}, Next: []string{}}
	skipped := append([]check.Skip{}, in.skipped...)
	if in.demo {
		rep.Tree, rep.Build = "demo/tree", "demo/build"
	}

	// The build's configuration decides the LTO mode and which linker it used.
	recorded, err := checkBuildConfig(in, rep, &skipped)
	if err != nil {
		return err
	}

	sel, how, err := checkToolchain(c, in, rep, recorded, &skipped, prog)
	if err != nil {
		return err
	}
	if err := checkMakefileAndBuild(c, in, recorded, rep, prog); err != nil {
		return err
	}
	prog.done()

	checkDecide(rep, in, sel, how, skipped)
	if err := (reportWriters{
		json:  func(w io.Writer) error { return report.WriteJSON(w, rep) },
		sarif: func(w io.Writer) error { return report.WriteJSON(w, checkSARIF(rep)) },
		text:  func(w io.Writer) error { return writeCheckText(w, rep, textOpts) },
	}).write(c.App.Writer, format); err != nil {
		return err
	}
	if in.demo {
		return nil
	}
	return withStatus(rep.Status)
}

// checkArguments checks check's flags and arguments, and returns the
// report format and the text report's options.
func checkArguments(c *cli.Context) (report.Format, lint.TextOptions, error) {
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON, report.SARIF)
	if err != nil {
		return format, lint.TextOptions{}, usageError("check: %v", err)
	}
	if c.NArg() > 0 {
		return format, lint.TextOptions{}, usageError("check takes no file arguments (got %q): use --tree, --build and --orig", c.Args().First())
	}
	if c.Duration("timeout") <= 0 {
		return format, lint.TextOptions{}, usageError("check: --timeout must be positive, e.g. 10s")
	}
	textOpts, err := textOptions(c)
	if err != nil {
		return format, textOpts, usageError("check: %v", err)
	}
	return format, textOpts, nil
}

// checkMakefileAndBuild lints the tree's Makefile and correlates the
// build's vmlinux into rep, each when there is one.
func checkMakefileAndBuild(c *cli.Context, in *checkInputs, recorded map[string]string, rep *checkReport, prog *progress) error {
	if in.tree != "" {
		prog.say("linting the Makefile")
		lr, err := lint.RunContext(c.Context, checkLintOptions(in, recorded))
		if err != nil {
			return couldNotRun(err)
		}
		rep.Lint = lr
	}
	if in.vmlinux != "" {
		cr, err := checkCorrelate(in, c.Int("max-suffixed"), prog)
		if err != nil {
			return couldNotRun(err)
		}
		rep.Correlate = cr
	}
	return nil
}

// checkDecide puts the verdict on the findings of every area into rep.
func checkDecide(rep *checkReport, in *checkInputs, sel probe.Selection, how string, skipped []check.Skip) {
	dec := check.Decide(check.Inputs{
		Config: rep.Config, Probe: rep.Probe, Lint: rep.Lint, Correlate: rep.Correlate,
		AllLinkers: sel.All, LinkerChoice: how, Orig: rep.Orig, Skipped: skipped, Demo: in.demo,
	})
	dec.RenderNext(checkAsk)
	rep.Verdict, rep.Status, rep.Summary, rep.Next = dec.Verdict, dec.Status, dec.Summary, dec.Next
	rep.Skipped = make([]string, len(dec.Skipped))
	for i, sk := range dec.Skipped {
		rep.Skipped[i] = sk.String()
	}
}

// checkBuildConfig reads the build's .config into the report and returns
// the make variables the build recorded (LD=, LLVM=); a build without a
// .config is a skip, not an error.
func checkBuildConfig(in *checkInputs, rep *checkReport, skipped *[]check.Skip) (map[string]string, error) {
	if in.build == "" {
		return nil, nil
	}
	cfgPath := filepath.Join(in.build, ".config")
	if _, err := os.Stat(cfgPath); err == nil {
		cfg, err := probe.ReadKernelConfig(cfgPath)
		if err != nil {
			return nil, couldNotRun(err)
		}
		if in.demo {
			cfg.File = "demo/build/.config"
		}
		rep.Config = cfg
	} else {
		*skipped = append(*skipped, check.Skip{Why: fmt.Sprintf("%s has no .config: the LTO mode is unknown, so every configuration counts", in.build)})
	}
	recorded, err := recordedMakeVars(in.build)
	if err != nil {
		return nil, couldNotRun(fmt.Errorf("%s: %v", in.build, err))
	}
	return recorded, nil
}

// checkToolchain probes the linker(s) the build uses, or every lld with
// --all, into the report.
func checkToolchain(c *cli.Context, in *checkInputs, rep *checkReport, recorded map[string]string, skipped *[]check.Skip, prog *progress) (probe.Selection, string, error) {
	sel, how := checkLinkerSelection(c, rep.Config, recorded, in.demo)
	prog.say("probing the linker(s)")
	opts := probe.Options{Timeout: c.Duration("timeout"), LinkTest: true, CC: c.String("cc"), CCSource: "--cc"}
	if !sel.All {
		// Compare the .config with the build's own linker only: with
		// --all the other llds differ from it by design.
		opts.Config = rep.Config
	}
	targets, err := probe.Resolve(withFlagSources(sel), nil)
	switch {
	case err != nil && sel.All:
		*skipped = append(*skipped, check.Skip{Area: check.AreaToolchain, Why: resolveError(sel, err)})
	case err != nil:
		return sel, how, usageError("check: %s", resolveError(sel, err))
	default:
		pr, err := probe.Probe(c.Context, targets, opts, sel.All)
		if err != nil {
			return sel, how, usageError("check: %v", err)
		}
		if err := c.Context.Err(); err != nil {
			return sel, how, couldNotRun(fmt.Errorf("check: %v", err)) // a signal: the deferred cleanup removes the demo
		}
		pr.RenderHints(probeRemedy)
		rep.Probe = pr
	}
	return sel, how, nil
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
		in.skipped = append(in.skipped, check.Skip{Area: check.AreaMakefile, Why: "no kernel source tree (pass --tree SRC)"})
	}
	if in.build == "" {
		in.skipped = append(in.skipped, check.Skip{Area: check.AreaBuild, Why: "no build directory (pass --build OBJDIR)"})
	} else {
		for _, name := range []string{"vmlinux.o", "vmlinux"} {
			p := filepath.Join(in.build, name)
			if _, err := os.Stat(p); err == nil {
				in.vmlinux, in.correlateName = p, p
				break
			}
		}
		if in.vmlinux == "" {
			in.skipped = append(in.skipped, check.Skip{Area: check.AreaBuild, Why: fmt.Sprintf("%s has no vmlinux.o or vmlinux yet (build it, then check again)", in.build)})
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
		name := kbuild.LLDName(kbuild.Version(cfg.LLDVersion))
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
	opts.LLVM = kbuild.LLVMForLD(recorded["LD"])
	return opts
}

// checkCorrelate reads the build's vmlinux.o with progress on a terminal.
func checkCorrelate(in *checkInputs, maxSuffixed int, prog *progress) (*correlate.Result, error) {
	// The prediction is details only: check.Decide does not read it.
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
		fmt.Fprintf(&b, "  (%s: LTO mode %s, CONFIG_LLD_VERSION=%d, CONFIG_CLANG_VERSION=%d)\n", rep.Config.File, rep.Config.LTO().Label(), rep.Config.LLDVersion, rep.Config.ClangVersion)
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
	fmt.Fprintf(b, "Suffix reduction: %s\n", o.Style.Verdict(string(rep.Verdict), rep.Verdict == check.Ready, rep.Verdict == check.NotReady))
	for _, s := range rep.Summary {
		status := fmt.Sprintf("%-7s", s.Status)
		switch s.Status {
		case string(check.StatusOK):
			status = o.Style.Verdict(status, true, false)
		case string(check.StatusFail):
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
