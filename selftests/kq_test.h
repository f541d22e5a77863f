/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal kselftest-style TAP helpers for kqueue.ko selftests.
 *
 * One program per concern. Each test is a function registered with
 * KQ_TEST(); main() comes from kq_test_main(). Output is TAP version 13;
 * the exit status is 0 only when no test failed. A test that cannot run on
 * this kernel calls KQ_SKIP("why") and returns: it is reported as
 * "ok N name # SKIP why" and counted apart, never as passed.
 *
 * It also holds the small helpers that more than one program needs
 * (KQ_WATCHDOG(), sleep_ms(), unmapped_addr(), knote_exists(), send_fd(),
 * recv_fd(), MS, UDATA):
 * one copy of each, so that a fix lands once.
 */
#ifndef KQ_TEST_H
#define KQ_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/event.h>
#include <sys/mman.h>
#include <sys/socket.h>

struct kq_test {
	const char *name;
	void (*fn)(void);
};

#define KQ_MAX_TESTS 128
extern struct kq_test kq_tests[KQ_MAX_TESTS];
extern int kq_ntests;
extern int kq_current_failed;
extern const char *kq_current_skip;

/* This test cannot run here (say why, e.g. what the kernel lacks); return after it. */
#define KQ_SKIP(why) (kq_current_skip = (why))

#define KQ_TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void kq_reg_##name(void)	\
	{								\
		if (kq_ntests < KQ_MAX_TESTS)				\
			kq_tests[kq_ntests++] = (struct kq_test){ #name, name }; \
	}								\
	static void name(void)

/* Record a failure with location; the test goes on (like kselftest EXPECT). */
#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: expected: %s\n", __FILE__, __LINE__, #cond); \
		kq_current_failed = 1;					\
	}								\
} while (0)

/* Record a failure and leave the test (like kselftest ASSERT). */
#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: assertion failed: %s (errno %d: %s)\n",	\
		       __FILE__, __LINE__, #cond, errno, strerror(errno)); \
		kq_current_failed = 1;					\
		return;							\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		printf("# %s:%d: expected %s == %s: %lld != %lld\n",	\
		       __FILE__, __LINE__, #a, #b, __a, __b);		\
		kq_current_failed = 1;					\
	}								\
} while (0)

#define ASSERT_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		printf("# %s:%d: assertion %s == %s: %lld != %lld (errno %d: %s)\n", \
		       __FILE__, __LINE__, #a, #b, __a, __b, errno, strerror(errno)); \
		kq_current_failed = 1;					\
		return;							\
	}								\
} while (0)

/* Expect a call to fail with -1 and the given errno. */
#define EXPECT_ERRNO(call, err) do {					\
	errno = 0;							\
	long long __r = (long long)(call);				\
	if (__r != -1 || errno != (err)) {				\
		printf("# %s:%d: expected %s to fail with %s; got %lld, errno %d (%s)\n", \
		       __FILE__, __LINE__, #call, #err, __r, errno, strerror(errno)); \
		kq_current_failed = 1;					\
	}								\
} while (0)

static inline long long kq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* kevent() with a timeout in milliseconds (-1: wait forever, 0: poll). */
static inline int kq_wait(int kq, struct kevent *ev, int nev, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return kevent(kq, NULL, 0, ev, nev, ms < 0 ? NULL : &ts);
}

/* Apply one change; returns kevent()'s result. */
static inline int kq_change(int kq, unsigned long ident, short filter,
			    unsigned short flags, unsigned int fflags,
			    long long data, void *udata)
{
	struct kevent kev;

	EV_SET(&kev, ident, filter, flags, fflags, data, udata);
	return kevent(kq, &kev, 1, NULL, 0, NULL);
}

/* Nanoseconds in a millisecond: kq_now_ns() differences and ms values meet. */
#define MS 1000000LL

/* A udata value from an integer (udata round trips are compared as integers). */
#define UDATA(x) ((void *)(uintptr_t)(x))

/* Sleep at least ms milliseconds of CLOCK_MONOTONIC (a signal does not cut it short). */
static inline void sleep_ms(long ms)
{
	long long end = kq_now_ns() + ms * MS;
	long long left;

	while ((left = end - kq_now_ns()) > 0) {
		struct timespec ts = { left / 1000000000LL, left % 1000000000LL };

		nanosleep(&ts, NULL);
	}
}

/* An address that is certainly not mapped (for the EFAULT checks). */
static inline void *unmapped_addr(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)1;
	munmap(p, 4096);
	return p;
}

/*
 * Does knote (ident, filter) exist? EV_ENABLE|EV_RECEIPT reports 0 for an
 * existing knote (and enables it: only use on enabled knotes) and ENOENT
 * otherwise; EV_KEEPUDATA leaves its udata alone. Like any change it hands
 * fflags 0 to the filter: on a live EVFILT_PROC knote that clears what it
 * watches, so use it there only to show a knote is gone.
 * Returns 1, 0, or -1 (with a diagnostic) if the reply is not a lone EV_ERROR.
 */
static inline int knote_exists(int kq, unsigned long ident, short filter)
{
	struct kevent kev, out;
	struct timespec zero = { 0, 0 };
	int r;

	EV_SET(&kev, ident, filter, EV_ENABLE | EV_RECEIPT | EV_KEEPUDATA,
	       0, 0, NULL);
	r = kevent(kq, &kev, 1, &out, 1, &zero);
	if (r != 1 || out.flags != EV_ERROR) {
		printf("# knote_exists(%lu, %d): r=%d flags=%#x\n", ident,
		       filter, r, r == 1 ? out.flags : 0);
		return -1;
	}
	return out.data == 0 ? 1 : out.data == ENOENT ? 0 : -1;
}

/* Pass descriptor fd over a unix socket (SCM_RIGHTS, one byte): 0 or -1. */
static inline int send_fd(int sock, int fd)
{
	char byte = 'k', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The descriptor send_fd() passed, or -1. */
static inline int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* SIGALRM handler of KQ_WATCHDOG(): say why in TAP and stop the program. */
static inline void kq_watchdog_fire(int sig)
{
	static const char msg[] = "# watchdog: test hung, aborting\nBail out! watchdog\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Install kq_watchdog_fire() and arm the alarm; see KQ_WATCHDOG(). */
static inline void kq_watchdog_arm(unsigned int secs)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kq_watchdog_fire;
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}

/*
 * A bug in the module must fail a program, not hang it: KQ_WATCHDOG(secs);
 * at file scope sets one deadline for the whole program (the sum over all
 * programs stays well below the VM harness's limit). Programs built on
 * kq_fd_test.h have a per-test watchdog instead and must not use this.
 */
#define KQ_WATCHDOG(secs)						\
	__attribute__((constructor)) static void kq_watchdog(void)	\
	{								\
		kq_watchdog_arm(secs);					\
	}								\
	static void kq_watchdog(void)

int kq_test_main(int argc, char **argv);

#ifdef KQ_TEST_MAIN
struct kq_test kq_tests[KQ_MAX_TESTS];
int kq_ntests;
int kq_current_failed;
const char *kq_current_skip;

int kq_test_main(int argc, char **argv)
{
	int failed = 0, skipped = 0;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", kq_ntests);
	for (int i = 0; i < kq_ntests; i++) {
		kq_current_failed = 0;
		kq_current_skip = NULL;
		kq_tests[i].fn();
		if (kq_current_skip && !kq_current_failed) {
			printf("ok %d %s # SKIP %s\n", i + 1, kq_tests[i].name,
			       kq_current_skip);
			skipped++;
			continue;
		}
		printf("%sok %d %s\n", kq_current_failed ? "not " : "", i + 1,
		       kq_tests[i].name);
		failed += kq_current_failed;
	}
	printf("# %s: %d passed, %d failed, %d skipped\n", argv[0],
	       kq_ntests - failed - skipped, failed, skipped);
	return failed ? 1 : 0;
}

/* A program that re-executes itself defines KQ_OWN_MAIN and calls kq_test_main(). */
#ifndef KQ_OWN_MAIN
int main(int argc, char **argv)
{
	return kq_test_main(argc, argv);
}
#endif
#endif

#endif /* KQ_TEST_H */
