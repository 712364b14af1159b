#!/usr/bin/env bash
# Compare "klpcheck correlate" with what a maintainer would otherwise run,
# `llvm-nm-22 --defined-only FILE | grep -c '\.llvm\.'`, on a generated ELF
# with 1,000,000 symbols (10% ThinLTO-style), assembled with clang-22 and
# joined with ld.lld-22 -r the way vmlinux.o is made. Prints median wall
# time, CPU time and peak RSS of each command and the ratios to llvm-nm.
#
# Goals (issue 4): census <= 0.2x llvm-nm, peak RSS <= 250 MB, twins of two
# such files no slower than one llvm-nm run.
#
#   scripts/bench-correlate.sh            # 5 runs of each, interleaved
#   RUNS=9 scripts/bench-correlate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
runs=${RUNS:-5}

for tool in llvm-nm-22 clang-22 ld.lld-22 go; do
	command -v "$tool" >/dev/null || { echo "bench-correlate: $tool not on PATH (bash .ci/run installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/klpcheck" ./cmd/klpcheck
# Peak RSS without GNU time: getrusage of the reaped child.
go build -o "$work/maxrss" ./correlate/internal/maxrss
read -r orig patched < <(go run ./correlate/internal/benchgen/gen "$work")
echo "input: $(basename "$orig"), $(du -m "$orig" | cut -f1) MB; $(nproc) CPUs; $runs runs each, interleaved"

# measure NAME CMD...: one run, appends "wall cpu kib" to $work/NAME.
measure() {
	local name=$1
	shift
	"$work/maxrss" -- "$@" >"$work/$name.out" 2>"$work/$name.err" || true
	awk '/^maxrss:/ {print $2, $3, $4}' "$work/$name.err" >>"$work/$name"
	if awk '/^maxrss:/ {exit !($5 > 1)}' "$work/$name.err"; then
		echo "bench-correlate: $name failed:" >&2
		cat "$work/$name.err" >&2
		exit 1
	fi
}

for ((i = 0; i < runs; i++)); do
	measure nm sh -c "llvm-nm-22 --defined-only '$orig' | grep -c '\\.llvm\\.'"
	measure census "$work/klpcheck" correlate "$orig"
	measure json "$work/klpcheck" correlate --format json "$orig"
	measure twins "$work/klpcheck" correlate --format json --against "$orig" "$patched"
done

# The commands must agree before their times mean anything.
nm_count=$(cat "$work/nm.out")
read -r funcs data < <(grep -oE '"(functions|data)": [0-9]+' "$work/json.out" | head -2 | awk '{v[NR] = $2} END {print v[1], v[2]}')
if [ "$nm_count" -ne $((funcs + data)) ]; then
	echo "bench-correlate: llvm-nm counts $nm_count, klpcheck $funcs+$data" >&2
	exit 1
fi
echo "both count $nm_count .llvm. symbols ($funcs functions, $data data)"
echo

median() { sort -n -k"$2" "$work/$1" | awk -v col="$2" '{v[NR] = $col} END {print v[int((NR + 1) / 2)]}'; }
nm_wall=$(median nm 1)
nm_cpu=$(median nm 2)
printf '%-62s %8s %8s %8s %9s\n' "command (median of $runs)" "wall s" "cpu s" "RSS MB" "wall/nm"
for row in "nm|llvm-nm-22 --defined-only FILE | grep -c '\\.llvm\\.'" \
	"census|klpcheck correlate FILE" \
	"json|klpcheck correlate --format json FILE" \
	"twins|klpcheck correlate --against ORIG FILE (twins, json)"; do
	name=${row%%|*}
	label=${row#*|}
	wall=$(median "$name" 1)
	cpu=$(median "$name" 2)
	kib=$(median "$name" 3)
	printf '%-62s %8.3f %8.3f %8.0f %9.2f\n' "$label" "$wall" "$cpu" "$((kib / 1024))" "$(awk -v a="$wall" -v b="$nm_wall" 'BEGIN {print a / b}')"
done
echo
echo "cpu/nm: census $(awk -v a="$(median census 2)" -v b="$nm_cpu" 'BEGIN {printf "%.2f", a / b}'), twins $(awk -v a="$(median twins 2)" -v b="$nm_cpu" 'BEGIN {printf "%.2f", a / b}')"
echo
echo "in-process (go test -bench, same files):"
KLPCHECK_BENCH_DIR="$work" go test -run '^$' -bench 'Census$|CensusJSON|Twins|ReadSymbols|DebugELFSymbols' -benchtime "${runs}x" -benchmem ./correlate/ |
	grep -E '^Benchmark'
