#!/usr/bin/env bash
# Compares "klpcheck lint" over the whole matrix with GNU make reading the
# same Makefile, and reports lint's peak memory against the input's size:
#
#  1. a generated 2,500-line kernel-shaped Makefile: lint (16
#     configurations) against GNU make run once per configuration, with
#     pure-make stand-ins for ld-option and friends (no linker runs);
#  2. the real top-level Makefile of Debian's linux-source-6.12 (when the
#     kernel fixtures are built: go tool task kernel): lint on the tree
#     against ONE read by GNU make of a configured O= build (the read lint
#     models, probes run), and against make kernelversion (a read that
#     includes no compiler helpers and runs no probe);
#  3. 1 M generated lines (one KBUILD_LDFLAGS assignment continued over
#     1,000,000 physical lines) and 500,000 one-line assignments: lint
#     against one read by GNU make.
#
# "ratio" is lint's time over make's, wall and CPU (user+sys): at most 1
# means lint evaluates the whole matrix in no more time than make takes to
# read the file once. "memory" is lint's peak resident set over the
# input's size, also less the resident set of linting a one-line Makefile
# (the Go runtime's own, ~8 MiB).
#
# Usage: scripts/bench-lint.sh [ROUNDS]   (default 20; at most 5 for the big inputs)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
big_rounds=$(( rounds < 5 ? rounds : 5 ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

KLPCHECK_BENCH_OUT="$tmp" go test ./lint -run '^TestWriteKernelShaped$' -count=1 >/dev/null
go build -o "$tmp/klpcheck" ./cmd/klpcheck
make=$(command -v make)
configs=$(wc -l <"$tmp/configs.txt")
lines=$(wc -l <"$tmp/tree/Makefile")

now() { date +%s%N; }

# measure N CMD...: the mean wall time and the mean CPU time (user+sys)
# of N runs of CMD, in ns, as "WALL CPU".
measure() {
	local n=$1
	shift
	"$@" >/dev/null 2>&1 || true # warm the page cache
	/usr/bin/time -f '%e %U %S' -o "$tmp/times" bash -c \
		'n=$1; shift; for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || true; done' _ "$n" "$@"
	awk -v n="$n" '{ printf "%d %d\n", $1 * 1e9 / n, ($2 + $3) * 1e9 / n }' "$tmp/times"
}

# peak_kb CMD...: the peak resident set of one run, in KiB.
peak_kb() {
	/usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
	tail -1 "$tmp/rss"
}

# The Go runtime's own resident set: lint of a one-line Makefile.
printf 'X := 1\n' >"$tmp/one.mk"
base_kb=$(peak_kb "$tmp/klpcheck" lint "$tmp/one.mk")

# compare LABEL INPUT_BYTES "LINT_WALL LINT_CPU" "MAKE_WALL MAKE_CPU" LINT_KB
compare() {
	awk -v label="$1" -v bytes="$2" -v k="$3" -v m="$4" -v kb="$5" -v base="$base_kb" 'BEGIN {
		split(k, kk, " "); split(m, mm, " ")
		printf "%s\n", label
		printf "  klpcheck lint, whole matrix: %8.1f ms wall %8.1f ms cpu, peak %7.1f MiB (%.1f MiB over an empty run)\n", kk[1] / 1e6, kk[2] / 1e6, kb / 1024, (kb - base) / 1024
		printf "  GNU make, one read:          %8.1f ms wall %8.1f ms cpu\n", mm[1] / 1e6, mm[2] / 1e6
		printf "  ratio lint / make: wall %.2f, cpu %.2f   memory: %.1fx the input (%.1f MiB), %.1fx over an empty run\n", kk[1] / mm[1], kk[2] / mm[2], kb * 1024 / bytes, bytes / 1048576, (kb - base) * 1024 / bytes
	}'
}

# 1. Kernel-shaped, make once per configuration.
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
	printf "Kernel-shaped Makefile: %d lines, %d configurations, %d rounds\n", l, c, r
	printf "  klpcheck lint (parse, evaluate %d configurations, rules): %8.1f ms per run\n", c, k / r / 1e6
	printf "  GNU make, once per configuration (%d runs):                %8.1f ms per matrix\n", c, m / r / 1e6
	printf "  ratio make / klpcheck: %.2f\n", m / k
}'

# 2. The real 6.12 Makefile.
cache=${KLPCHECK_KERNEL_CACHE:-$HOME/.cache/klpcheck/kernel}
src=$cache/src/linux-source-6.12
if [ -f "$src/.klpcheck-extracted" ]; then
	# The input is every file lint read (its "files read:" line).
	files=$("$tmp/klpcheck" lint "$src" 2>/dev/null | sed -n 's/^files read: //p' | tr -d ',')
	bytes=0
	for f in $files; do bytes=$(( bytes + $(stat -c %s "$src/$f") )); done
	k=$(measure "$rounds" "$tmp/klpcheck" lint "$src")
	kb=$(peak_kb "$tmp/klpcheck" lint "$src")
	# a. What lint models: a configured O= build's read (tinyconfig; the
	#    final sub-make includes scripts/Makefile.compiler and runs every
	#    cc-option/ld-option probe with clang-22 and ld.lld-22). The
	#    configuration is made once, outside the timing.
	make -C "$src" -s O="$tmp/o612" LLVM=-22 tinyconfig >/dev/null 2>&1
	print='--eval=klp-print: ; @: $(info $(KBUILD_LDFLAGS))'
	m=$(measure "$big_rounds" "$make" -C "$src" -s O="$tmp/o612" LLVM=-22 "$print" klp-print)
	compare "Real linux-source-6.12 Makefile and the $(echo "$files" | wc -w) files lint read ($rounds rounds; make: $big_rounds reads of a configured O= build, probes run)" \
		"$bytes" "$k" "$m" "$kb"
	# b. A read without the compiler: kernelversion needs no .config, so
	#    make skips scripts/Makefile.compiler and every probe.
	m=$(measure "$rounds" "$make" -C "$src" -s --no-print-directory LLVM=-22 kernelversion)
	compare "Real linux-source-6.12 Makefile ($rounds rounds; make: kernelversion, no probes, no compiler helpers)" \
		"$bytes" "$k" "$m" "$kb"
	# c. What lint itself keeps, without the runtime's and the binary's
	#    pages: the peak live heap, sampled in-process with the collector
	#    running at every 5% of growth.
	go test ./lint -run '^$' -bench '^BenchmarkRealMakefile612Heap$' -benchtime 3x -count=1 |
		awk '/peak-live-MiB/ { printf "  peak live heap (go test -bench RealMakefile612Heap ./lint): %s MiB = %sx the Makefiles read, %sx with arch/Kconfig\n", $5, $7, $9 }'
else
	echo "Real linux-source-6.12 Makefile: not built (go tool task kernel); skipped"
fi

# 3. Generated inputs, each against one read by make.
printf '__klp_done: ; @:\n' >"$tmp/done.mk"
awk 'BEGIN { print "KBUILD_LDFLAGS := -z noexecstack \\"; for (i = 0; i < 999998; i++) printf "  w%d \\\n", i; print "  --gc-sections" }' >"$tmp/cont.mk"
awk 'BEGIN { for (i = 0; i < 500000; i++) printf "V%d := value%d\n", i, i }' >"$tmp/assign.mk"
for f in cont assign; do
	label="1,000,000 continuation lines"
	[ "$f" = assign ] && label="500,000 assignments"
	k=$(measure "$big_rounds" "$tmp/klpcheck" lint "$tmp/$f.mk")
	m=$(measure "$big_rounds" env -i PATH=/usr/bin:/bin SHELL=/bin/false "$make" -R -r -s -f "$tmp/$f.mk" -f "$tmp/done.mk" __klp_done)
	compare "$label ($big_rounds rounds)" "$(stat -c %s "$tmp/$f.mk")" "$k" "$m" "$(peak_kb "$tmp/klpcheck" lint "$tmp/$f.mk")"
done
