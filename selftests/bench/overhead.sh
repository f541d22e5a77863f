#!/bin/sh
# overhead.sh - guest script: what kqueue.ko's probes cost every process on
# the system, measured as the rate of a benchmark program with the module
# loaded (idle, and with something watched) and not loaded. Figures are
# printed, never asserted.
#
#   BENCH=/extra/bench_proc  fork+exec+exit (the EVFILT_PROC tracepoint
#                            probes); --watch keeps one unrelated process
#                            watched with NOTE_TRACK|EXIT|FORK|EXEC
#   BENCH=/extra/bench_close pipe open+close (the close probe on
#                            locks_remove_posix); --watch keeps 1000 pipes watched
#   WATCH_N=N                how much W keeps watched instead (bench_close:
#                            pipes, bench_proc: processes); suite.sh uses
#                            100000 pipes and 10000 processes
#   TARGET=PCT               also print the two results as rows of
#                            suite.sh's table (cost loaded / cost unloaded,
#                            target 1 + PCT/100)
#
# Run from the host (top of the checkout): `make bench` (BENCH_ROUNDS,
# BENCH_SECONDS, BENCH_SMP, BENCH_ACCEL; see the Makefile). It boots the
# stock kernel with KQVM_ACCEL=icount, so the guest clock counts executed
# instructions and the rates compare work done, not host load.
# KQVM_MODULE=/path/to/kqueue.ko picks another build of the module (a copy
# with a deliberately slow fork probe, 5000 empty loop turns per fork,
# showed -3.8% with a run-to-run noise of 0.1%).
#
# Each round runs four configurations, in alternating order (L W H U, then
# U H W L, ...) so that drift (page cache, host load) cancels out:
#   L  module loaded, no kqueue anywhere (the probes run, the tables are empty)
#   W  module loaded, `$BENCH --watch` keeps something watched: the tables
#      are not empty
#   H  module unloaded, `$BENCH --hold` keeps the same things (100000 open
#      pipes, 10000 sleepers) watched by nothing: W's comparator, since
#      their mere existence slows the benchmark (100000 open pipes: -3.7%
#      on pipe open+close under icount on 6.1, module not loaded)
#   U  module unloaded (rmmod), no probes at all
# then prints the median of each, L against U and W against H in percent.
# The module is loaded again at the end: the VM harness rmmods it.
set -u

R=${R:-7}
T=${T:-3}
BENCH=${BENCH:-/extra/bench_proc}
NAME=$(basename "$BENCH")
WATCH_N=${WATCH_N:-}
TARGET=${TARGET:-}
[ -r /kqvm/config ] && . /kqvm/config
KO=${KQVM_MODULE:-/lib/modules/kqueue.ko}
# Module parameters for each insmod (suite.sh raises the knote limit for
# WATCH_N=100000: a reload would otherwise bring back the default).
KQ_PARAMS=${KQ_PARAMS:-}
TMP=/tmp/overhead.$$
mkdir -p "$TMP"

loaded() { grep -q '^kqueue ' /proc/modules; }

ensure_loaded() {
	loaded && return 0
	insmod "$KO" $KQ_PARAMS || { echo "overhead: insmod $KO $KQ_PARAMS failed" >&2; return 1; }
	# devtmpfs creates the node synchronously; wait a little anyway.
	i=0
	while [ ! -c /dev/kqueue ] && [ $i -lt 20 ]; do usleep 100000; i=$((i + 1)); done
}

ensure_unloaded() {
	loaded || return 0
	rmmod kqueue || { echo "overhead: rmmod kqueue failed" >&2; return 1; }
}

# Whatever happens, leave the module loaded for the harness.
trap 'ensure_loaded; rm -rf "$TMP"' EXIT

# run_bench NAME: one timed run, its rate appended to $TMP/NAME.
run_bench() {
	out=$("$BENCH" "$T") || { echo "overhead: $NAME failed" >&2; exit 1; }
	what=${out%%: *}
	rate=$(echo "$out" | sed -n 's/^[^:]*: \([0-9.]*\)\/s.*/\1/p')
	[ -n "$rate" ] || { echo "overhead: no figure in: $out" >&2; exit 1; }
	echo "$rate" >> "$TMP/$1"
	echo "# round $round $1: $out"
}

# start_background MODE (watch|hold): `$BENCH --MODE $WATCH_N` in the
# background, once it says it is ready ("watching N" / "holding N").
start_background() {
	# The previous round's line must be gone before the wait below looks:
	# the redirection truncates only once the child runs, and a stale line
	# let rounds 2.. measure while 100000 pipes were still being set up
	# (2.2x instead of +15%).
	rm -f "$TMP/bg.out"
	# $WATCH_N unquoted: empty means the program's default.
	"$BENCH" --$1 $WATCH_N > "$TMP/bg.out" &
	bgpid=$!
	i=0
	# Setting up 100000 watched pipes takes a while under TCG.
	while ! grep -q '^[a-z]* [0-9]' "$TMP/bg.out" 2>/dev/null; do
		if [ $i -ge 1200 ] || ! kill -0 $bgpid 2>/dev/null; then
			echo "overhead: $NAME --$1 did not start" >&2
			exit 1
		fi
		usleep 100000
		i=$((i + 1))
	done
}

stop_background() {
	kill -TERM $bgpid
	wait $bgpid || { echo "overhead: $NAME --$1 failed" >&2; exit 1; }
}

run_config() {
	case $1 in
	L)	ensure_loaded || exit 1
		run_bench loaded ;;
	W)	ensure_loaded || exit 1
		start_background watch
		run_bench watched
		stop_background watch ;;
	H)	ensure_unloaded || exit 1
		start_background hold
		run_bench held
		stop_background hold ;;
	U)	ensure_unloaded || exit 1
		run_bench unloaded ;;
	esac
}

median() {
	sort -n "$1" | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "# overhead of $NAME${WATCH_N:+ (W watches $WATCH_N)}: $R rounds of $T s per configuration, kernel $(uname -r), $(nproc) CPUs"
round=1
while [ $round -le "$R" ]; do
	if [ $((round % 2)) -eq 1 ]; then order="L W H U"; else order="U H W L"; fi
	for c in $order; do
		run_config $c
	done
	round=$((round + 1))
done

l=$(median "$TMP/loaded")
w=$(median "$TMP/watched")
h=$(median "$TMP/held")
u=$(median "$TMP/unloaded")
pct() { awk "BEGIN { printf \"%+.1f\", ($1 - $2) / $2 * 100 }"; }
echo "$what median, module unloaded:     $u/s"
echo "$what median, module loaded, idle: $l/s ($(pct "$l" "$u")%)"
echo "$what median, unloaded, held:      $h/s ($(pct "$h" "$u")%: the kernel's own cost of what W keeps)"
echo "$what median, loaded, watching:    $w/s ($(pct "$w" "$h")% against held)"

# The same rounds paired: each round's loaded (watched) run against that
# round's unloaded run, which ran next to it; drift between rounds cancels.
# Printed with the quartiles of the per-round differences, and the noise
# floor: the quartiles of the differences between consecutive unloaded runs.
quartiles() {
	sort -n "$1" | awk '{ a[NR] = $1 }
		END { q1 = a[int((NR + 3) / 4)]; m = a[int((NR + 1) / 2)]; q3 = a[int((3 * NR + 3) / 4)];
		      printf "median %+.1f%%, quartiles %+.1f%% .. %+.1f%%", m, q1, q3 }'
}
paste "$TMP/loaded" "$TMP/unloaded" | awk '{ printf "%.3f\n", ($1 - $2) / $2 * 100 }' > "$TMP/dl"
paste "$TMP/watched" "$TMP/held" | awk '{ printf "%.3f\n", ($1 - $2) / $2 * 100 }' > "$TMP/dw"
awk 'NR > 1 { printf "%.3f\n", ($1 - p) / p * 100 } { p = $1 }' "$TMP/unloaded" > "$TMP/du"
echo "paired per round, loaded idle vs unloaded:       $(quartiles "$TMP/dl")"
echo "paired per round, watching vs held unloaded:      $(quartiles "$TMP/dw")"
echo "noise: unloaded run vs the previous unloaded run: $(quartiles "$TMP/du")"

# Rows for suite.sh's table: costs (ns per operation, 1e9 / rate) and the
# paired ratio cost loaded / cost unloaded = rate unloaded / rate loaded.
if [ -n "$TARGET" ]; then
	watched=${WATCH_N:-the default}
	case $NAME in
	bench_close) what="pipe open+close"; unit="pipes" ;;
	bench_proc) what="fork+exec+exit"; unit="processes" ;;
	*) what=$NAME; unit="things" ;;
	esac
	row() {	# NAME RATES-FILE BASE-RATES-FILE
		ratio=$(paste "$3" "$2" | awk '{ printf "%.6f\n", $1 / $2 }' | sort -n |
			awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
		awk -v name="$1" -v k="$(median "$2")" -v u="$(median "$3")" -v r="$ratio" -v t="$TARGET" 'BEGIN {
			lim = 1 + t / 100
			printf "ROW\t%s\t%.0f ns\t%.0f ns (not loaded)\t%.3f\t<= %.2f\t%s\n",
				name, 1e9 / k, 1e9 / u, r, lim, r <= lim ? "yes" : "**no**" }'
	}
	row "tax: $what, module loaded, nothing watched, vs not loaded" "$TMP/loaded" "$TMP/unloaded"
	row "tax: $what, another process watching $watched $unit, vs the same $unit unwatched, not loaded" \
		"$TMP/watched" "$TMP/held"
fi
