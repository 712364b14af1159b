#!/usr/bin/env bash
# Runs every fuzz target for the given time each (default 60s) and prints
# one line per target: package, target, executions, new corpus entries.
# Usage: scripts/fuzz-all.sh [fuzztime, default 60s]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-60s}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
		out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg" 2>&1) || {
			echo "FAIL $pkg $target"; echo "$out" | tail -20; exit 1; }
		last=$(echo "$out" | grep -E '^fuzz: elapsed' | tail -1)
		echo "ok   $pkg $target: ${last#fuzz: }"
	done
done
