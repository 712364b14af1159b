package main

import (
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"klpcheck/correlate"
	"klpcheck/internal/report"
)

const correlateDescription = `Reads the symbol table of a built kernel (vmlinux, vmlinux.o, *.ko, *.o; any
ELF, 32- or 64-bit, either byte order) and reports:

  - the census: every .llvm.<hash> symbol ThinLTO promoted, functions and
    data, grouped by hash (one hash per source file), and the other compiler
    suffixes (.isra.N, .constprop.N, .part.N, .cold, .lto_priv.N, .localalias)
    counted apart;
  - conflicts: assembly globals that share a name with a C static. "hard": the
    static is already promoted (foo.llvm.<hash>), so with lld's suffix
    reduction the link fails with a duplicate symbol; "latent": the static is
    not promoted yet; "possible": nothing tells whether the global is assembly
    (give --build, or a file with debug info);
  - with --against ORIG: each symbol of ORIG paired with its twin in FILE, the
    way objtool's klp-diff pairs them, and what was renamed, what is ambiguous
    (never guessed) and what has no twin;
  - with --predict: what LLVM 23's suffix reduction would make of this build
    (made with LLVM <= 22): the names that keep .llvm.<hash> and why, the
    promoted statics that collide with a global (assembly: the link fails),
    and with --against how many of today's renames would disappear. Where
    link order picks the copy that keeps the plain name, it says so.

Examples:
   klpcheck correlate vmlinux.o
   klpcheck correlate --build ~/linux/build --max-suffixed 2 vmlinux.o
   klpcheck correlate --against orig/vmlinux.o --format json patched/vmlinux.o
   klpcheck correlate --predict --build ~/linux/build --against orig/vmlinux.o vmlinux.o

Exit status: 0 clean; 1 budget exceeded, a hard conflict, or an ambiguous
twin; 2 the input could not be read or bad usage.`

func correlateCommand() *cli.Command {
	return &cli.Command{
		Name:        "correlate",
		Usage:       "census of .llvm.<hash> symbols, asm/C conflicts and twins across builds",
		ArgsUsage:   "FILE",
		Description: correlateDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, json or sarif"},
			&cli.StringFlag{Name: "build", Usage: "kernel build tree or objects `DIR`, to tell assembly from C"},
			&cli.StringFlag{Name: "against", Usage: "original build `ORIG` to pair symbols with, as klp-diff does"},
			&cli.IntFlag{Name: "max-suffixed", Value: correlate.NoBudget, Usage: "exit 1 when .llvm.<hash> functions+data exceed `N` (negative: no budget)"},
			&cli.BoolFlag{Name: "predict", Usage: "predict what LLVM 23's suffix reduction makes of this LLVM <= 22 build: names that keep .llvm.<hash>, collisions, renames avoided (with --against)"},
			&cli.StringFlag{Name: "llvm-nm", Usage: "llvm-nm at `PATH` for bitcode the native reader cannot read (default: llvm-nm-<major> of its producer)"},
		},
		Action: runCorrelate,
	}
}

func runCorrelate(c *cli.Context) error {
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON, report.SARIF)
	if err != nil {
		return usageError("correlate: %v", err)
	}
	switch c.NArg() {
	case 0:
		return usageError("correlate: missing FILE (a vmlinux, vmlinux.o, *.ko or *.o; see klpcheck correlate --help)")
	case 1:
	default:
		return usageError("correlate: one FILE expected, got %d: %v", c.NArg(), c.Args().Slice())
	}
	if os.Getenv("GOGC") == "" {
		// The command builds its working set once (a million symbol records
		// for a vmlinux.o) and exits: with the default heap target the
		// collector runs while that set grows and costs a third of the run
		// (measured: 0.24 s against 0.17 s for 1,000,000 symbols, 81 MB
		// against 88 MB peak RSS). GOGC in the environment still wins.
		debug.SetGCPercent(200)
	}
	res, err := correlate.Analyze(c.Args().First(), correlate.Options{
		BuildDir:    c.String("build"),
		Against:     c.String("against"),
		MaxSuffixed: c.Int("max-suffixed"),
		LLVMNM:      c.String("llvm-nm"),
		Predict:     c.Bool("predict"),
	})
	if err != nil {
		return couldNotRun(err)
	}
	out := c.App.Writer
	switch format {
	case report.JSON:
		err = correlate.WriteJSON(out, res)
	case report.SARIF:
		err = correlate.WriteSARIF(out, res, versionString())
	default:
		err = correlate.WriteText(out, res)
	}
	if err != nil {
		return couldNotRun(err)
	}
	return withStatus(res.Status)
}
