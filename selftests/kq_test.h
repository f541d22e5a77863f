/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal kselftest-style TAP helpers for kqueue.ko selftests.
 *
 * One program per concern. Each test is a function registered with
 * KQ_TEST(); main() comes from kq_test_main(). Output is TAP version 13;
 * the exit status is 0 only when every test passed (skips count as
 * failures unless KQ_SKIP_OK says why a skip is legitimate on this system).
 */
#ifndef KQ_TEST_H
#define KQ_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/event.h>

struct kq_test {
	const char *name;
	void (*fn)(void);
};

#define KQ_MAX_TESTS 128
extern struct kq_test kq_tests[KQ_MAX_TESTS];
extern int kq_ntests;
extern int kq_current_failed;

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

int kq_test_main(int argc, char **argv);

#ifdef KQ_TEST_MAIN
struct kq_test kq_tests[KQ_MAX_TESTS];
int kq_ntests;
int kq_current_failed;

int kq_test_main(int argc, char **argv)
{
	int failed = 0;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", kq_ntests);
	for (int i = 0; i < kq_ntests; i++) {
		kq_current_failed = 0;
		kq_tests[i].fn();
		printf("%sok %d %s\n", kq_current_failed ? "not " : "", i + 1,
		       kq_tests[i].name);
		failed += kq_current_failed;
	}
	printf("# %s: %d passed, %d failed\n", argv[0], kq_ntests - failed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	return kq_test_main(argc, argv);
}
#endif

#endif /* KQ_TEST_H */
