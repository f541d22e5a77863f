#!/bin/sh
# Runs every selftest binary (inside the VM) and prints one closing line:
# "selftests: N passed, N failed". Exit status 0 only if all passed.
dir=${1:-$(dirname "$0")/bin}
pass=0; fail=0; failed_names=
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# running $name"
	if "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed_names="$failed_names $name"
	fi
done
[ -n "$failed_names" ] && echo "# failed programs:$failed_names"
echo "selftests: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
