// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: many threads add, modify, delete, trigger and scan knotes of a few
 * shared kqueues, and close and reopen those kqueues under each other's
 * feet, for a bounded time. Every call must either succeed or fail with an
 * errno that the situation explains (a kqueue closed by another thread, a
 * knote deleted by another thread, a cycle refused); the kernel must stay
 * silent (the VM harness fails the run on any splat or leak on the debug
 * kernels).
 *
 *   thread 0..N-1, each in a loop, picks a random slot s and a random op:
 *
 *     slot[s] (a kqueue fd, swapped by close/reopen at any time)
 *        |  add/modify/delete USER, TIMER, READ(pipe), WRITE(pipe),
 *        |  READ(another slot's kqueue)   <- nesting graph churn
 *        |  trigger USER, write/drain the shared pipe
 *        |  kevent() scan with a 0..2 ms timeout
 *        |  close(slot[s]); slot[s] = kqueue()   <- destroy under use
 *
 * Duration: KQ_STRESS_SECONDS (default 8).
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

#define NSLOTS 4
#define NTHREADS 6

static _Atomic int slots[NSLOTS];
static int pipe_fds[2];
static atomic_long ops_done, unexpected;
static atomic_int stop;

static unsigned int next_random(unsigned int *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/*
 * Errnos a racing peer can legitimately cause: a kqueue closed (EBADF) or its
 * fd number reused by another kind of file (ENOTTY), a knote deleted
 * (ENOENT), a cycle refused (ELOOP), an empty/full non-blocking pipe (EAGAIN).
 */
static int explained(int err)
{
	return err == EBADF || err == ENOENT || err == ELOOP || err == ENOTTY ||
	       err == EINTR || err == EAGAIN;
}

static void note_result(int r, const char *what)
{
	if (r < 0 && !explained(errno)) {
		if (atomic_fetch_add(&unexpected, 1) < 5)
			printf("# unexpected errno %d (%s) from %s\n", errno,
			       strerror(errno), what);
	}
	atomic_fetch_add(&ops_done, 1);
}

static void one_op(unsigned int *rnd)
{
	int s = next_random(rnd) % NSLOTS;
	int kq = atomic_load(&slots[s]);
	unsigned long id = next_random(rnd) % 16;
	struct kevent ev[8];
	struct timespec ts = { 0, (long)(next_random(rnd) % 2000000) };
	unsigned short flags;

	switch (next_random(rnd) % 12) {
	case 0:
	case 1:
		flags = EV_ADD | ((next_random(rnd) & 1) ? EV_CLEAR : 0) |
			((next_random(rnd) % 4 == 0) ? EV_ONESHOT : 0) |
			((next_random(rnd) % 4 == 0) ? EV_DISPATCH : 0);
		note_result(kq_change(kq, id, EVFILT_USER, flags,
				      (next_random(rnd) & 1) ? NOTE_TRIGGER : 0, 0, NULL),
			    "user add");
		break;
	case 2:
		note_result(kq_change(kq, id, EVFILT_USER, 0,
				      NOTE_TRIGGER | NOTE_FFOR | (next_random(rnd) & 0xff),
				      0, NULL), "user trigger");
		break;
	case 3:
		note_result(kq_change(kq, id, EVFILT_TIMER,
				      EV_ADD | ((next_random(rnd) & 1) ? EV_ONESHOT : 0),
				      NOTE_USECONDS, 50 + next_random(rnd) % 5000, NULL),
			    "timer add");
		break;
	case 4:
		note_result(kq_change(kq, pipe_fds[next_random(rnd) & 1],
				      (next_random(rnd) & 1) ? EVFILT_READ : EVFILT_WRITE,
				      EV_ADD | ((next_random(rnd) & 1) ? EV_CLEAR : 0), 0, 0,
				      NULL), "pipe add");
		break;
	case 5: {
		int other = atomic_load(&slots[next_random(rnd) % NSLOTS]);

		note_result(kq_change(kq, other, EVFILT_READ, EV_ADD, 0, 0, NULL),
			    "nested add");
		break;
	}
	case 6: {
		static const short filters[] = { EVFILT_USER, EVFILT_TIMER,
						  EVFILT_READ, EVFILT_WRITE };
		short f = filters[next_random(rnd) % 4];
		unsigned long ident = f == EVFILT_READ || f == EVFILT_WRITE ?
			(unsigned long)pipe_fds[next_random(rnd) & 1] : id;

		note_result(kq_change(kq, ident, f,
				      (next_random(rnd) & 1) ? EV_DELETE :
				      ((next_random(rnd) & 1) ? EV_DISABLE : EV_ENABLE),
				      0, 0, NULL), "delete/disable/enable");
		break;
	}
	case 7: {
		char buf[64];

		if (next_random(rnd) & 1)
			note_result((int)write(pipe_fds[1], "x", 1), "pipe write");
		else
			note_result((int)read(pipe_fds[0], buf, sizeof(buf)), "pipe read");
		break;
	}
	case 8:
	case 9:
	case 10:
		note_result(kevent(kq, NULL, 0, ev, 1 + next_random(rnd) % 8, &ts),
			    "scan");
		break;
	case 11: {
		/* Destroy a kqueue others may be using right now. */
		int fresh = kqueue();

		if (fresh < 0) {
			note_result(-1, "kqueue");
			break;
		}
		int old = atomic_exchange(&slots[s], fresh);
		note_result(close(old), "close kqueue");
		break;
	}
	}
}

static void *worker(void *arg)
{
	unsigned int rnd = (unsigned int)(uintptr_t)arg * 2654435761u + 1;

	while (!atomic_load(&stop))
		one_op(&rnd);
	return NULL;
}

KQ_TEST(random_ops_on_shared_kqueues)
{
	const char *env = getenv("KQ_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 8;
	pthread_t threads[NTHREADS];

	ASSERT_EQ(pipe2(pipe_fds, O_NONBLOCK), 0);
	for (int i = 0; i < NSLOTS; i++) {
		slots[i] = kqueue();
		ASSERT(slots[i] >= 0);
	}
	alarm(seconds + 120);
	for (long i = 0; i < NTHREADS; i++)
		ASSERT_EQ(pthread_create(&threads[i], NULL, worker, (void *)i), 0);
	sleep(seconds);
	atomic_store(&stop, 1);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < NSLOTS; i++)
		EXPECT_EQ(close(slots[i]), 0);
	close(pipe_fds[0]);
	close(pipe_fds[1]);

	printf("# %d threads, %d s: %ld operations, %ld unexpected errors\n",
	       NTHREADS, seconds, atomic_load(&ops_done), atomic_load(&unexpected));
	EXPECT(atomic_load(&ops_done) > 1000);
	EXPECT_EQ(atomic_load(&unexpected), 0);

	/* The module still works after the storm. */
	int kq = kqueue();
	struct kevent ev;

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 1);
	close(kq);
}
