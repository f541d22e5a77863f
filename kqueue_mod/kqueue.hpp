/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KQ_KQUEUE_HPP
#define KQ_KQUEUE_HPP

#include "knote.hpp"
#include "knote_table.hpp"

/* kq->lock (see the LOCKING block in kqueue.cpp) for one scope. */
class LockGuard {
public:
	explicit LockGuard(struct kqsys *sys) : sys_(sys), flags_(kqsys_lock(sys)) {}
	~LockGuard() { kqsys_unlock(sys_, flags_); }
	LockGuard(const LockGuard &) = delete;
	LockGuard &operator=(const LockGuard &) = delete;

private:
	struct kqsys *sys_;
	unsigned long flags_;
};

/* kq->mutex for one scope. */
class MutexGuard {
public:
	explicit MutexGuard(struct kqsys *sys) : sys_(sys) { kqsys_mutex_lock(sys); }
	~MutexGuard() { kqsys_mutex_unlock(sys_); }
	MutexGuard(const MutexGuard &) = delete;
	MutexGuard &operator=(const MutexGuard &) = delete;

private:
	struct kqsys *sys_;
};

/* One kqueue: its knotes, the queue of knotes with pending events, scans. */
class Kqueue {
public:
	static Kqueue *create(struct kqsys *sys);
	/* Close: drop every knote. The memory goes later, with free(). */
	void destroy();
	/* After a tasks-trace grace period: no probe still sees this kqueue. */
	void free() { delete this; }

	int apply_change(const struct kevent &change);
	int apply_change_locked(const struct kevent &change);

	void scan_begin();
	int scan_next(struct kevent *out, int max, bool last);
	void scan_end();

	long pending() const { return load_relaxed(pending_); }

	/* Mark kn active and queue it; true if it was newly queued. Any context. */
	bool activate(Knote *kn);
	bool activate_locked(Knote *kn);

	/*
	 * Hand a knote created outside kq->mutex (a NOTE_TRACK child) to the
	 * kqueue: false if the kqueue is closing, and then kn is not taken.
	 * kq->lock held; kn holds its table reference.
	 */
	bool adopt_locked(Knote *kn);

	/*
	 * kn's descriptor was closed (the close probe; no sleeping): hide it,
	 * put it on the closed list (see kqcore_fd_closed for the result).
	 */
	enum kqcore_fd_closed_result mark_closed(Knote *kn);
	/* An IDLE closed knote, its file released: now the reap may detach it. */
	void queue_closed(Knote *kn);
	/* Detach the knotes on the closed list. Takes kq->mutex. */
	void reap_closed();

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

	/* In flux (knote.hpp): false if kn is being detached. kq->lock held. */
	bool enter_flux_locked(Knote *kn);
	void leave_flux(Knote *kn);
	bool leave_flux_locked(Knote *kn);
	/* Elect kn's one detacher; the caller holds a reference. May sleep. */
	bool claim_detach(Knote *kn);
	/*
	 * A zeroed knote counted against the opener's knote limit (nullptr:
	 * over it, or no memory: ENOMEM either way), and its undoing for one
	 * that was never published. put_knote() uncounts published ones.
	 */
	Knote *new_knote(enum kqsys_knote_kind kind, enum kqsys_alloc_mode mode);
	void discard_knote(Knote *kn);
	/* References (knote.hpp): get under kq->lock or with a reference held. */
	void get_knote(Knote *kn) { kn->ref.get(); }
	void put_knote(Knote *kn);
	/* kn's source is going away: inert operations, one EV_EOF event. */
	void neuter(Knote *kn);

private:
	friend struct KqueueTestAccess;

	explicit Kqueue(struct kqsys *sys) : sys_(sys) {}

	int add_knote(const FilterOps *ops, const struct kevent &change,
		      Knote **out);
	void drop_knote(Knote *kn);
	void finish_detach(Knote *kn);
	void set_enabled(Knote *kn, bool enabled);
	void reevaluate(Knote *kn);
	void take_adopted_locked(ListNode *into);
	void insert_adopted(ListNode *list);
	void absorb_adopted();
	Knote *take_next_locked();
	bool settle_locked(Knote *kn, bool ready, const struct kevent &ev,
			   bool *reported, bool *wake_detacher);

	struct kqsys *sys_;
	KnoteTable table_;
	ListNode queue_;	/* kq->lock: QUEUED knotes, and the scan marker */
	ListNode scan_marker_;	/* in queue_ only during a scan (below) */
	/* kq->mutex: the marker is in queue_; the scan reached its end. */
	bool scan_marker_placed_ = false;
	bool scan_done_ = false;
	/*
	 * Queued knotes and those a scan is evaluating (take_next_locked):
	 * kq->lock (written), lockless readers.
	 */
	long pending_ = 0;
	ListNode adopted_;	/* kq->lock: knotes waiting for the table */
	bool adopted_pending_ = false;	/* kq->lock (written), lockless hint */
	bool closing_ = false;	/* kq->lock: destroy() began; adopt nothing */
	ListNode closed_;	/* kq->lock: CLOSED knotes (by queue_link) */
};

#endif /* KQ_KQUEUE_HPP */
