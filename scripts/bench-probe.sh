#!/usr/bin/env bash
# Measures `klpcheck probe` against what a user would otherwise run: the bare
# ld-option command through /bin/sh (exit status only), and a 5-linker matrix
# probed serially vs in parallel. Prints ns/op (wall) and cpu-ns/op (user+sys
# of the test process and the linkers it ran), and the ratios of both: on a
# machine other jobs load, the CPU ratio is the one to trust.
# Usage: scripts/bench-probe.sh [benchtime, default 30x]
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-30x}
out=$(go test -run '^$' -bench 'ProbeOne|BareTryRun|Matrix|BareMatrix' -benchtime "$benchtime" ./probe/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
	function cpu(   i) { for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ns/op") return $i; return 0 }
	/^BenchmarkProbeOne/        { probe = $3; probec = cpu() }
	/^BenchmarkBareTryRun/      { bare = $3; barec = cpu() }
	/^BenchmarkMatrix\/serial/  { serial = $3; serialc = cpu() }
	/^BenchmarkMatrix\/parallel/{ par = $3; parc = cpu() }
	/^BenchmarkBareMatrix/      { bm = $3; bmc = cpu() }
	END {
		if (bare && probe) printf "one probe (verdict + explanation) / bare sh -c try-run: wall %.2fx (%.1f ms vs %.1f ms), CPU %.2fx (%.1f ms vs %.1f ms)\n", probe/bare, probe/1e6, bare/1e6, probec/barec, probec/1e6, barec/1e6
		if (serial && par) printf "5-linker matrix, parallel / serial: wall %.2fx (%.0f ms vs %.0f ms), CPU %.2fx\n", par/serial, par/1e6, serial/1e6, parc/serialc
		if (bare && par) printf "5-linker matrix in parallel / 5 bare ld.lld-22 try-runs in a row: wall %.2fx, CPU %.2fx\n", par/(5*bare), parc/(5*barec)
		if (bm && par) printf "5-linker matrix in parallel / the 5 llds'"'"' bare try-runs in a row: wall %.2fx, CPU %.2fx (%.0f ms vs %.0f ms CPU)\n", par/bm, parc/bmc, parc/1e6, bmc/1e6
		if (bm && serial) printf "5-linker matrix serially / the 5 llds'"'"' bare try-runs in a row: wall %.2fx, CPU %.2fx\n", serial/bm, serialc/bmc
	}'
