// Command gen writes the benchmark inputs for scripts/bench-correlate.sh:
// go run ./correlate/internal/benchgen/gen DIR prints the two object paths;
// gen -modules N DIR writes N module-sized *.ko files below DIR and prints
// their directory (scripts/bench-correlate-many.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"klpcheck/correlate/internal/benchgen"
)

func main() {
	modules := flag.Int("modules", 0, "write `N` module-sized *.ko files instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-modules N] DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	clang, err := exec.LookPath("clang-22")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: clang-22 not on PATH (Debian package clang-22)")
		os.Exit(2)
	}
	lld, err := exec.LookPath("ld.lld-22")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: ld.lld-22 not on PATH (Debian package lld-22)")
		os.Exit(2)
	}
	if *modules > 0 {
		root, err := benchgen.Modules(dir, clang, lld, *modules)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(2)
		}
		fmt.Println(root)
		return
	}
	f, err := benchgen.Generate(dir, clang, lld, benchgen.Million)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	fmt.Println(f.Orig, f.Patched)
}
