// SPDX-License-Identifier: GPL-2.0
/*
 * Closing a descriptor removes its knotes (BSD per-descriptor semantics,
 * uapi "Descriptors"): by close, dup2/dup3 onto it, close_range,
 * close-on-exec and exit. After close() returns no event of the knote is
 * reported and a change to it is ENOENT; a dup of the same open file keeps
 * its own knotes; a forked child closing its copy changes nothing; and the
 * module never keeps a file open that its user closed: a reader sees EOF
 * (or a writer EPIPE) once the user's last descriptor is gone, even while
 * a kqueue watched the closed end.
 */
#define KQ_TEST_MAIN
#define KQ_OWN_MAIN
#include "kq_fd_test.h"

#include <poll.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

/*
 * Has the last writer of the pipe whose read end is rfd gone? Waits up to
 * ms for POLLHUP; returns the milliseconds it took, or -1.
 */
static long writers_gone_within(int rfd, long ms)
{
	long long start = kq_now_ns();
	struct pollfd p = { .fd = rfd, .events = POLLIN };

	for (;;) {
		long left = ms - (kq_now_ns() - start) / MS;

		if (left < 0)
			return -1;
		if (poll(&p, 1, left) == 1 && (p.revents & POLLHUP))
			return (kq_now_ns() - start) / MS;
		if (p.revents & POLLIN)
			drain(rfd);
	}
}

/* Has the last reader of the pipe whose write end is wfd gone (EPIPE)? */
static int readers_gone_within(int wfd, long ms)
{
	long long end = kq_now_ns() + ms * MS;

	do {
		if (write(wfd, "x", 1) == -1 && errno == EPIPE)
			return 1;
		usleep(5000);
	} while (kq_now_ns() < end);
	return 0;
}

/* Watch fd for filter with udata; the test fails if that does not work. */
#define WATCH(kq, fd, filter, flags, udata)				\
	ASSERT_EQ(kq_change((kq), (fd), (filter), EV_ADD | (flags), 0, 0, \
			    UDATA(udata)), 0)

FD_TEST(closed_descriptor_reports_nothing_and_its_knote_is_gone)
{
	struct kevent ev;
	int p[2], keep, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	keep = dup(p[0]);	/* the pipe stays readable through keep */
	WATCH(kq, p[0], EVFILT_READ, 0, 1);
	write_n(p[1], 10);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);

	/* Pending and level-triggered: still nothing once close() returned. */
	ASSERT_EQ(close(p[0]), 0);
	EXPECT_NO_EVENT(kq);
	write_n(p[1], 10);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 100), 0);
	EXPECT_ERRNO(kq_change(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_EQ(knote_exists(kq, p[0], EVFILT_READ), 0);
	close(keep);
	close(p[1]);
	close(kq);
}

/*
 * The release is part of close() itself, as without a kqueue: a program that
 * closes a watched listening socket may bind its address again at once, and
 * the reader of a pipe whose watched write end was closed sees the hang-up
 * at once.
 */
FD_TEST(close_releases_the_file_before_it_returns)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	struct pollfd pfd;
	int l, p[2], kq = kqueue();

	ASSERT(kq >= 0);
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "kq_fd_close.%d", (int)getpid());
	len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1);
	for (int i = 0; i < 20; i++) {
		l = socket(AF_UNIX, SOCK_STREAM, 0);
		ASSERT(l >= 0);
		ASSERT_EQ(bind(l, (struct sockaddr *)&addr, len), 0);
		ASSERT_EQ(listen(l, 1), 0);
		WATCH(kq, l, EVFILT_READ, 0, i);
		ASSERT_EQ(close(l), 0);	/* the next bind needs the address */
	}

	ASSERT_EQ(pipe(p), 0);
	WATCH(kq, p[1], EVFILT_WRITE, EV_CLEAR, 1);
	ASSERT_EQ(close(p[1]), 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	EXPECT_EQ(poll(&pfd, 1, 0), 1);
	EXPECT(pfd.revents & POLLHUP);
	close(p[0]);
	close(kq);
}

FD_TEST(reused_number_gets_a_new_knote_for_the_new_file)
{
	struct kevent ev;
	int a[2], b[2], keep, n, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(a), 0);
	keep = dup(a[0]);
	n = a[0];
	WATCH(kq, n, EVFILT_READ, 0, 1);
	close(n);
	ASSERT_EQ(pipe(b), 0);	/* lowest free number: n again */
	ASSERT_EQ(b[0], n);
	EXPECT_EQ(knote_exists(kq, n, EVFILT_READ), 0);
	WATCH(kq, n, EVFILT_READ, 0, 2);
	write_n(a[1], 5);	/* the old file: nobody watches it */
	EXPECT_NO_EVENT(kq);
	write_n(b[1], 7);
	EXPECT_EVENT(kq, n, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 7);
	EXPECT(ev.udata == UDATA(2));
	close(keep);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(kq);
}

FD_TEST(a_dup_keeps_its_own_knotes)
{
	struct kevent ev;
	int p[2], d, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	d = dup(p[0]);
	WATCH(kq, p[0], EVFILT_READ, 0, 1);
	WATCH(kq, d, EVFILT_READ, 0, 2);
	close(p[0]);
	write_n(p[1], 3);
	EXPECT_EVENT(kq, d, EVFILT_READ, 2000, &ev);
	EXPECT(ev.udata == UDATA(2));
	EXPECT_EQ(ev.data, 3);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 1);	/* level-triggered: d only */
	EXPECT_EQ(ev.ident, d);
	EXPECT_EQ(knote_exists(kq, d, EVFILT_READ), 1);
	EXPECT_EQ(knote_exists(kq, p[0], EVFILT_READ), 0);
	close(d);
	close(p[1]);
	close(kq);
}

/* dup2 / dup3 onto a watched number, then the old file must be released. */
static void check_replaced_number(int use_dup3)
{
	struct kevent ev;
	int a[2], b[2], n, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(a), 0);
	ASSERT_EQ(pipe(b), 0);
	n = a[0];
	WATCH(kq, n, EVFILT_READ, 0, 1);
	if (use_dup3)
		ASSERT_EQ(dup3(b[0], n, O_CLOEXEC), n);
	else
		ASSERT_EQ(dup2(b[0], n), n);
	/* a's read end had only n: the knote must not keep it open. */
	EXPECT(readers_gone_within(a[1], 2000));
	write_n(b[1], 4);
	EXPECT_NO_EVENT(kq);
	EXPECT_ERRNO(kq_change(kq, n, EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	(void)ev;
	close(n);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(kq);
}

FD_TEST(dup2_onto_a_watched_number_removes_its_knote)
{
	check_replaced_number(0);
}

FD_TEST(dup3_onto_a_watched_number_removes_its_knote)
{
	check_replaced_number(1);
}

FD_TEST(close_range_removes_knotes_and_releases_files)
{
	enum { N = 4 };
	int p[N][2], lo, hi, kq = kqueue();

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(pipe(p[i]), 0);
	/* Move the write ends above the read ends' range. */
	for (int i = 0; i < N; i++) {
		int w = fcntl(p[i][1], F_DUPFD, 200 + i);

		ASSERT(w >= 200);
		close(p[i][1]);
		p[i][1] = w;
	}
	lo = hi = p[0][0];
	for (int i = 0; i < N; i++) {
		WATCH(kq, p[i][0], EVFILT_READ, 0, i);
		lo = p[i][0] < lo ? p[i][0] : lo;
		hi = p[i][0] > hi ? p[i][0] : hi;
	}
	ASSERT(hi < 200);
	ASSERT_EQ(syscall(SYS_close_range, lo, hi, 0), 0);
	for (int i = 0; i < N; i++) {
		write(p[i][1], "x", 1);
		EXPECT(readers_gone_within(p[i][1], 2000));
		EXPECT_EQ(knote_exists(kq, p[i][0], EVFILT_READ), 0);
	}
	EXPECT_NO_EVENT(kq);
	for (int i = 0; i < N; i++)
		close(p[i][1]);
	close(kq);
}

/*
 * The case: a reader blocked in kevent() on a pipe's read end; the
 * same kqueue also watches the write end (enabled with EV_CLEAR, and with
 * EV_DISABLE). Another thread closes the write end: the knote must let go
 * of it, and the reader sees EV_EOF within 100 ms.
 *
 *   reader thread               main thread
 *   kevent(kq, wait) ...        sleep 50 ms; t0; close(w)
 *                                 -> knote on w removed, file released
 *   <- READ r, EV_EOF (t1)      t1 - t0 < 100 ms
 */
struct reader {
	int kq, n, err;
	volatile int started;
	struct kevent ev;
	long long t_done;
};

/* Waits at most 5 s, so a module that keeps the file open fails, not hangs. */
static void *blocked_reader(void *arg)
{
	struct reader *w = arg;

	w->started = 1;
	w->n = kq_wait(w->kq, &w->ev, 1, 5000);
	w->err = errno;
	w->t_done = kq_now_ns();
	return NULL;
}

static void check_blocked_reader_sees_eof(unsigned short write_flags)
{
	struct reader w = { 0 };
	struct kevent ev;
	long long t_close;
	pthread_t th;
	int p[2];

	w.kq = kqueue();
	ASSERT(w.kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	WATCH(w.kq, p[0], EVFILT_READ, 0, 1);
	WATCH(w.kq, p[1], EVFILT_WRITE, write_flags, 2);
	if (!(write_flags & EV_DISABLE)) {
		/* EV_CLEAR: report the writable state once, then nothing. */
		EXPECT_EVENT(w.kq, p[1], EVFILT_WRITE, 2000, &ev);
		EXPECT_NO_EVENT(w.kq);
	}
	ASSERT_EQ(pthread_create(&th, NULL, blocked_reader, &w), 0);
	while (!w.started)
		usleep(1000);
	sleep_ms(50);
	t_close = kq_now_ns();
	ASSERT_EQ(close(p[1]), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	errno = w.err;
	ASSERT_EQ(w.n, 1);
	EXPECT_EQ(w.ev.ident, p[0]);
	EXPECT_EQ(w.ev.filter, EVFILT_READ);
	EXPECT(w.ev.flags & EV_EOF);
	printf("#   EV_EOF %lld us after close()\n", (w.t_done - t_close) / 1000);
	EXPECT(w.t_done - t_close < 100 * MS);
	EXPECT_EQ(knote_exists(w.kq, p[1], EVFILT_WRITE), 0);
	close(p[0]);
	close(w.kq);
}

FD_TEST(blocked_reader_sees_eof_when_the_watched_write_end_is_closed)
{
	check_blocked_reader_sees_eof(EV_CLEAR);
}

FD_TEST(blocked_reader_sees_eof_when_a_disabled_watched_write_end_is_closed)
{
	check_blocked_reader_sees_eof(EV_DISABLE);
}

FD_TEST(a_forked_childs_close_keeps_the_parents_knote)
{
	struct kevent ev;
	int p[2], status, kq = kqueue();
	pid_t pid;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	WATCH(kq, p[0], EVFILT_READ, 0, 1);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(p[1]);
		_exit(0);
	}
	ASSERT(pid > 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	write_n(p[1], 6);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 6);
	EXPECT_EQ(knote_exists(kq, p[0], EVFILT_READ), 1);
	close(p[0]);
	close(p[1]);
	close(kq);
}

/*
 * The owner exits while its kqueue lives on in another process (received
 * over a unix socket): exit closed the owner's descriptors, so the watched
 * write end must be released although the kqueue still exists.
 */
FD_TEST(exit_of_the_owner_releases_watched_files)
{
	int p[2], sv[2], status, kq_copy;
	long ms;
	pid_t pid;

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		int kq = kqueue();

		close(p[0]);
		if (kq < 0 || kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL) ||
		    send_fd(sv[1], kq))
			_exit(1);
		_exit(0);
	}
	ASSERT(pid > 0);
	close(p[1]);
	kq_copy = recv_fd(sv[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT(kq_copy >= 0);
	ms = writers_gone_within(p[0], 2000);
	printf("#   write end released %ld ms after the owner was reaped\n", ms);
	EXPECT(ms >= 0);
	close(kq_copy);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/*
 * close-on-exec: the child owns a kqueue that survives exec (no
 * FD_CLOEXEC) and watches a close-on-exec write end. After exec the knote
 * is gone (ENOENT) and the write end is released, while the kqueue, still
 * the same process's, keeps working. The exec'd image runs
 * after_exec_check() (argv[1] == "after-exec").
 */
static int after_exec_check(int kq, int wfd, int report)
{
	struct kevent ev;
	char ok;

	ok = kq_change(kq, wfd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL) == -1 &&
	     errno == ENOENT;
	ok = ok && kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL) == 0 &&
	     kq_wait(kq, &ev, 1, 1000) == 1 && ev.filter == EVFILT_USER;
	ok = ok ? 'y' : 'n';
	if (write(report, &ok, 1) != 1)
		return 1;
	/* Stay alive (holding the kqueue) until the parent has looked. */
	read(report, &ok, 1);
	return 0;
}

FD_TEST(close_on_exec_removes_knotes_and_releases_files)
{
	int p[2], sv[2], status;
	char verdict = 0;
	long ms;
	pid_t pid;

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		int kq = kqueue();
		char a[16], b[16], c[16];

		close(p[0]);
		close(sv[0]);
		if (kq < 0 || fcntl(kq, F_SETFD, 0) || fcntl(p[1], F_SETFD, FD_CLOEXEC) ||
		    kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL))
			_exit(1);
		snprintf(a, sizeof(a), "%d", kq);
		snprintf(b, sizeof(b), "%d", p[1]);
		snprintf(c, sizeof(c), "%d", sv[1]);
		execl("/proc/self/exe", "fd_close", "after-exec", a, b, c, (char *)NULL);
		_exit(2);
	}
	ASSERT(pid > 0);
	close(p[1]);
	close(sv[1]);
	EXPECT_EQ(read(sv[0], &verdict, 1), 1);
	EXPECT_EQ(verdict, 'y');
	ms = writers_gone_within(p[0], 2000);
	printf("#   write end released %ld ms after exec\n", ms);
	EXPECT(ms >= 0);
	close(sv[0]);	/* lets the child exit */
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
}

/*
 * EV_ADD racing close() of the same descriptor from another thread must
 * end in one of two states: the add failed with EBADF, or it succeeded and
 * the close removed the knote. Never a knote that holds the closed file.
 *
 *   adder thread                     closer thread
 *   kevent(EV_ADD w) ...             close(w)
 *     fget(w); hash binding          fd leaves the table
 *     smp_mb(); w still open?        smp_mb(); binding hashed?
 *   either sees the other: EBADF, or the probe removes the knote
 *   then: the pipe's reader must see POLLHUP (file released)
 *
 * The closer waits a number of spins after the common start that adapts
 * round by round (fewer after an add that won, more after one refused), so
 * the closes cluster where the add is still in the kernel.
 */
struct race {
	int kq, fd, rounds;
	pthread_barrier_t go, done;
	int add_result, add_errno;
};

static void *race_adder(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(&r->go);
		r->add_result = kq_change(r->kq, r->fd, EVFILT_WRITE, EV_ADD, 0, 0, NULL);
		r->add_errno = errno;
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

FD_TEST(ev_add_racing_close_never_keeps_the_file)
{
	int added = 0, refused = 0, stop = 0;
	struct race r = { .rounds = 1000 };
	long delay = 0;
	pthread_t th;

	r.kq = kqueue();
	ASSERT(r.kq >= 0);
	pthread_barrier_init(&r.go, NULL, 2);
	pthread_barrier_init(&r.done, NULL, 2);
	ASSERT_EQ(pthread_create(&th, NULL, race_adder, &r), 0);
	for (int i = 0; i < r.rounds; i++) {
		int p[2];

		if (stop || pipe(p) != 0) {
			/* Keep the adder's barriers in step; it adds to fd -1. */
			stop = 1;
			p[0] = p[1] = -1;
		}
		r.fd = p[1];
		pthread_barrier_wait(&r.go);
		for (volatile long k = 0; k < delay; k++)
			;
		close(p[1]);
		pthread_barrier_wait(&r.done);
		if (stop)
			continue;
		if (r.add_result == 0) {
			added++;
			delay -= delay / 8 + 1;
			if (delay < 0)
				delay = 0;
		} else if (r.add_errno == EBADF) {
			refused++;
			delay += delay / 8 + 1;
		} else {
			printf("# round %d: EV_ADD failed with %s\n", i, strerror(r.add_errno));
			kq_current_failed = 1;
		}
		if (writers_gone_within(p[0], 2000) < 0) {
			printf("# round %d (add %s): the closed write end is still open\n",
			       i, r.add_result == 0 ? "succeeded" : "failed");
			kq_current_failed = 1;
			stop = 1;
		} else if (knote_exists(r.kq, p[1], EVFILT_WRITE) != 0) {
			printf("# round %d: a knote outlived its descriptor\n", i);
			kq_current_failed = 1;
		}
		close(p[0]);
	}
	pthread_join(th, NULL);
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.done);
	printf("#   %d rounds: %d adds succeeded, %d refused with EBADF (closer delay %ld spins)\n",
	       r.rounds, added, refused, delay);
	EXPECT(added > 0 && refused > 0);
	close(r.kq);
}

/*
 * The close hook is an ftrace_ops marked permanent: while the module is
 * loaded, function tracing cannot be switched off under it (closes would
 * then go unseen and knotes outlive their descriptors).
 */
KQ_TEST(function_tracing_cannot_be_switched_off_under_the_close_hook)
{
	const char *path = "/proc/sys/kernel/ftrace_enabled";
	char now[8] = "";
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		KQ_SKIP(errno == ENOENT ? "this kernel has no kernel.ftrace_enabled"
					: "kernel.ftrace_enabled cannot be opened for writing (not root?)");
		return;
	}
	errno = 0;
	if (write(fd, "0\n", 2) == 2) {
		printf("# kernel.ftrace_enabled could be set to 0 under the module\n");
		kq_current_failed = 1;
		if (pwrite(fd, "1\n", 2, 0) != 2)
			printf("# and could not be set back to 1: %s\n", strerror(errno));
	} else {
		EXPECT_EQ(errno, EBUSY);
	}
	EXPECT_EQ(pread(fd, now, sizeof(now) - 1, 0) > 0, 1);
	EXPECT_EQ(atoi(now), 1);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "after-exec") == 0)
		return after_exec_check(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	return kq_test_main(argc, argv);
}
