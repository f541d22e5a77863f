// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the EV_ADD side of close detection (fd_close.c), step by step.
 * The test thread is a kthread, whose descriptor table is init's: a
 * descriptor installed there and closed with close_fd() goes through
 * locks_remove_posix() and the module's probe like any user close.
 *
 *   attach (EV_ADD)                    close(fd)
 *   fget(fd) -> file
 *                                      fd leaves the table, probe: no binding
 *   kq_fd_bind: insert, smp_mb, recheck -> fd gone -> -EBADF, unhashed
 *
 * Without the recheck the binding would stay hashed for a descriptor that
 * no longer exists, and its knote would hold the closed file.
 *
 * Then the close side with a real knote. A user task's close of an idle
 * knote's descriptor lets go of the file before close() returns to user
 * space (task work; shown by the fd_close selftests, EPIPE and a listening
 * socket's address free again). A kernel thread, like this test, never
 * returns there: the reap work drops it. One a scan holds in flux keeps it
 * until the flux ends.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <uapi/linux/kqueue.h>

#include "kq_glue.h"
#include "kq_kunit_hooks.h"

#define PARKED_MS 100

static const struct file_operations kqtest_plain_fops;

struct bind_fixture {
	struct kqsys *sys;
	struct file *file;
	int fd;
};

static void fixture_init(struct kunit *test, struct bind_fixture *f)
{
	f->sys = kqsys_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sys);
	f->file = anon_inode_getfile("kqtest", &kqtest_plain_fops, NULL, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->file));
	f->fd = get_unused_fd_flags(0);
	KUNIT_ASSERT_GE(test, f->fd, 0);
	fd_install(f->fd, get_file(f->file));	/* the table's reference */
}

static void fixture_fini(struct bind_fixture *f)
{
	fput(f->file);
	kqsys_destroy(f->sys);
}

static void bind_refuses_a_descriptor_closed_before_it(struct kunit *test)
{
	struct kq_fd_binding *b;
	struct bind_fixture f;

	fixture_init(test, &f);
	b = kq_fd_binding_alloc(f.sys);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, close_fd(f.fd), 0);
	KUNIT_EXPECT_EQ(test, kq_fd_bind(b, f.fd, f.file), -EBADF);
	KUNIT_EXPECT_FALSE(test, b->hashed);
	KUNIT_EXPECT_EQ(test, b->state, KQ_BINDING_CLOSED);
	kq_fd_unbind(b);
	kq_fd_binding_free(b);
	fixture_fini(&f);
}

/* The positive control: an open descriptor binds, and unbinding unhashes it. */
static void bind_accepts_an_open_descriptor(struct kunit *test)
{
	struct kq_fd_binding *b;
	struct bind_fixture f;

	fixture_init(test, &f);
	b = kq_fd_binding_alloc(f.sys);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, kq_fd_bind(b, f.fd, f.file), 0);
	KUNIT_EXPECT_TRUE(test, b->hashed);
	KUNIT_EXPECT_EQ(test, b->state, KQ_BINDING_BOUND);
	kq_fd_unbind(b);
	KUNIT_EXPECT_FALSE(test, b->hashed);
	kq_fd_binding_free(b);
	KUNIT_EXPECT_EQ(test, close_fd(f.fd), 0);
	fixture_fini(&f);
}

/*
 * A close between hashing and the recheck: the probe finds the binding
 * not yet bound and marks it closed (it touches no knote: there is none
 * yet; the binding stays in the table, which the probe cannot edit); the
 * recheck then fails the add and takes it out.
 */
static void probe_closes_a_binding_not_yet_bound(struct kunit *test)
{
	struct kq_fd_binding *b;
	struct bind_fixture f;

	fixture_init(test, &f);
	b = kq_fd_binding_alloc(f.sys);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, kq_fd_bind_hash(b, f.fd, f.file), 0);
	KUNIT_EXPECT_EQ(test, close_fd(f.fd), 0);
	KUNIT_EXPECT_EQ(test, b->state, KQ_BINDING_CLOSED);
	KUNIT_EXPECT_EQ(test, kq_fd_bind_confirm(b), -EBADF);
	KUNIT_EXPECT_FALSE(test, b->hashed);
	kq_fd_unbind(b);
	kq_fd_binding_free(b);
	fixture_fini(&f);
}

static int watch_fd(struct bind_fixture *f)
{
	struct kevent change = {
		.ident = f->fd, .filter = EVFILT_READ, .flags = EV_ADD,
	};

	return kqcore_apply_change(f->sys->core, &change);
}

/* Ours, the descriptor table's and the knote's references. */
#define REFS_WATCHED 3

static void a_kernel_threads_close_releases_the_file_in_the_reap_work(struct kunit *test)
{
	struct bind_fixture f;

	fixture_init(test, &f);
	KUNIT_ASSERT_EQ(test, watch_fd(&f), 0);
	KUNIT_EXPECT_EQ(test, file_count(f.file), REFS_WATCHED);
	KUNIT_EXPECT_EQ(test, close_fd(f.fd), 0);
	KUNIT_EXPECT_NULL(test, kqtest_find(f.sys->core, f.fd, EVFILT_READ));
	flush_work(&f.sys->reap_work);
	KUNIT_EXPECT_EQ(test, file_count(f.file), 1);
	fixture_fini(&f);
}

/*
 *   scan (flux on kn)          close(fd)                 reap work
 *   evaluating kn ...          probe: CLOSED, busy:
 *                              file kept, work queued    claim_detach waits
 *   leave flux                                           detach: file dropped
 */
static void closing_a_knote_in_flux_releases_the_file_after_it(struct kunit *test)
{
	struct kqcore_knote *kn;
	struct bind_fixture f;

	fixture_init(test, &f);
	KUNIT_ASSERT_EQ(test, watch_fd(&f), 0);
	kn = kqtest_find(f.sys->core, f.fd, EVFILT_READ);
	KUNIT_ASSERT_NOT_NULL(test, kn);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(kn));
	KUNIT_EXPECT_EQ(test, close_fd(f.fd), 0);
	/* No kq->mutex here: the parked reap work holds it (LOCKING). */
	msleep(PARKED_MS);
	KUNIT_EXPECT_EQ(test, file_count(f.file), REFS_WATCHED - 1);
	kqtest_leave_flux(kn);
	flush_work(&f.sys->reap_work);
	KUNIT_EXPECT_EQ(test, file_count(f.file), 1);
	KUNIT_EXPECT_NULL(test, kqtest_find(f.sys->core, f.fd, EVFILT_READ));
	kqtest_put(kn);
	fixture_fini(&f);
}

static struct kunit_case kqueue_fd_close_cases[] = {
	KUNIT_CASE(a_kernel_threads_close_releases_the_file_in_the_reap_work),
	KUNIT_CASE(closing_a_knote_in_flux_releases_the_file_after_it),
	KUNIT_CASE(bind_accepts_an_open_descriptor),
	KUNIT_CASE(bind_refuses_a_descriptor_closed_before_it),
	KUNIT_CASE(probe_closes_a_binding_not_yet_bound),
	{}
};

static struct kunit_suite kqueue_fd_close_suite = {
	.name = "kqueue_fd_close",
	.test_cases = kqueue_fd_close_cases,
};

kunit_test_suite(kqueue_fd_close_suite);
