#!/bin/bash
# Host-side check that dkms.conf is right: register this tree with DKMS under
# a throw-away version, build it for Debian's stock kernel, check that the
# module came out, then remove every trace. Needs root (DKMS does).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v dkms >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends dkms >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends dkms >/dev/null; }
fi
kver=$(ls -d /usr/src/linux-headers-*-amd64 | sed 's|.*/linux-headers-||' | sort -V | tail -n 1)
[ -n "$kver" ] || { echo "dkms-build: no linux-headers-*-amd64 installed" >&2; exit 1; }

version="0.0.ci$$"
src=/usr/src/kqueue-$version
cleanup() {
	dkms remove "kqueue/$version" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
mkdir -p "$src"
tar -C "$top" --exclude=.git --exclude='*.o' --exclude='*.ko' -cf - . | tar -C "$src" -xf -
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$src/dkms.conf"

dkms add "kqueue/$version" >/dev/null
if dkms build "kqueue/$version" -k "$kver" >/tmp/dkms-build.$$ 2>&1 &&
   [ -f "/var/lib/dkms/kqueue/$version/$kver/x86_64/module/kqueue.ko" ]; then
	rm -f /tmp/dkms-build.$$
	echo "ok 1 dkms build of kqueue for $kver"
	echo "dkms-build: 1 passed, 0 failed"
else
	cat /tmp/dkms-build.$$ >&2; rm -f /tmp/dkms-build.$$
	echo "not ok 1 dkms build of kqueue for $kver"
	echo "dkms-build: 0 passed, 1 failed"
	exit 1
fi
