// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_TIMER on high-resolution timers. The hrtimer counts expirations
 * into the knote under kq->lock (hard-irq; the timer softirq thread on
 * PREEMPT_RT); delivery hands the count over and resets it, so the knote
 * is edge-triggered like FreeBSD's.
 *
 * A periodic timer whose expiry finds the previous one still uncollected
 * parks: it does not restart, and its next delivery resumes it at its old
 * phase and counts the periods that passed meanwhile. The counts are the
 * same as a free-running timer's, but timers nobody collects cost two
 * expiries, not one every period: a user's timers at the shortest period
 * cannot keep a CPU in timer interrupts (on PREEMPT_RT: in the timer
 * softirq thread, at real-time priority, starving RCU), and the expiry
 * rate is bounded by the rate at which the user collects.
 */
#include "filter.hpp"
#include "kqueue.hpp"

using namespace kq_errno;

namespace {

constexpr u32 unit_flags = NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS |
			   NOTE_NSECONDS;
constexpr u32 known_fflags = unit_flags | NOTE_ABSTIME;
constexpr s64 max_ns = 0x7fffffffffffffffll;

struct TimerSpec {
	s64 first_ns;
	s64 period_ns;
	bool absolute;
};

s64 nanoseconds_per_unit(u32 fflags)
{
	switch (fflags & unit_flags) {
	case NOTE_SECONDS:
		return 1000000000;
	case NOTE_USECONDS:
		return 1000;
	case NOTE_NSECONDS:
		return 1;
	default:
		return 1000000;
	}
}

/* Saturating: a period of centuries is as good as forever. */
s64 to_ns(s64 amount, s64 unit)
{
	return amount > max_ns / unit ? max_ns : amount * unit;
}

int timer_spec(u32 fflags, s64 data, bool oneshot, TimerSpec *spec)
{
	if (fflags & ~known_fflags)
		return -EINVAL;
	const u32 units = fflags & unit_flags;
	if (units & (units - 1))
		return -EINVAL;
	if (data < 0)
		return -EINVAL;

	const s64 unit = nanoseconds_per_unit(fflags);
	if (fflags & NOTE_ABSTIME) {
		*spec = { to_ns(data, unit), 0, true };
		return 0;
	}
	if (data == 0 && !oneshot)
		data = 1;
	const s64 period = to_ns(data, unit);
	*spec = { period, oneshot ? 0 : period, false };
	return 0;
}

void start(Knote *kn, const TimerSpec &spec)
{
	kqsys_timer_start(kn->source.timer, spec.first_ns, spec.period_ns,
			  spec.absolute);
}

int timer_attach(Knote *kn)
{
	TimerSpec spec;
	int err = timer_spec(kn->sfflags, kn->sdata, kn->flags & EV_ONESHOT, &spec);
	if (err)
		return err;
	kn->flags |= EV_CLEAR;
	/* Timers have their own per-user limit, on top of the knote's. */
	err = kqsys_charge(kn->kq->sys(), KQSYS_CHARGE_TIMER);
	if (err)
		return err;
	kn->source.timer = kqsys_timer_create(kn->kq->sys(), kn->handle());
	if (!kn->source.timer) {
		kqsys_uncharge(kn->kq->sys(), KQSYS_CHARGE_TIMER);
		return -ENOMEM;
	}
	start(kn, spec);
	return 0;
}

void timer_detach(Knote *kn)
{
	kqsys_timer_destroy(kn->source.timer);
	kn->source.timer = nullptr;
	kqsys_uncharge(kn->kq->sys(), KQSYS_CHARGE_TIMER);
}

/*
 * Re-adding (EV_ADD) restarts the timer with the new period and forgets old
 * expiries; other changes (EV_ENABLE, EV_DISABLE) leave it running, as on
 * FreeBSD.
 */
int timer_modify(Knote *kn, const struct kevent &change)
{
	if (!(change.flags & EV_ADD))
		return 0;
	TimerSpec spec;
	int err = timer_spec(change.fflags, change.data, kn->flags & EV_ONESHOT,
			     &spec);
	if (err)
		return err;
	kn->sfflags = change.fflags;
	kn->sdata = change.data;
	/* Stopped first: no old expiry counts, and none parks the new timer. */
	kqsys_timer_stop(kn->source.timer);
	{
		LockGuard guard(kn->kq->sys());
		store_relaxed(kn->timer_expirations, 0ull);
		kn->timer_parked = false;
		kn->status &= ~Knote::ACTIVE;
		kn->kq->dequeue_locked(kn);
	}
	start(kn, spec);
	return 0;
}

bool timer_ready(Knote *kn)
{
	return load_relaxed(kn->timer_expirations) != 0;
}

void timer_deliver(Knote *kn, struct kevent &ev)
{
	bool parked;
	{
		LockGuard guard(kn->kq->sys());
		ev.data = static_cast<s64>(kn->timer_expirations);
		store_relaxed(kn->timer_expirations, 0ull);
		parked = kn->timer_parked;
		kn->timer_parked = false;
	}
	/* kq->mutex keeps modify and detach away; nothing else restarts it. */
	if (parked)
		ev.data += static_cast<s64>(kqsys_timer_resume(kn->source.timer));
}

} // namespace

const FilterOps timer_filter_ops = {
	.attach = timer_attach,
	.detach = timer_detach,
	.modify = timer_modify,
	.ready = timer_ready,
	.deliver = timer_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};

extern "C" int kqcore_timer_expired(struct kqcore_knote *handle,
				    unsigned long long n, int periodic)
{
	Knote *kn = Knote::from(handle);
	LockGuard guard(kn->kq->sys());
	const u64 uncollected = kn->timer_expirations;
	/* Read locklessly by timer_ready(): one marked store, not a plain +=. */
	store_relaxed(kn->timer_expirations, uncollected + n);
	int what = kn->kq->activate_locked(kn) ? KQCORE_TIMER_WAKE : 0;
	if (periodic && uncollected) {
		kn->timer_parked = true;
		what |= KQCORE_TIMER_PARK;
	}
	return what;
}
