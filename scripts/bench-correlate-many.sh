#!/usr/bin/env bash
# Compare "klpcheck correlate DIR" over many modules with what a
# distribution pipeline would otherwise run,
# `find DIR -name '*.ko' | xargs llvm-nm-22 --defined-only | grep -c '\.llvm\.'`:
#
#   - 5,000 module-sized *.ko files (200 to 1,200 symbols each, 10%
#     ThinLTO-style), assembled with clang-22 and joined with ld.lld-22 -r,
#     hard-linked under 5,000 names in 50 directories (nothing committed);
#   - the real 6.12 ThinLTO build's modules, when the kernel fixtures are
#     built (go tool task kernel), as they are (4 files) and hard-linked
#     under 5,000 names.
#
# Prints the median wall time, CPU time and peak RSS of each command, the
# ratios to the llvm-nm pipeline, and whether the issue 11 goal (<= 0.2x)
# is met on wall and on CPU. The counts must agree first.
#
#   scripts/bench-correlate-many.sh        # 5 runs of each, interleaved
#   RUNS=9 N=5000 scripts/bench-correlate-many.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
runs=${RUNS:-5}
n=${N:-5000}

for tool in llvm-nm-22 clang-22 ld.lld-22 go; do
	command -v "$tool" >/dev/null || { echo "bench-correlate-many: $tool not on PATH (bash .ci/run installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/klpcheck" ./cmd/klpcheck
go build -o "$work/maxrss" ./correlate/internal/maxrss
bench_name=bench-correlate-many table_width=66
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
mods=$(go run ./correlate/internal/benchgen/gen -modules "$n" "$work")




# agree PREFIX: the llvm-nm count equals the totals of the JSON document.
agree() {
	local nm_count suffixed
	nm_count=$(cat "$work/$1nm.out")
	suffixed=$(awk '/^  "totals": \{/ {t = 1} t && /^    "suffixed": / {gsub(/,/, ""); print $2; exit}' "$work/$1json.out")
	if [ "$nm_count" -ne "$suffixed" ]; then
		echo "bench-correlate-many: llvm-nm counts $nm_count, klpcheck totals.suffixed $suffixed" >&2
		exit 1
	fi
	echo "both count $nm_count .llvm. symbols"
}

# bench PREFIX DIR LABEL
bench() {
	local p=$1 dir=$2 label=$3
	echo "$label: $(find "$dir" -name '*.ko' | wc -l) modules, $(du -shL "$dir" | cut -f1) (hard links counted once by du); $(nproc) CPUs; $runs runs each, interleaved"
	for ((i = 0; i < runs; i++)); do
		measure "${p}nm" sh -c "find '$dir' -name '*.ko' | xargs llvm-nm-22 --defined-only | grep -c '\\.llvm\\.'"
		measure "${p}text" "$work/klpcheck" correlate "$dir"
		measure "${p}json" "$work/klpcheck" correlate --format json "$dir"
	done
	agree "$p"
	table "${p}nm" "${p}nm|find DIR -name '*.ko' | xargs llvm-nm-22 --defined-only | grep -c" \
		"${p}text:0.2|klpcheck correlate DIR" \
		"${p}json:0.2|klpcheck correlate --format json DIR"
	echo
}

bench gen "$mods" "generated"

cache=${KLPCHECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klpcheck/kernel}/linux-6.12-thin
if compgen -G "$cache/orig/modules/*.ko" >/dev/null; then
	bench k "$cache/orig/modules" "real kernel modules ($cache/orig/modules)"
	# The build has a few modules only; a distribution's has thousands.
	# Its real .ko files, hard-linked under N names in 50 directories,
	# stand for that: real ThinLTO module contents, a pipeline's count.
	real=("$cache"/orig/modules/*.ko)
	for ((i = 0; i < n; i++)); do
		d=$work/realmany/d$((i % 50))
		[ -d "$d" ] || mkdir -p "$d"
		ln "${real[i % ${#real[@]}]}" "$d/m$i.ko"
	done
	bench r "$work/realmany" "the ${#real[@]} real kernel modules under $n names"
else
	echo "real kernel fixtures not built ($cache): go tool task kernel"
	echo
fi

echo "in-process (go test -bench, same files):"
KLPCHECK_BENCH_DIR="$work" go test -run '^$' -bench 'CensusManyModules' -benchtime "${runs}x" -benchmem ./correlate/ |
	grep -E '^Benchmark'
