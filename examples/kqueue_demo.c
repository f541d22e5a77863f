/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A BSD kqueue program, unchanged: one kqueue watches a pipe, a periodic
 * timer and a user event, and prints what arrives.
 */
#include <sys/event.h>

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { TIMER_ID = 1, USER_ID = 2 };

static int kq, pipefd[2];

static void *producer(void *arg)
{
	struct kevent kev;

	(void)arg;
	usleep(150 * 1000);
	if (write(pipefd[1], "hello, kqueue", 13) != 13)
		err(1, "write");
	usleep(150 * 1000);
	EV_SET(&kev, USER_ID, EVFILT_USER, EV_KEEPUDATA, NOTE_TRIGGER | NOTE_FFCOPY | 0x2a, 7, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) < 0)
		err(1, "kevent trigger");
	return NULL;
}

int main(void)
{
	struct kevent changes[3], ev;
	int seen_pipe = 0, seen_timer = 0, seen_user = 0;
	pthread_t thread;
	char buf[64];

	kq = kqueue();
	if (kq < 0)
		err(1, "kqueue (is kqueue.ko loaded?)");
	if (pipe(pipefd) < 0)
		err(1, "pipe");

	EV_SET(&changes[0], pipefd[0], EVFILT_READ, EV_ADD, 0, 0, "pipe");
	EV_SET(&changes[1], TIMER_ID, EVFILT_TIMER, EV_ADD, NOTE_MSECONDS, 100, "timer");
	EV_SET(&changes[2], USER_ID, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, "user");
	if (kevent(kq, changes, 3, NULL, 0, NULL) < 0)
		err(1, "kevent register");

	pthread_create(&thread, NULL, producer, NULL);
	while (!(seen_pipe && seen_timer && seen_user)) {
		struct timespec timeout = { 5, 0 };
		int n = kevent(kq, NULL, 0, &ev, 1, &timeout);

		if (n < 0)
			err(1, "kevent wait");
		if (n == 0)
			errx(1, "no event within 5 s");
		switch (ev.filter) {
		case EVFILT_READ: {
			ssize_t len = read((int)ev.ident, buf, sizeof(buf) - 1);

			buf[len > 0 ? len : 0] = '\0';
			printf("%-5s: fd %lu readable, %lld bytes: \"%s\"\n",
			       (char *)ev.udata, (unsigned long)ev.ident,
			       (long long)ev.data, buf);
			seen_pipe = 1;
			break;
		}
		case EVFILT_TIMER:
			if (!seen_timer)
				printf("%-5s: id %lu fired %lld time(s)\n", (char *)ev.udata,
				       (unsigned long)ev.ident, (long long)ev.data);
			seen_timer = 1;
			break;
		case EVFILT_USER:
			printf("%-5s: id %lu triggered, fflags 0x%x data %lld\n",
			       (char *)ev.udata, (unsigned long)ev.ident, ev.fflags,
			       (long long)ev.data);
			seen_user = 1;
			break;
		}
	}
	pthread_join(thread, NULL);
	close(kq);
	puts("demo: pipe, timer and user events received");
	return 0;
}
