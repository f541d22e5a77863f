/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter interface. One table of operations per EVFILT_*, dispatched
 * statically (no virtual functions: no RTTI, no vtables to get wrong).
 *
 * Every operation runs in process context with kq->mutex held and kq->lock
 * NOT held; each may sleep. A filter takes kq->lock itself for state that
 * its event source changes from other contexts.
 */
#ifndef KQ_FILTER_HPP
#define KQ_FILTER_HPP

#include "knote.hpp"

struct FilterOps {
	/* Connect a new knote to its source; 0 or -errno. */
	int (*attach)(Knote *kn);
	/* Disconnect; no source callback runs for kn after it returns. */
	void (*detach)(Knote *kn);
	/* A change (not EV_DELETE) to an existing knote; 0 or -errno. */
	int (*modify)(Knote *kn, const struct kevent &change);
	/* Does kn have an event now? Records what deliver() reports. */
	bool (*ready)(Knote *kn);
	/* Fill fflags, data and EV_EOF of ev after ready(); resets edge state. */
	void (*deliver)(Knote *kn, struct kevent &ev);
	/* Poll bits that concern this filter in a wake-up (fd filters). */
	u32 wake_mask;
	/* ident is a file descriptor of the calling process. */
	bool ident_is_fd;
	/* The memory a knote of this filter needs (see Knote::create). */
	enum kqsys_knote_kind knote_kind;
};

extern const FilterOps inert_filter_ops;
extern const FilterOps read_filter_ops;
extern const FilterOps write_filter_ops;
extern const FilterOps timer_filter_ops;
extern const FilterOps user_filter_ops;
extern const FilterOps proc_filter_ops;

/*
 * Calls through kn's operations, inside a tasks-trace RCU read section so
 * that a source which neuters kn and then waits for a grace period knows
 * no call with its old operations is still running (seed 002).
 */
class FilterCall {
public:
	explicit FilterCall(const Knote *kn)
	{
		kqsys_read_lock_trace();
		ops_ = kn->load_ops();
	}
	~FilterCall() { kqsys_read_unlock_trace(); }
	FilterCall(const FilterCall &) = delete;
	FilterCall &operator=(const FilterCall &) = delete;
	const FilterOps *operator->() const { return ops_; }
	/*
	 * The knote's operations now, in the same read section: a knote
	 * neutered since the section began (its source gone) answers the
	 * next call with the inert filter, as it would in a new section.
	 */
	void reload(const Knote *kn) { ops_ = kn->load_ops(); }

private:
	const FilterOps *ops_;
};

/*
 * EVFILT_PROC's NOTE_TRACK step of a fork (filter_proc.cpp): give child a
 * knote like parent's and post NOTE_CHILD. parent is in flux; any context.
 */
int proc_track_child(Knote *parent, u32 sfflags, const struct kqsys_task *child,
		     bool *wake);
/*
 * NOTE_TRACK's reserve of children's knotes, sized for threads of the
 * watched process (0: unknown): kq->mutex held, may sleep.
 */
int track_reserve_attach(Knote *kn, u32 threads);
void track_reserve_detach(Knote *kn);

/* The operations of filter, or nullptr if it is not implemented. */
const FilterOps *filter_ops_for(s16 filter);

#endif /* KQ_FILTER_HPP */
