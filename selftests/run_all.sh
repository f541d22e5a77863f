#!/bin/sh
# Runs every selftest program (inside the VM). Each prints TAP and a line
# "# <program>: N passed, N failed, N skipped"; this sums them into one
# closing line "selftests: N passed, N failed, N skipped" (test cases, not
# programs) and lists every skipped case with its reason. Exit status 0 only
# if every program exited 0 and at least one test ran.
dir=${1:-$(dirname "$0")/bin}
log=/tmp/run_all.$$
pass=0; fail=0; skip=0; bad_programs=; skips=
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# running $name"
	"$t" > "$log" 2>&1
	status=$?
	cat "$log"
	counts=$(sed -n 's/^# .*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$log" | tail -n 1)
	if [ -z "$counts" ]; then
		# A program that died before its summary counts as one failure.
		counts="0 1 0"
	fi
	set -- $counts
	pass=$((pass + $1)); fail=$((fail + $2)); skip=$((skip + $3))
	skips="$skips$(sed -n "s/^ok [0-9]* \([^ ]*\) # SKIP \(.*\)$/# skipped: $name \1: \2/p" "$log")
"
	if [ "$status" -ne 0 ]; then
		bad_programs="$bad_programs $name"
		[ "$2" -eq 0 ] && fail=$((fail + 1))
	fi
done
rm -f "$log"
printf '%s' "$skips" | grep -v '^$'
[ -n "$bad_programs" ] && echo "# failed programs:$bad_programs"
echo "selftests: $pass passed, $fail failed, $skip skipped"
[ -z "$bad_programs" ] && [ "$pass" -gt 0 ]
