#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Host-side check of the shim's install: "make install" into a temporary
# DESTDIR, then build a small BSD-style kqueue program (C and C++) against
# the installed copy through pkg-config, linked statically and dynamically.
# Compiles and links only (plus a load check of the dynamic binaries, which
# passes whether or not kqueue.ko is loaded): the module is not needed.
#
# Usage: shim/test-install.sh        (exit status 0 only if all checks pass)
# Env:   CC (default cc), CXX (default c++), MAKE (default make)

set -u

here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
MAKE=${MAKE:-make}
PREFIX=/usr/local

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shim-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest
work=$tmp/work
mkdir -p "$dest" "$work"

n=0; pass=0; fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $1"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1"
	[ -s "$work/log" ] && sed 's/^/# /' "$work/log"
	return 0
}
# check NAME CMD...: runs CMD, output to the log, records the result.
check() {
	name=$1; shift
	if "$@" >"$work/log" 2>&1; then ok "$name"; else notok "$name"; fi
}

echo "TAP version 13"

check "make install DESTDIR=... PREFIX=$PREFIX" \
	"$MAKE" -s -C "$here" install DESTDIR="$dest" PREFIX="$PREFIX"

inc=$dest$PREFIX/include
lib=$dest$PREFIX/lib
for f in "$inc/kqueue/sys/event.h" "$inc/kqueue/linux/kqueue.h" \
	 "$lib/libkqueue.a" "$lib/libkqueue.so.0.1.0" \
	 "$lib/pkgconfig/libkqueue.pc"; do
	check "installed ${f#"$dest"}" test -f "$f"
done
check "libkqueue.so.0 -> libkqueue.so.0.1.0" \
	test "$(readlink "$lib/libkqueue.so.0")" = libkqueue.so.0.1.0
check "libkqueue.so -> libkqueue.so.0" \
	test "$(readlink "$lib/libkqueue.so")" = libkqueue.so.0
check "nothing installed into include/linux or include/sys" \
	test ! -e "$inc/linux" -a ! -e "$inc/sys"
check "libkqueue.so.0.1.0 has SONAME libkqueue.so.0" \
	sh -c "readelf -d '$lib/libkqueue.so.0.1.0' | grep -q 'SONAME.*\\[libkqueue.so.0\\]'"
check "installed linux/kqueue.h is the uapi header" \
	cmp "$inc/kqueue/linux/kqueue.h" "$here/../uapi/linux/kqueue.h"

# pkg-config sees only the DESTDIR's libkqueue.pc (a distribution's
# libkqueue-dev would provide a different libkqueue.pc).
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH="$lib/pkgconfig"
export PKG_CONFIG_LIBDIR="$lib/pkgconfig"
cflags=$(pkg-config --cflags libkqueue 2>"$work/log")
check "pkg-config --cflags libkqueue" test -n "$cflags"
libs=$(pkg-config --libs libkqueue 2>"$work/log")
check "pkg-config --libs libkqueue" test -n "$libs"
libs_static=$(pkg-config --static --libs libkqueue 2>"$work/log")
# pkg-config pads its output with a trailing blank.
trim() { printf '%s\n' "$1" | sed 's/[[:space:]]*$//'; }
cflags=$(trim "$cflags"); libs=$(trim "$libs"); libs_static=$(trim "$libs_static")
echo "# cflags: $cflags"
echo "# libs:   $libs"
check "Cflags point into DESTDIR include/kqueue" \
	test "$cflags" = "-I$inc/kqueue"
check "Libs point into DESTDIR lib" \
	test "$libs" = "-L$lib -lkqueue"
check "pkg-config --modversion is 0.1.0" \
	test "$(pkg-config --modversion libkqueue)" = 0.1.0

# A BSD program: only <sys/event.h> (first, alone) plus what it uses itself.
cat > "$work/bsd.c" <<'PROG'
#include <sys/event.h>
#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct kevent chg[2], ev[2];
	struct timespec ts = { 0, 0 };
	int kq, n;

	(void)argv;
	kq = kqueue();
	if (kq == -1) {
		/* No module here: fine for a build check, but it must fail
		 * like open(2) does, not crash. */
		printf("kqueue: %s\n", strerror(errno));
		return errno == ENOENT || errno == ENODEV || errno == ENXIO ||
		       errno == EACCES ? 0 : 1;
	}
	EV_SET(&chg[0], 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	EV_SET(&chg[1], 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, (void *)&ts);
	if (argc > 1)
		ts.tv_sec = 1;
	n = kevent(kq, chg, 2, ev, 2, &ts);
	printf("kevent: %d\n", n);
	close(kq);
	return n == 1 && ev[0].ident == 1 && ev[0].filter == EVFILT_USER &&
	       ev[0].udata == (void *)&ts ? 0 : 1;
}
PROG
cp "$work/bsd.c" "$work/bsd.cc"
# C++ additionally: the declarations must be extern "C" and EV_SET usable.
cat >> "$work/bsd.cc" <<'PROG'
static_assert(sizeof(struct kevent) == 64, "kevent size");
extern "C" int (*const kq_fn)(void) = &kqueue;
PROG

build() {	# build NAME COMPILER STD SRC OUT LINKMODE
	name=$1 comp=$2 std=$3 src=$4 out=$5 mode=$6
	if [ "$mode" = static ]; then
		# shellcheck disable=SC2086
		check "$name" $comp -std=$std -Wall -Wextra -Werror -pedantic \
			$cflags -o "$out" "$src" -static $libs_static
	else
		# shellcheck disable=SC2086
		check "$name" $comp -std=$std -Wall -Wextra -Werror -pedantic \
			$cflags -o "$out" "$src" $libs
	fi
}

for std in c11 gnu17; do
	build "C ($std) static" "$CC" "$std" "$work/bsd.c" "$work/c-$std-static" static
	build "C ($std) dynamic" "$CC" "$std" "$work/bsd.c" "$work/c-$std-dyn" dynamic
done
for std in c++11 c++17 gnu++20; do
	build "C++ ($std) static" "$CXX" "$std" "$work/bsd.cc" "$work/cxx-$std-static" static
	build "C++ ($std) dynamic" "$CXX" "$std" "$work/bsd.cc" "$work/cxx-$std-dyn" dynamic
done

# Static binaries must not need libkqueue.so; dynamic ones must need it by
# its soname and find it through the installed symlink at run time.
for b in c-c11-static cxx-c++17-static; do
	check "$b: no dynamic libkqueue" \
		sh -c "! readelf -d '$work/$b' 2>/dev/null | grep -q libkqueue"
	check "$b: defines kqueue and kevent" \
		sh -c "nm '$work/$b' | grep -q ' T kqueue\$' && nm '$work/$b' | grep -q ' T kevent\$'"
done
for b in c-c11-dyn cxx-c++17-dyn; do
	check "$b: NEEDED libkqueue.so.0" \
		sh -c "readelf -d '$work/$b' | grep -q 'NEEDED.*\\[libkqueue.so.0\\]'"
	check "$b: loads and runs against the installed libkqueue.so.0" \
		env LD_LIBRARY_PATH="$lib" "$work/$b"
done

echo "1..$n"
echo "shim-install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
