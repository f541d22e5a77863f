# SPDX-License-Identifier: GPL-2.0
#
# make              build kqueue.ko (against KDIR), the userland shim and
#                   the selftests
# make check        build everything and run all selftests in the VM
# make demo         run a short demo in the VM
# make install      install the shim (DESTDIR, PREFIX) ; modules_install for
#                   the module (or use DKMS, see README)

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The running kernel's build directory, else the newest installed headers of
# a supported kernel (kqueue_mod/compat/kernel-dir says which those are).
KDIR ?= $(shell $(TOP)/kqueue_mod/compat/kernel-dir)

all: module shim selftests examples

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel build directory: install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	@$(TOP)/kqueue_mod/compat/kernel-dir --check $(KDIR)
	@$(TOP)/kqueue_mod/compat/configure $(KDIR) $(TOP)/kqueue_mod/generated/kq_config.h
	@# -Werror covers the compilers; objtool and modpost only warn, so a
	@# warning anywhere in the kernel build's output fails the build too.
	@$(MAKE) -C $(KDIR) M=$(TOP) modules 2>$(TOP)/.kbuild.stderr; st=$$?; \
		cat $(TOP)/.kbuild.stderr >&2; \
		if [ $$st -ne 0 ]; then rm -f $(TOP)/.kbuild.stderr; exit $$st; fi; \
		if grep -iE 'warning|objtool' $(TOP)/.kbuild.stderr >/dev/null; then \
			echo "error: the kernel build of kqueue.ko warned (above)" >&2; \
			rm -f $(TOP)/.kbuild.stderr; exit 1; fi; \
		rm -f $(TOP)/.kbuild.stderr
	@weak=$$(nm $(TOP)/kqueue.ko | awk '$$1 == "w" || $$1 == "v" { print $$2 }'); \
		if [ -n "$$weak" ]; then echo "error: kqueue.ko has weak undefined symbols: $$weak" >&2; exit 1; fi

shim:
	$(MAKE) -C $(TOP)/shim

selftests: shim
	$(MAKE) -C $(TOP)/selftests

examples: shim
	$(MAKE) -C $(TOP)/examples

install:
	$(MAKE) -C $(TOP)/shim install

modules_install:
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install

# The VM harness builds the module against the kernel it boots. make check
# runs every lane of KERNELS (Debian's 6.1, 6.12 and 7.2 as pinned in
# selftests/vm/kernels.conf, their PREEMPT_RT flavours 6.1-rt, 6.12-rt and
# 7.2-rt, then the debug kernels: 6.1 with KASAN + lockdep + kmemleak +
# KUnit, 6.1 with KCSAN + KUnit, 7.2 like the first, and 6.12 like the first
# with PREEMPT_RT); `make check KERNELS="6.1 7.2"` runs a subset; the kcsan
# lane ends with its control (a deliberate race in a stand-in module must
# fail a run). The stress test runs STRESS_SECONDS in each lane. DKMS then
# builds for every supported kernel whose headers are installed (the RT
# lanes' too).
KERNELS ?= 6.1 6.12 7.2 6.1-rt 6.12-rt 7.2-rt debug kcsan debug-7.2 debug-6.12-rt
STRESS_SECONDS ?= 8
VM_TIMEOUT = $(shell echo $$((900 + 4 * $(STRESS_SECONDS))))
check:
	$(TOP)/shim/test-install.sh
	@set -e; for k in $(KERNELS); do \
		echo "==== lane $$k ($$(date +%T))"; \
		$(TOP)/selftests/vm/run --kernel $$k --timeout $(VM_TIMEOUT) -- KQ_STRESS_SECONDS=$(STRESS_SECONDS) /selftests/run_all.sh; \
		if [ $$k = kcsan ]; then $(TOP)/selftests/vm/kcsan-control.sh; fi; \
	done
	@# Every benchmark case once, at tiny sizes: the suite cannot rot
	@# (figures only; it fails only if a case could not do its work).
	$(MAKE) -C $(TOP) bench-smoke
	@# After the lanes, which installed their kernels' headers.
	$(TOP)/selftests/dkms-build.sh

# The side-by-side benchmark suite, in one VM boot of BENCH_KERNEL (a lane
# of make check, 6.1 by default): each case beside Linux's own interface
# (epoll, timerfd, pidfd), and what the module's probes cost processes that
# use no kqueue (module loaded vs not loaded: the close probe on every
# open+close of a pipe, EVFILT_PROC's tracepoint probes on every
# fork+exec+exit, while another process watches 100000 pipes / 10000
# processes). Figures and targets, never a verdict on the figures: the run
# fails only if a case could not do its work. BENCH_ROUNDS rounds of
# BENCH_SECONDS per side, the sides interleaved; the table goes to
# selftests/bench/results/latest.md (see selftests/bench/suite.sh and
# run-suite). By default the guest clock counts instructions
# (KQVM_ACCEL=icount, one vCPU: icount with two hangs at boot), which
# removes the host's noise (+-10% per run under plain TCG on a 2-core host);
# BENCH_ACCEL=tcg measures wall-clock time instead (then BENCH_SMP may be
# raised). bench-smoke: every case once at tiny sizes (about 25 s in the
# VM), to see that the suite still runs.
BENCH_ROUNDS ?= 9
BENCH_SECONDS ?= 1
BENCH_SMP ?= 1
BENCH_ACCEL ?= icount
BENCH_KERNEL ?= 6.1
BENCH_ENV = BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_SMP=$(BENCH_SMP) \
	BENCH_ACCEL=$(BENCH_ACCEL) BENCH_KERNEL=$(BENCH_KERNEL)
bench: shim
	$(MAKE) -C $(TOP)/selftests/bench
	$(BENCH_ENV) $(TOP)/selftests/bench/run-suite full

bench-smoke: shim
	$(MAKE) -C $(TOP)/selftests/bench
	BENCH_SMP=$(BENCH_SMP) BENCH_ACCEL=$(BENCH_ACCEL) BENCH_KERNEL=$(BENCH_KERNEL) \
		$(TOP)/selftests/bench/run-suite smoke

# Two builds of the module on the paths a change touched: a watched pipe's
# close (the close probe's release) and a tracked fork+exec+exit (NOTE_TRACK),
# BENCH_A (a kqueue.ko built for BENCH_KERNEL, e.g. from an older commit)
# against this tree's, loaded in turn in one icount boot (compare.sh).
bench-compare: shim
	@test -r "$(BENCH_A)" || { echo "bench-compare: set BENCH_A=/path/to/kqueue.ko (built for $(BENCH_KERNEL))" >&2; exit 1; }
	$(MAKE) -C $(TOP)/selftests/bench
	cp $(BENCH_A) $(TOP)/.bench-a.ko
	KQVM_ACCEL=$(BENCH_ACCEL) $(TOP)/selftests/vm/run --kernel $(BENCH_KERNEL) --smp $(BENCH_SMP) --timeout 3600 \
		--add $(TOP)/selftests/bench/bin/bench_proc \
		--add $(TOP)/selftests/bench/bin/bench_close \
		--add $(TOP)/selftests/bench/compare.sh --add $(TOP)/.bench-a.ko \
		-- 'for c in "/extra/bench_close --watched" "/extra/bench_proc --tracked"; do \
		    R=$(BENCH_ROUNDS) T=$(BENCH_SECONDS) A=/extra/.bench-a.ko B=/lib/modules/kqueue.ko CMD="$$c" sh /extra/compare.sh || exit 1; done'
	rm -f $(TOP)/.bench-a.ko

demo: examples
	$(TOP)/selftests/vm/run --kernel stock --add $(TOP)/examples/bin/kqueue_demo \
		-- /extra/kqueue_demo

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C $(TOP)/shim clean
	-$(MAKE) -C $(TOP)/selftests clean
	-$(MAKE) -C $(TOP)/selftests/bench clean
	-$(MAKE) -C $(TOP)/examples clean
	rm -rf $(TOP)/kqueue_mod/cxx $(TOP)/kqueue_mod/generated

.PHONY: all module shim selftests examples install modules_install check bench bench-smoke bench-compare demo clean
