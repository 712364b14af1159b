// Command gen writes the benchmark inputs for scripts/bench-correlate.sh:
// go run ./correlate/internal/benchgen/gen DIR prints the two object paths.
package main

import (
	"fmt"
	"os"
	"os/exec"

	"klpcheck/correlate/internal/benchgen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
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
	f, err := benchgen.Generate(os.Args[1], clang, lld, benchgen.Million)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	fmt.Println(f.Orig, f.Patched)
}
