#!/usr/bin/env bash
# Measures `klpcheck probe` against what a user would otherwise run: the bare
# ld-option command through /bin/sh (exit status only), and a 5-linker matrix
# probed serially vs in parallel. Prints ns/op and the ratios.
# Usage: scripts/bench-probe.sh [benchtime, default 30x]
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-30x}
out=$(go test -run '^$' -bench 'ProbeOne|BareTryRun|Matrix' -benchtime "$benchtime" ./probe/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
	/^BenchmarkProbeOne/        { probe = $3 }
	/^BenchmarkBareTryRun/      { bare = $3 }
	/^BenchmarkMatrix\/serial/  { serial = $3 }
	/^BenchmarkMatrix\/parallel/{ par = $3 }
	END {
		if (bare && probe) printf "one probe (verdict + explanation) / bare sh -c try-run: %.2fx (%.1f ms vs %.1f ms)\n", probe/bare, probe/1e6, bare/1e6
		if (serial && par) printf "5-linker matrix, parallel / serial: %.2fx (%.0f ms vs %.0f ms)\n", par/serial, par/1e6, serial/1e6
		if (bare && par) printf "5-linker matrix in parallel / 5 bare try-runs in a row: %.2fx\n", par/(5*bare)
	}'
