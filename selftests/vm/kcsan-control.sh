#!/bin/bash
# The kcsan lane's control: the harness must still fail a run in which KCSAN
# reports a race in module code (selftests/vm/controls/data_race), whatever
# it ignores of core-kernel races. Passes only if the harness exits 122 and
# names the control module's race.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
KQVM_MODULE=none KQVM_KUNIT_MODULE=none KQVM_EXTRA_KBUILD=$here/controls/data_race \
	"$here/run" --kernel kcsan --no-build --timeout 300 -- \
	'insmod /extra/kq_race_control.ko && rmmod kq_race_control' >"$out" 2>&1
rc=$?
if ((rc == 122)) && grep -q 'KCSAN: data-race in kq_control_racer' "$out"; then
	echo "ok 1 kcsan control: a race in module code fails the run (exit 122)"
	exit 0
fi
cat "$out" >&2
echo "not ok 1 kcsan control: the harness exited $rc without reporting the module's race"
exit 1
