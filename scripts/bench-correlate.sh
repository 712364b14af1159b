#!/usr/bin/env bash
# Compare "klpcheck correlate" with what a maintainer would otherwise run,
# `llvm-nm-22 --defined-only FILE | grep -c '\.llvm\.'`, on a generated ELF
# with 1,000,000 symbols (10% ThinLTO-style), assembled with clang-22 and
# joined with ld.lld-22 -r the way vmlinux.o is made. Prints median wall
# time, CPU time and peak RSS of each command and the ratios to llvm-nm.
#
# Then, when the real kernel fixtures are built (go tool task kernel), the
# same on the real 6.12 ThinLTO vmlinux.o of the planted build: full
# correlate (census + DWARF provenance of 1,682 units + conflicts), the same
# after llvm-objcopy-22 --compress-debug-sections=zstd, and the twins of the
# orig and patched vmlinux.o.
#
# Goals (issue 8): real vmlinux.o correlate <= 1x the llvm-nm pipeline, twins
# of orig/patched <= 2x one llvm-nm run; synthetic census <= 0.05x llvm-nm and
# <= 60 MB peak RSS.
#
#   scripts/bench-correlate.sh            # 5 runs of each, interleaved
#   RUNS=9 scripts/bench-correlate.sh
#   BASE=main scripts/bench-correlate.sh  # also the binary of commit BASE,
#                                         # interleaved, its output compared
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
runs=${RUNS:-5}

for tool in llvm-nm-22 llvm-objcopy-22 clang-22 ld.lld-22 go; do
	command -v "$tool" >/dev/null || { echo "bench-correlate: $tool not on PATH (bash .ci/run installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/klpcheck" ./cmd/klpcheck
# Peak RSS without GNU time: getrusage of the reaped child.
go build -o "$work/maxrss" ./correlate/internal/maxrss
bench_name=bench-correlate
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
read -r orig patched < <(go run ./correlate/internal/benchgen/gen "$work")
base=${BASE:-}
if [ -n "$base" ]; then
	mkdir "$work/base-src"
	git archive "$base" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && go build -o "$work/klpcheck-base" ./cmd/klpcheck)
	echo "baseline: $base ($(git rev-parse --short "$base")), rows marked (base)"
fi
# same NAME: the baseline's output must be the current binary's.
same() {
	[ -z "$base" ] || cmp -s "$work/$1.out" "$work/b$1.out" || { echo "bench-correlate: $base prints another $1 result" >&2; exit 1; }
}
echo "input: $(basename "$orig"), $(du -m "$orig" | cut -f1) MB; $(nproc) CPUs; $runs runs each, interleaved"


for ((i = 0; i < runs; i++)); do
	measure nm sh -c "llvm-nm-22 --defined-only '$orig' | grep -c '\\.llvm\\.'"
	measure census "$work/klpcheck" correlate "$orig"
	measure json "$work/klpcheck" correlate --format json "$orig"
	measure twins "$work/klpcheck" correlate --format json --against "$orig" "$patched"
	if [ -n "$base" ]; then
		measure bcensus "$work/klpcheck-base" correlate "$orig"
		measure bjson "$work/klpcheck-base" correlate --format json "$orig"
		measure btwins "$work/klpcheck-base" correlate --format json --against "$orig" "$patched"
	fi
done
same census
same json
same twins

# The commands must agree before their times mean anything.
nm_count=$(cat "$work/nm.out")
read -r funcs data < <(grep -oE '"(functions|data)": [0-9]+' "$work/json.out" | head -2 | awk '{v[NR] = $2} END {print v[1], v[2]}')
if [ "$nm_count" -ne $((funcs + data)) ]; then
	echo "bench-correlate: llvm-nm counts $nm_count, klpcheck $funcs+$data" >&2
	exit 1
fi
echo "both count $nm_count .llvm. symbols ($funcs functions, $data data)"
echo



rows=("census:0.05:60|klpcheck correlate FILE"
	"json:0.05:60|klpcheck correlate --format json FILE"
	"twins:1|klpcheck correlate --against ORIG FILE (twins, json)")
[ -z "$base" ] || rows+=("bcensus:0.05:60|(base) klpcheck correlate FILE"
	"bjson:0.05:60|(base) klpcheck correlate --format json FILE"
	"btwins:1|(base) klpcheck correlate --against ORIG FILE")
table nm "nm|llvm-nm-22 --defined-only FILE | grep -c '\\.llvm\\.'" "${rows[@]}"
echo

cache=${KLPCHECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klpcheck/kernel}/linux-6.12-thin
if [ -f "$cache/planted/vmlinux.o" ]; then
	real=$cache/planted/vmlinux.o
	llvm-objcopy-22 --compress-debug-sections=zstd "$real" "$work/vmlinux.o.zstd"
	echo "real kernel: $real, $(du -m "$real" | cut -f1) MB ($(llvm-nm-22 "$real" | wc -l) symbols); $runs runs each, interleaved"
	for ((i = 0; i < runs; i++)); do
		measure knm sh -c "llvm-nm-22 --defined-only '$real' | grep -c '\\.llvm\\.'"
		measure kcorr "$work/klpcheck" correlate --format json "$real"
		measure kzstd "$work/klpcheck" correlate --format json "$work/vmlinux.o.zstd"
		measure ktwins "$work/klpcheck" correlate --format json --against "$cache/orig/vmlinux.o" "$cache/patched/vmlinux.o"
		if [ -n "$base" ]; then
			measure bkcorr "$work/klpcheck-base" correlate --format json "$real"
			measure bktwins "$work/klpcheck-base" correlate --format json --against "$cache/orig/vmlinux.o" "$cache/patched/vmlinux.o"
		fi
	done
	same kcorr
	same ktwins
	grep -q '"class": "hard"' "$work/kcorr.out" || { echo "bench-correlate: no hard conflict found in $real" >&2; exit 1; }
	cmp -s <(grep -v '"file":' "$work/kcorr.out") <(grep -v '"file":' "$work/kzstd.out") || { echo "bench-correlate: zstd copy gives another result" >&2; exit 1; }
	rows=("kcorr:1|klpcheck correlate vmlinux.o (census+DWARF+conflicts)"
		"kzstd|klpcheck correlate vmlinux.o, debug sections zstd"
		"ktwins:2|klpcheck correlate --against orig patched (twins)")
	[ -z "$base" ] || rows+=("bkcorr:1|(base) klpcheck correlate vmlinux.o"
		"bktwins:2|(base) klpcheck correlate --against orig patched")
	table knm "knm|llvm-nm-22 --defined-only vmlinux.o | grep -c '\\.llvm\\.'" "${rows[@]}"
	echo
else
	echo "real kernel fixtures not built ($cache): go tool task kernel"
	echo
fi

echo "in-process (go test -bench, same files):"
KLPCHECK_BENCH_DIR="$work" go test -run '^$' -bench 'Census$|CensusJSON|Twins$|ReadSymbols|DebugELFSymbols|Kernel' -benchtime "${runs}x" -benchmem ./correlate/ |
	grep -E '^Benchmark'
