# Shared by the correlate benchmark scripts (sourced, not run): one run of
# a command measured by correlate/internal/maxrss, medians, and the table
# of ratios against a baseline command with each row's goal.
#
# The sourcing script sets: work (its temporary directory, holding the
# maxrss binary), runs (the number of runs), bench_name (for messages) and,
# optionally, table_width (the label column, default 64).

# measure NAME CMD...: one run, appends "wall cpu kib" to $work/NAME.
measure() {
	local name=$1
	shift
	"$work/maxrss" -- "$@" >"$work/$name.out" 2>"$work/$name.err" || true
	awk '/^maxrss:/ {print $2, $3, $4}' "$work/$name.err" >>"$work/$name"
	if awk '/^maxrss:/ {exit !($5 > 1)}' "$work/$name.err"; then
		echo "$bench_name: $name failed:" >&2
		cat "$work/$name.err" >&2
		exit 1
	fi
}

# median NAME COLUMN: the median of one column of $work/NAME.
median() { sort -n -k"$2" "$work/$1" | awk -v col="$2" '{v[NR] = $col} END {print v[int((NR + 1) / 2)]}'; }

# table BASE ROWS...: one line per "name[:goal ratio[:goal MB]]|label",
# wall and CPU against BASE, and whether the goal is met on wall and on
# CPU (and peak RSS).
table() {
	local base=$1 width=${table_width:-64}
	shift
	local base_wall base_cpu
	base_wall=$(median "$base" 1)
	base_cpu=$(median "$base" 2)
	printf "%-${width}s %8s %8s %8s %8s %8s  %s\n" "command (median of $runs)" "wall s" "cpu s" "RSS MB" "wall/nm" "cpu/nm" "goal"
	for row in "$@"; do
		local name=${row%%|*} label=${row#*|} goal="" goalmb="" wall cpu kib rw rc verdict=""
		IFS=: read -r name goal goalmb <<<"$name"
		wall=$(median "$name" 1)
		cpu=$(median "$name" 2)
		kib=$(median "$name" 3)
		rw=$(awk -v a="$wall" -v b="$base_wall" 'BEGIN {print a / b}')
		rc=$(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN {print (b > 0 ? a / b : 0)}')
		if [ -n "$goal" ]; then
			verdict="<= ${goal}x: wall $(awk -v r="$rw" -v g="$goal" 'BEGIN {print (r <= g ? "met" : "NOT met")}'), cpu $(awk -v r="$rc" -v g="$goal" 'BEGIN {print (r <= g ? "met" : "NOT met")}')"
		fi
		if [ -n "$goalmb" ]; then
			verdict="$verdict; <= $goalmb MB: $([ $((kib / 1024)) -le "$goalmb" ] && echo met || echo NOT met)"
		fi
		printf "%-${width}s %8.3f %8.3f %8.0f %8.2f %8.2f  %s\n" "$label" "$wall" "$cpu" "$((kib / 1024))" "$rw" "$rc" "$verdict"
	done
}
