/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test hooks into the C++ core, built and exported (namespace KQUEUE_KUNIT)
 * only on kernels with KUnit, for kqueue_test.ko. They let a test drive the
 * lifetime protocol step by step, so that every interleaving of the seeds
 * is forced, not hoped for.
 */
#ifndef KQ_KUNIT_HOOKS_H
#define KQ_KUNIT_HOOKS_H

#ifdef __cplusplus
extern "C" {
#endif

struct kqcore;
struct kqcore_knote;
struct kqtest_ref;

/* An EpochRefcount on its own: each call is one step of one CPU. */
struct kqtest_ref *kqtest_ref_create(unsigned int count);
void kqtest_ref_destroy(struct kqtest_ref *ref);
void kqtest_ref_get(struct kqtest_ref *ref);
unsigned long long kqtest_ref_put(struct kqtest_ref *ref);
int kqtest_ref_reached_zero(unsigned long long seen);
int kqtest_ref_zero_is_current(struct kqtest_ref *ref, unsigned long long seen);
unsigned int kqtest_ref_count(struct kqtest_ref *ref);

/* The knote (ident, filter) of kq with a reference for the caller, or NULL. */
struct kqcore_knote *kqtest_find(struct kqcore *kq, unsigned long long ident,
				 short filter);
void kqtest_put(struct kqcore_knote *kn);
int kqtest_enter_flux(struct kqcore_knote *kn);
void kqtest_leave_flux(struct kqcore_knote *kn);
int kqtest_claim_detach(struct kqcore_knote *kn);
/* The rest of an elected detacher's work (takes kq->mutex). */
void kqtest_finish_detach(struct kqcore_knote *kn);
int kqtest_is_queued(struct kqcore_knote *kn);
int kqtest_will_detach(struct kqcore_knote *kn);
void kqtest_neuter(struct kqcore_knote *kn);
/*
 * Add a queued knote (ident, KQTEST_HOOKED_FILTER) whose ready(), from the
 * next scan on, calls hook(arg) inside its filter call and reports an event.
 */
int kqtest_add_hooked_knote(struct kqcore *kq, unsigned long long ident,
			    void (*hook)(void *), void *arg);
#define KQTEST_HOOKED_FILTER ((short)-32000)

/*
 * The NOTE_TRACK step of a fork probe for parent (which the caller holds in
 * flux) and child (a task that has not run): 0, or the error that turns
 * into NOTE_TRACKERR.
 */
struct task_struct;
int kqtest_track_child(struct kqcore_knote *parent, struct task_struct *child);
/* kqcore_destroy() has begun: the kqueue adopts nothing any more. */
int kqtest_is_closing(struct kqcore *kq);

#ifdef __cplusplus
}
#endif

#endif /* KQ_KUNIT_HOOKS_H */
