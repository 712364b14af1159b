package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/report"
	"klpcheck/probe"
)

func probeCommand() *cli.Command {
	return &cli.Command{
		Name:  "probe",
		Usage: "ask real linkers for the suffix-reduction flags the way kbuild's ld-option does, and explain the answer",
		UsageText: `klpcheck probe [--ld NAME|PATH]... [--llvm VALUE] [--cross-compile PREFIX] [--all]
       [--flags "..."] [--ldflags "..."] [--config .config] [--timeout 10s] [--format text|json]
       [--link-test [--cc CLANG]]

Examples:
   klpcheck probe --all                          # every lld on PATH and in /usr/lib/llvm-*/bin
   klpcheck probe --llvm -22                     # the linker "make LLVM=-22" uses (ld.lld-22)
   klpcheck probe --ld ld.lld-22 --flags "-mllvm -import-instr-limit=5"
   klpcheck probe --config build/.config --format json --ld /opt/llvm/bin/ld.lld`,
		Description: `The verdict is kbuild's: $LD $KBUILD_LDFLAGS <flags> -v run as try-run does
(POSIX shell semantics, set -e, a private TMPOUT removed afterwards, output
discarded); only the exit status decides. The same run gives the linker's
flavor and version (the -v banner) and its own reason; when it refuses, each
flag group the refusal does not name is run alone to say which one failed.

With --config of a .config made with LLD and no linker named, the linker that
build used is probed: the LD recorded in include/config/auto.conf.cmd beside
it, else LD/LLVM/CROSS_COMPILE from the environment, else
ld.lld-<major of CONFIG_LLD_VERSION>.

Which linker, as kbuild picks it: --ld (repeatable), else LD from the
environment (as "make LD=..."), else --llvm/LLVM (1 -> ld.lld, -22 -> ld.lld-22,
/opt/llvm/bin/ -> /opt/llvm/bin/ld.lld), else --cross-compile/CROSS_COMPILE
(PREFIXld), else ld.

Exit status: 0 every linker accepts the flags, 1 at least one does not,
2 a linker could not be run (not found, not executable, timeout) or bad usage,
130/143 stopped by SIGINT/SIGTERM (linkers killed, temporary files removed).
With --link-test, a mode that is rejected or ineffective also gives 1, and a
link test that could not tell (error, no-promotion) gives 2.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "ld", Usage: "linker to probe, a `NAME` on PATH or a PATH (repeatable)"},
			&cli.StringFlag{Name: "llvm", Usage: "kbuild's LLVM= `VALUE`: 1, -SUFFIX or PREFIX/ (default: $LLVM)"},
			&cli.StringFlag{Name: "cross-compile", Usage: "kbuild's CROSS_COMPILE `PREFIX` (default: $CROSS_COMPILE)"},
			&cli.BoolFlag{Name: "all", Usage: "probe every ld.lld on PATH and in the usual LLVM install directories, sorted by version"},
			&cli.StringFlag{Name: "flags", Value: probe.DefaultFlags, Usage: "the ld-option `STRING` to probe"},
			&cli.StringFlag{Name: "ldflags", Usage: "KBUILD_LDFLAGS that take part in the check, as in kbuild"},
			&cli.StringFlag{Name: "config", Usage: "a kernel `.config` to compare with (LTO mode, CONFIG_LLD_VERSION)"},
			&cli.DurationFlag{Name: "timeout", Value: probe.DefaultTimeout, Usage: "bound on each linker run (Go `DURATION`)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text or json"},
			&cli.BoolFlag{Name: "link-test", Usage: "also compile and link a tiny ThinLTO program (ld -r, in-process and distributed) and read whether the flags keep the promoted names"},
			&cli.StringFlag{Name: "cc", Usage: "the clang `CC` for --link-test (default: the one matching each linker: ld.lld-22 -> clang-22)"},
		},
		Action: runProbe,
	}
}

func runProbe(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError("probe takes no file arguments (got %q); name linkers with --ld", c.Args().First())
	}
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON)
	if err != nil {
		return usageError("probe: %v", err)
	}
	if c.Duration("timeout") <= 0 {
		return usageError("probe: --timeout must be positive, e.g. 10s")
	}
	sel := probe.Selection{
		Explicit:     c.StringSlice("ld"),
		LD:           os.Getenv("LD"),
		LLVM:         envOr(c, "llvm", "LLVM"),
		CrossCompile: envOr(c, "cross-compile", "CROSS_COMPILE"),
		All:          c.Bool("all"),
	}
	opts := probe.Options{Flags: c.String("flags"), LDFlags: c.String("ldflags"), Timeout: c.Duration("timeout"), LinkTest: c.Bool("link-test"), CC: c.String("cc"), CCSource: "--cc"}
	if opts.CC != "" && !opts.LinkTest {
		return usageError("probe: --cc is for --link-test")
	}
	if path := c.String("config"); path != "" {
		cfg, err := probe.ReadKernelConfig(path)
		if err != nil {
			return couldNotRun(fmt.Errorf("--config: %v", err))
		}
		opts.Config = cfg
		sel = configuredSelection(c, sel, cfg)
	}
	rep, err := runProbeSelection(c.Context, sel, opts)
	if err != nil {
		return err
	}
	if format == report.JSON {
		err = report.WriteJSON(c.App.Writer, rep)
	} else {
		err = probe.WriteText(c.App.Writer, rep)
	}
	if err != nil {
		return couldNotRun(err)
	}
	return withStatus(rep.ExitStatus())
}

// runProbeSelection resolves and probes.
func runProbeSelection(ctx context.Context, sel probe.Selection, opts probe.Options) (*probe.Report, error) {
	targets, err := probe.Resolve(withFlagSources(sel), nil)
	if err != nil {
		return nil, usageError("probe: %s", resolveError(sel, err))
	}
	rep, err := probe.Probe(ctx, targets, opts, sel.All)
	if err != nil {
		return nil, usageError("probe: %v", probeOptionError(err))
	}
	if err := ctx.Err(); err != nil {
		return nil, couldNotRun(fmt.Errorf("probe: stopped before every linker answered (%v)", err)) // a signal: no half report
	}
	rep.RenderHints(probeRemedy)
	return rep, nil
}

// withFlagSources labels the linkers the command line named with the flags
// that named them, as reports show where each linker came from.
func withFlagSources(sel probe.Selection) probe.Selection {
	if sel.ExplicitSource == "" {
		sel.ExplicitSource = "--ld"
	}
	sel.AllSource = "--all"
	return sel
}

// resolveError is a Resolve error as the command line puts it: the flag
// behind each remedy, and --all named when it found nothing.
func resolveError(sel probe.Selection, err error) string {
	var he *probe.HintError
	if !errors.As(err, &he) {
		return err.Error()
	}
	msg := he.Hint.Render(probeRemedy)
	if sel.All {
		msg = "--all " + msg
	}
	return msg
}

// probeOptionError names the command-line flag behind a bad probe option:
// "--flags ..." for Options.Flags, "--ldflags ..." for Options.LDFlags.
func probeOptionError(err error) error {
	var oe *probe.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	flag := "--flags"
	if oe.Option == "LDFlags" {
		flag = "--ldflags"
	}
	return fmt.Errorf("%s %v", flag, oe.Err)
}

// configuredSelection probes the linker a .config made with LLD was built
// with, as check does for a build directory, unless the command line names
// one: the LD its Kconfig run recorded; else LD/LLVM/CROSS_COMPILE from the
// environment; else ld.lld-<major of CONFIG_LLD_VERSION>.
func configuredSelection(c *cli.Context, sel probe.Selection, cfg *probe.KernelConfig) probe.Selection {
	if c.IsSet("ld") || c.IsSet("llvm") || c.IsSet("cross-compile") || c.Bool("all") {
		return sel
	}
	name, source, recorded := cfg.BuildLinker()
	envNames := os.Getenv("LD") != "" || os.Getenv("LLVM") != "" || os.Getenv("CROSS_COMPILE") != ""
	if name == "" || (!recorded && envNames) {
		return sel
	}
	return probe.Selection{Explicit: []string{name}, ExplicitSource: source}
}

// envOr is a flag's value, or the environment variable kbuild reads.
func envOr(c *cli.Context, flag, env string) string {
	if c.IsSet(flag) {
		return c.String(flag)
	}
	return os.Getenv(env)
}
