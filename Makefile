# SPDX-License-Identifier: GPL-2.0
#
# make              build kqueue.ko (against KDIR), the userland shim and
#                   the selftests
# make check        build everything and run all selftests in the VM
# make demo         run a short demo in the VM
# make install      install the shim (DESTDIR, PREFIX) ; modules_install for
#                   the module (or use DKMS, see README)

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The running kernel's build directory, else the newest Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

all: module shim selftests

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel build directory: install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules
	@weak=$$(nm $(TOP)/kqueue.ko | awk '$$1 == "w" || $$1 == "v" { print $$2 }'); \
		if [ -n "$$weak" ]; then echo "error: kqueue.ko has weak undefined symbols: $$weak" >&2; exit 1; fi

shim:
	$(MAKE) -C $(TOP)/shim

selftests: shim
	$(MAKE) -C $(TOP)/selftests

install:
	$(MAKE) -C $(TOP)/shim install

modules_install:
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install

check: all
	$(TOP)/selftests/vm/run --no-build --kernel stock -- /selftests/run_all.sh

demo: all
	$(TOP)/selftests/vm/run --no-build --kernel stock -- /selftests/bin/demo

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C $(TOP)/shim clean
	-$(MAKE) -C $(TOP)/selftests clean
	rm -rf $(TOP)/kqueue_mod/cxx

.PHONY: all module shim selftests install modules_install check demo clean
