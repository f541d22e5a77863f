// SPDX-License-Identifier: GPL-2.0
/*
 * abi_version: the device and the ioctl interface themselves.
 *
 * Checks that KQUEUE_IOC_VERSION reports KQUEUE_ABI_VERSION, that
 * /dev/kqueue is a 0666 misc character device, that every open is a new,
 * empty kqueue (dup'd descriptors share one), that kqueue() sets
 * FD_CLOEXEC, the struct layouts and ioctl numbers of the ABI, that unknown
 * ioctls and the kevent ioctl on other files fail with ENOTTY, and that an
 * unprivileged user can open and use /dev/kqueue. These are the promises of
 * uapi/linux/kqueue.h "THE DEVICE" / "THE IOCTLS" / "STRUCT KEVENT".
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

KQ_WATCHDOG(60);

KQ_TEST(version_ioctl)
{
	__u32 v = 0xdeadbeef;
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EQ(ioctl(kq, KQUEUE_IOC_VERSION, &v), 0);
	EXPECT_EQ(v, KQUEUE_ABI_VERSION);
	EXPECT_EQ(KQUEUE_ABI_VERSION, 1);
	EXPECT_ERRNO(ioctl(kq, KQUEUE_IOC_VERSION, unmapped_addr()), EFAULT);
	EXPECT_ERRNO(ioctl(kq, KQUEUE_IOC_VERSION, NULL), EFAULT);
	close(kq);
}

KQ_TEST(ioctl_numbers)
{
	/* The numbers are ABI: _IOR(0xB5, 0, __u32) and _IOW(0xB5, 1, 40 bytes). */
	EXPECT_EQ(KQUEUE_IOC_VERSION, 0x8004B500UL);
	EXPECT_EQ(KQUEUE_IOC_KEVENT, 0x4028B501UL);
}

KQ_TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(stat(KQUEUE_DEVICE_PATH, &st), 0);
	EXPECT(S_ISCHR(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0666);
	/* A misc device: major 10. */
	EXPECT_EQ(major(st.st_rdev), 10);
}

KQ_TEST(open_is_new_empty_kqueue)
{
	struct kevent ev[4];
	int a = kqueue(), b = kqueue();
	int c = open(KQUEUE_DEVICE_PATH, O_RDWR);

	ASSERT(a >= 0 && b >= 0 && c >= 0);
	EXPECT(a != b && b != c && a != c);

	/* Nothing pending, no knotes. */
	EXPECT_EQ(kq_wait(a, ev, 4, 0), 0);
	EXPECT_ERRNO(kq_change(a, 0, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(a, 0, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);

	/* A knote added to one kqueue is not in the others. */
	ASSERT_EQ(kq_change(a, 42, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(a, ev, 4, 0), 1);
	EXPECT_EQ(kq_wait(b, ev, 4, 0), 0);
	EXPECT_EQ(kq_wait(c, ev, 4, 0), 0);
	EXPECT_ERRNO(kq_change(b, 42, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(c, 42, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), ENOENT);
	/* ... and it is still in the first one. */
	EXPECT_EQ(kq_wait(a, ev, 4, 0), 1);
	close(a);
	close(b);
	close(c);
}

KQ_TEST(dup_shares_the_kqueue)
{
	struct kevent ev[2];
	int a = kqueue(), d;

	ASSERT(a >= 0);
	d = dup(a);
	ASSERT(d >= 0);
	ASSERT_EQ(kq_change(a, 7, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	/* The knote added through a is visible through d, and survives
	 * closing a: the kqueue dies with the last descriptor only. */
	close(a);
	EXPECT_EQ(kq_change(d, 7, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(d, ev, 2, 0), 1);
	EXPECT_EQ(ev[0].ident, 7);
	close(d);
}

KQ_TEST(kqueue_sets_cloexec)
{
	int kq = kqueue(), fl;

	ASSERT(kq >= 0);
	fl = fcntl(kq, F_GETFD);
	ASSERT(fl >= 0);
	EXPECT(fl & FD_CLOEXEC);
	fl = fcntl(kq, F_GETFL);
	ASSERT(fl >= 0);
	EXPECT_EQ(fl & O_ACCMODE, O_RDWR);
	close(kq);
}

KQ_TEST(struct_layout)
{
	struct kevent kev;

	EXPECT_EQ(sizeof(struct kevent), 64);
	EXPECT_EQ(offsetof(struct kevent, ident), 0);
	EXPECT_EQ(sizeof(kev.ident), 8);
	EXPECT_EQ(offsetof(struct kevent, filter), 8);
	EXPECT_EQ(sizeof(kev.filter), 2);
	EXPECT_EQ(offsetof(struct kevent, flags), 10);
	EXPECT_EQ(sizeof(kev.flags), 2);
	EXPECT_EQ(offsetof(struct kevent, fflags), 12);
	EXPECT_EQ(sizeof(kev.fflags), 4);
	EXPECT_EQ(offsetof(struct kevent, data), 16);
	EXPECT_EQ(sizeof(kev.data), 8);
	EXPECT_EQ(offsetof(struct kevent, udata), 24);
	EXPECT_EQ(sizeof(kev.udata), 8);
	EXPECT_EQ(offsetof(struct kevent, ext), 32);
	EXPECT_EQ(sizeof(kev.ext), 32);
	/* filter is signed, flags unsigned, as on FreeBSD. */
	kev.filter = -1;
	kev.flags = 0xffff;
	EXPECT(kev.filter < 0);
	EXPECT(kev.flags > 0);

	EXPECT_EQ(sizeof(struct kqueue_kevent_args), 40);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, changelist), 0);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, eventlist), 8);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, timeout), 16);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, nchanges), 24);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, nevents), 28);
	EXPECT_EQ(offsetof(struct kqueue_kevent_args, reserved), 32);

	/* The timeout pointer is passed through: libc's timespec is the ABI's. */
	EXPECT_EQ(sizeof(struct timespec), 16);
	EXPECT_EQ(offsetof(struct timespec, tv_nsec), 8);
}

KQ_TEST(unknown_ioctl_enotty)
{
	__u64 big = 0;
	char buf[64] = { 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_ERRNO(ioctl(kq, _IO(KQUEUE_IOC_MAGIC, 2), 0), ENOTTY);
	EXPECT_ERRNO(ioctl(kq, _IOWR(KQUEUE_IOC_MAGIC, 0x7f, __u32), buf), ENOTTY);
	/* Right number, wrong size or direction: a different ioctl. */
	EXPECT_ERRNO(ioctl(kq, _IOR(KQUEUE_IOC_MAGIC, 0, __u64), &big), ENOTTY);
	EXPECT_ERRNO(ioctl(kq, _IOW(KQUEUE_IOC_MAGIC, 1, __u64[4]), buf), ENOTTY);
	EXPECT_ERRNO(ioctl(kq, _IOR(KQUEUE_IOC_MAGIC, 1, struct kqueue_kevent_args), buf), ENOTTY);
	/* A terminal ioctl. */
	EXPECT_ERRNO(ioctl(kq, TCGETS, buf), ENOTTY);
	/* The kqueue still works. */
	EXPECT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	close(kq);
}

KQ_TEST(kevent_ioctl_on_other_files)
{
	struct kqueue_kevent_args args;
	struct kevent ev;
	__u32 v = 0;
	int p[2], fd, kq;

	memset(&args, 0, sizeof(args));
	args.eventlist = (__u64)(uintptr_t)&ev;
	args.nevents = 1;
	ASSERT_EQ(pipe(p), 0);
	EXPECT_ERRNO(ioctl(p[0], KQUEUE_IOC_KEVENT, &args), ENOTTY);
	EXPECT_ERRNO(ioctl(p[1], KQUEUE_IOC_KEVENT, &args), ENOTTY);
	EXPECT_ERRNO(ioctl(p[0], KQUEUE_IOC_VERSION, &v), ENOTTY);
	/* Through the shim: it passes the ioctl's errno through. */
	EXPECT_ERRNO(kevent(p[0], NULL, 0, &ev, 1, NULL), ENOTTY);
	close(p[0]);
	close(p[1]);

	fd = open("/dev/null", O_RDWR);
	ASSERT(fd >= 0);
	EXPECT_ERRNO(ioctl(fd, KQUEUE_IOC_KEVENT, &args), ENOTTY);
	close(fd);

	/* Not a descriptor at all. */
	kq = kqueue();
	ASSERT(kq >= 0);
	close(kq);
	EXPECT_ERRNO(kevent(kq, NULL, 0, &ev, 1, NULL), EBADF);
	EXPECT_ERRNO(kevent(-1, NULL, 0, &ev, 1, NULL), EBADF);
}

/* Runs in a child as uid/gid 1000; returns the number of failures. */
static int unprivileged_checks(void)
{
	struct kevent ev[2];
	struct timespec zero = { 0, 0 };
	__u32 v = 0;
	int bad = 0, kq;

	kq = kqueue();
	if (kq < 0) {
		printf("# uid %d: kqueue(): %s\n", (int)getuid(), strerror(errno));
		return 1;
	}
	if (ioctl(kq, KQUEUE_IOC_VERSION, &v) != 0 || v != KQUEUE_ABI_VERSION) {
		printf("# uid %d: KQUEUE_IOC_VERSION: %s, v=%u\n", (int)getuid(),
		       strerror(errno), v);
		bad++;
	}
	EV_SET(&ev[0], 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, (void *)0x55);
	if (kevent(kq, ev, 1, NULL, 0, NULL) != 0) {
		printf("# uid %d: EV_ADD: %s\n", (int)getuid(), strerror(errno));
		bad++;
	}
	memset(ev, 0, sizeof(ev));
	if (kevent(kq, NULL, 0, ev, 2, &zero) != 1 || ev[0].ident != 5 ||
	    ev[0].udata != (void *)0x55) {
		printf("# uid %d: no event from the user knote\n", (int)getuid());
		bad++;
	}
	EV_SET(&ev[0], 6, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 1, NULL);
	if (kevent(kq, ev, 1, NULL, 0, NULL) != 0) {
		printf("# uid %d: timer EV_ADD: %s\n", (int)getuid(), strerror(errno));
		bad++;
	}
	close(kq);
	return bad;
}

KQ_TEST(unprivileged_user)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		alarm(30);
		if (geteuid() == 0) {
			if (setgroups(0, NULL) != 0 ||
			    setresgid(1000, 1000, 1000) != 0 ||
			    setresuid(1000, 1000, 1000) != 0) {
				printf("# cannot drop to uid 1000: %s\n", strerror(errno));
				_exit(100);
			}
		} else {
			printf("# running as uid %d already: testing as that user\n",
			       (int)geteuid());
		}
		if (geteuid() == 0 || getuid() == 0) {
			printf("# still root after dropping privileges\n");
			_exit(100);
		}
		_exit(unprivileged_checks() ? 1 : 0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}
