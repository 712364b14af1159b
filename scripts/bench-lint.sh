#!/usr/bin/env bash
# Compares "klpcheck lint" on a generated 2,500-line kernel-shaped Makefile
# over the full matrix (4 LTO modes x 4 toolchains = 16 configurations) with
# what a reviewer would otherwise run to see the flags of each
# configuration: GNU make reading the same Makefile once per configuration,
# with pure-make stand-ins for ld-option and friends (no linker runs, so
# make is measured at its fastest). klpcheck also runs its rules; make only
# prints KBUILD_LDFLAGS and CC_FLAGS_LTO.
#
# Usage: scripts/bench-lint.sh [ROUNDS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

KLPCHECK_BENCH_OUT="$tmp" go test ./lint -run '^TestWriteKernelShaped$' -count=1 >/dev/null
go build -o "$tmp/klpcheck" ./cmd/klpcheck
make=$(command -v make)
configs=$(wc -l <"$tmp/configs.txt")
lines=$(wc -l <"$tmp/tree/Makefile")

now() { date +%s%N; }

# Warm the page cache and check that both work.
"$tmp/klpcheck" lint "$tmp/tree" >/dev/null || true

start=$(now)
for _ in $(seq "$rounds"); do
	"$tmp/klpcheck" lint "$tmp/tree" >/dev/null || true
done
klp_ns=$(( $(now) - start ))

start=$(now)
for _ in $(seq "$rounds"); do
	while read -r prelude args; do
		# shellcheck disable=SC2086 # the CONFIG_ assignments are words
		env -i PATH=/usr/bin:/bin SHELL=/bin/false "$make" -R -r -s --no-print-directory -C "$tmp" \
			-f "$prelude" -f tree/Makefile -f epilogue.mk __klp_done $args >/dev/null
	done <"$tmp/configs.txt"
done
make_ns=$(( $(now) - start ))

awk -v k="$klp_ns" -v m="$make_ns" -v r="$rounds" -v c="$configs" -v l="$lines" 'BEGIN {
	printf "Makefile: %d lines, %d configurations, %d rounds\n", l, c, r
	printf "klpcheck lint (parse, evaluate %d configurations, rules): %8.1f ms per run\n", c, k / r / 1e6
	printf "GNU make, once per configuration (%d runs):                %8.1f ms per matrix\n", c, m / r / 1e6
	printf "ratio make / klpcheck: %.2f\n", m / k
}'
