#!/bin/sh
# compare.sh - guest script: one benchmark under two builds of kqueue.ko,
# A and B, loaded in turn (A B, then B A, ... so drift cancels), R rounds
# of T seconds each. Prints each round, the medians, and B against A in
# percent, paired per round. Figures only, never a verdict.
#
#   A=/extra/old.ko B=/extra/new.ko CMD="/extra/bench_close --watched" sh compare.sh
#
# Used for what a design change costs on the paths it touches (e.g. the
# PREEMPT_RT-safe close release and NOTE_TRACK reserve: `make bench-compare`).
set -u
R=${R:-7}
T=${T:-2}
TMP=/tmp/compare.$$
mkdir -p "$TMP"

swap_in() {
	grep -q '^kqueue ' /proc/modules && { rmmod kqueue || exit 1; }
	insmod "$1" || { echo "compare: insmod $1 failed" >&2; exit 1; }
}
trap 'grep -q "^kqueue " /proc/modules || insmod "$B"; rm -rf "$TMP"' EXIT

run() {
	swap_in "$2"
	out=$($CMD "$T") || { echo "compare: $CMD failed" >&2; exit 1; }
	rate=$(echo "$out" | sed -n 's/^[^:]*: \([0-9.]*\)\/s.*/\1/p')
	[ -n "$rate" ] || { echo "compare: no figure in: $out" >&2; exit 1; }
	echo "$rate" >> "$TMP/$1"
	echo "# round $round $1: $out"
}

median() {
	sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "# $CMD: A=$A B=$B, $R rounds of $T s, kernel $(uname -r)"
round=1
while [ $round -le "$R" ]; do
	if [ $((round % 2)) -eq 1 ]; then run a "$A"; run b "$B"; else run b "$B"; run a "$A"; fi
	round=$((round + 1))
done
a=$(median "$TMP/a")
b=$(median "$TMP/b")
paste "$TMP/b" "$TMP/a" | awk '{ printf "%.3f\n", ($1 - $2) / $2 * 100 }' | sort -n > "$TMP/d"
echo "median A $a/s, B $b/s; B vs A paired per round: median $(awk '{ a[NR] = $1 } END { printf "%+.1f%%, range %+.1f%% .. %+.1f%%", a[int((NR + 1) / 2)], a[1], a[NR] }' "$TMP/d")"
