// SPDX-License-Identifier: BSD-2-Clause
/*
 * libkqueue: kqueue() and kevent() on top of kqueue.ko's /dev/kqueue.
 *
 * A thin wrapper and nothing else: no emulation, no state. Errors are those
 * of open(2) and ioctl(2) on the device, passed through unchanged.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/event.h>

/*
 * The timeout pointer is handed to the kernel as is: the ABI's timespec is
 * { __s64 tv_sec; __s64 tv_nsec; }, which must be libc's struct timespec.
 */
_Static_assert(sizeof(struct timespec) == 16, "struct timespec is not 16 bytes");
_Static_assert(offsetof(struct timespec, tv_sec) == 0 &&
	       sizeof(((struct timespec *)0)->tv_sec) == 8,
	       "tv_sec is not a 64-bit field at offset 0");
_Static_assert(offsetof(struct timespec, tv_nsec) == 8 &&
	       sizeof(((struct timespec *)0)->tv_nsec) == 8,
	       "tv_nsec is not a 64-bit field at offset 8");
_Static_assert(sizeof(void *) == 8, "kqueue.ko's ABI is LP64 only");

int kqueue(void)
{
	return open(KQUEUE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

int kevent(int kq, const struct kevent *changelist, int nchanges,
	   struct kevent *eventlist, int nevents,
	   const struct timespec *timeout)
{
	struct kqueue_kevent_args args = {
		.changelist = (__u64)(uintptr_t)changelist,
		.eventlist = (__u64)(uintptr_t)eventlist,
		.timeout = (__u64)(uintptr_t)timeout,
		.nchanges = nchanges,
		.nevents = nevents,
		.reserved = 0,
	};

	return ioctl(kq, KQUEUE_IOC_KEVENT, &args);
}
