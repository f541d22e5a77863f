/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KQ_KQUEUE_HPP
#define KQ_KQUEUE_HPP

#include "knote.hpp"
#include "knote_table.hpp"

/* One kqueue: its knotes, the queue of knotes with pending events, scans. */
class Kqueue {
public:
	static Kqueue *create(struct kqsys *sys);
	void destroy();

	int apply_change(const struct kevent &change);

	void scan_begin();
	int scan_next(struct kevent *out, int max);
	void scan_end();

	long pending() const { return load_relaxed(pending_); }

	/* Mark kn active and queue it; true if it was newly queued. Any context. */
	bool activate(Knote *kn);

	struct kqsys *sys() const { return sys_; }

	void *operator new(size_t size) noexcept
	{
		return kqsys_zalloc(size, KQSYS_MAY_SLEEP);
	}
	void operator delete(void *p) noexcept { kqsys_free(p); }

	struct kqcore *handle()
	{
		return reinterpret_cast<struct kqcore *>(this);
	}
	static Kqueue *from(struct kqcore *h)
	{
		return reinterpret_cast<Kqueue *>(h);
	}
	static const Kqueue *from(const struct kqcore *h)
	{
		return reinterpret_cast<const Kqueue *>(h);
	}

	/* Queue bookkeeping, for filters that change state under kq->lock. */
	bool enqueue_locked(Knote *kn);
	void dequeue_locked(Knote *kn);

private:
	explicit Kqueue(struct kqsys *sys) : sys_(sys) {}

	int add_knote(const FilterOps *ops, const struct kevent &change,
		      Knote **out);
	void drop_knote(Knote *kn);
	void set_enabled(Knote *kn, bool enabled);
	void reevaluate(Knote *kn);

	struct kqsys *sys_;
	KnoteTable table_;
	ListNode queue_;	/* kq->lock: QUEUED knotes, and the scan marker */
	ListNode scan_marker_;	/* kq->mutex: in queue_ only during a scan */
	long pending_ = 0;	/* kq->lock (written), lockless readers */
};

#endif /* KQ_KQUEUE_HPP */
