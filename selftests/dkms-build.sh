#!/bin/bash
# Host-side check that dkms.conf is right: register this tree with DKMS under
# a throw-away version, build it for every supported kernel whose headers are installed, check that the
# module came out, then remove every trace. Needs root (DKMS does).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v dkms >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends dkms >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends dkms >/dev/null; }
fi
# Every installed kernel the module supports (the 6.1 and 6.12 lanes' headers,
# stock and -rt: the glob matches *-rt-amd64 too).
kvers=()
for dir in /usr/src/linux-headers-*-amd64; do
	"$top/kqueue_mod/compat/kernel-dir" --check "$dir" 2>/dev/null && kvers+=("${dir#/usr/src/linux-headers-}")
done
[ ${#kvers[@]} -gt 0 ] || { echo "dkms-build: no supported linux-headers-*-amd64 installed" >&2; exit 1; }

version="0.0.ci$$"
src=/usr/src/kqueue-$version
cleanup() {
	dkms remove "kqueue/$version" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
mkdir -p "$src"
tar -C "$top" --exclude=.git --exclude='*.o' --exclude='*.ko' --exclude=kqueue_mod/generated -cf - . | tar -C "$src" -xf -
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$src/dkms.conf"

dkms add "kqueue/$version" >/dev/null
pass=0 fail=0 n=0
for kver in "${kvers[@]}"; do
	n=$((n + 1))
	if dkms build "kqueue/$version" -k "$kver" >/tmp/dkms-build.$$ 2>&1 &&
	   ls /var/lib/dkms/kqueue/$version/$kver/x86_64/module/kqueue.ko* >/dev/null 2>&1; then
		echo "ok $n dkms build of kqueue for $kver ($(basename /var/lib/dkms/kqueue/$version/$kver/x86_64/module/kqueue.ko*))"
		pass=$((pass + 1))
	else
		cat /tmp/dkms-build.$$ >&2
		echo "not ok $n dkms build of kqueue for $kver"
		fail=$((fail + 1))
	fi
	rm -f /tmp/dkms-build.$$
done
echo "dkms-build: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
