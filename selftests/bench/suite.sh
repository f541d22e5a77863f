#!/bin/sh
# suite.sh - guest script: kqueue.ko beside Linux's own interfaces, case by
# case, in one VM boot; prints a markdown table between "=== TABLE BEGIN"
# and "=== TABLE END" that the host (run-suite) saves. Figures, and for
# each a target met or not; it fails (exit 1, "SUITE FAILED") only when a
# case could not do its work (a token lost, an expiry or an exit not seen).
#
#   R=ROUNDS T=SECONDS sh /extra/suite.sh full|smoke
#
#   full    the sizes of the performance issue (7+ rounds advised)
#   smoke   every case once, tiny sizes: does everything still run
#
# Cases: bench_events (token ring; one active pipe among idle ones),
# bench_register, bench_memory, bench_timers, bench_procwatch, and the tax
# on processes that use no kqueue (overhead.sh with bench_close and
# bench_proc, module loaded vs not loaded, while another process watches
# many pipes / processes). The binaries are in /extra (run-suite adds them).
#
# Each program alternates which side runs first per round and reports the
# medians and the median of the per-round ratios (bench.h). Convention:
# ratio = kqueue cost / comparator cost (ns per operation, bytes per
# object); below 1, kqueue.ko is cheaper.
set -u
MODE=${1:-full}
R=${R:-7}
T=${T:-1}
export R T
B=/extra
PARAMS=/sys/module/kqueue/parameters
OUT=/tmp/suite.out
: > "$OUT"

case $MODE in
full)
	RING="1 100 1000"; IDLE="100 10000 100000"; REG=10000; MEM=10000
	TIMERS=10000; PERIOD=100; PROCS=2000; TAX_PIPES=100000; TAX_PROCS=10000
	TAX_T=$T ;;
smoke)
	RING="1 10"; IDLE="10 100"; REG=100; MEM=1000
	TIMERS=100; PERIOD=10; PROCS=20; TAX_PIPES=100; TAX_PROCS=10
	TAX_T=$T ;;
*)	echo "usage: suite.sh full|smoke" >&2; exit 2 ;;
esac
# Timer rounds must span a few periods.
TT=$(awk -v t="$T" -v p="$PERIOD" 'BEGIN { m = 4 * p / 1000; print (t > m) ? t : m }')

fail() { echo "SUITE FAILED: $*" >&2; exit 1; }

# Limits the full sizes pass (said here, as they are not the defaults):
# the per-user knote limit (100000 idle pipes in two places at once: the
# kqueue of bench_events and nothing else, but 100000 + slack), the timer
# limit (10000 EVFILT_TIMER), threads-max (10000 watched sleepers: the
# 1 GB VM's default is about 7700). RLIMIT_NOFILE is raised by each
# program itself (bench.h, bench_close), which prints so.
KNOTES=250000 TIMERLIM=30000
KQ_PARAMS="max_knotes_per_user=$KNOTES max_timers_per_user=$TIMERLIM"
export KQ_PARAMS
echo "# raising $PARAMS/max_knotes_per_user $(cat $PARAMS/max_knotes_per_user) -> $KNOTES," \
	"max_timers_per_user $(cat $PARAMS/max_timers_per_user) -> $TIMERLIM (and on each reload by overhead.sh)"
echo $KNOTES > $PARAMS/max_knotes_per_user || fail "cannot raise max_knotes_per_user"
echo $TIMERLIM > $PARAMS/max_timers_per_user || fail "cannot raise max_timers_per_user"
if [ "$(cat /proc/sys/kernel/threads-max)" -lt 30000 ]; then
	echo "# raising kernel.threads-max $(cat /proc/sys/kernel/threads-max) -> 30000"
	echo 30000 > /proc/sys/kernel/threads-max || fail "cannot raise threads-max"
fi

# A cgroup v2 with the memory controller for bench_memory.
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG || fail "mount cgroup2"
echo +memory > $CG/cgroup.subtree_control || fail "no memory controller"
mkdir -p $CG/bench || fail "mkdir $CG/bench"

# run NAME CMD...: one case; its rows are collected, a failure ends the suite.
run() {
	name=$1
	shift
	t0=$(date +%s)
	echo "## $name: $* (R=$R T=$T)"
	"$@" > /tmp/case.out 2>&1
	st=$?
	cat /tmp/case.out
	grep '^ROW' /tmp/case.out >> "$OUT"
	[ $st -eq 0 ] || fail "$name exited $st"
	echo "## $name: $(($(date +%s) - t0)) s (guest clock)"
}

echo "# suite $MODE: kernel $(uname -r), $(nproc) CPU, R=$R T=$T"
run events-ring $B/bench_events ring $RING
run events-idle $B/bench_events idle $IDLE
run register $B/bench_register $REG
run memory $B/bench_memory $CG/bench $MEM
run timers env T="$TT" $B/bench_timers $TIMERS $PERIOD
run procwatch $B/bench_procwatch $PROCS
run tax-close env T="$TAX_T" BENCH=$B/bench_close WATCH_N=$TAX_PIPES TARGET=3 sh $B/overhead.sh
run tax-proc env T="$TAX_T" BENCH=$B/bench_proc WATCH_N=$TAX_PROCS TARGET=1 sh $B/overhead.sh
rmdir $CG/bench 2>/dev/null

echo "=== TABLE BEGIN"
echo "| case | kqueue.ko | comparator | ratio | target | met |"
echo "|---|---|---|---|---|---|"
awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7 }' "$OUT"
echo "=== TABLE END"
n=$(wc -l < "$OUT")
[ "$n" -ge 18 ] || fail "only $n rows (18 or more expected)"
