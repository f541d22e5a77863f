/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * <sys/event.h> for Linux with kqueue.ko: the BSD kqueue API, so that BSD
 * code compiles unchanged.
 *
 * struct kevent, EV_SET() and every EV_*, EVFILT_* and NOTE_* constant come
 * from the ABI header <linux/kqueue.h> (installed beside this one, under
 * $(includedir)/kqueue, so it does not clash with the distribution's linux/
 * headers). kqueue() and kevent() are provided by libkqueue (-lkqueue).
 */
#ifndef _SYS_EVENT_H_
#define _SYS_EVENT_H_

#include <stdint.h>	/* uintptr_t, intptr_t: used by BSD callers */
#include <time.h>	/* struct timespec */
#include <linux/kqueue.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a new kqueue; returns its descriptor, or -1 with errno. */
int kqueue(void);

/*
 * Applies changelist[0..nchanges), then collects up to nevents pending
 * events into eventlist, waiting at most *timeout (forever if NULL).
 * Returns the number of entries written to eventlist, or -1 with errno.
 */
int kevent(int kq, const struct kevent *changelist, int nchanges,
	   struct kevent *eventlist, int nevents,
	   const struct timespec *timeout);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_EVENT_H_ */
