// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_USER: events triggered by kevent() changes themselves. All state
 * changes happen under kq->mutex (registration and scan), so the filter
 * needs no lock of its own.
 */
#include "filter.hpp"
#include "kqueue.hpp"

namespace {

u32 combine_fflags(u32 current, u32 change)
{
	const u32 value = change & NOTE_FFLAGSMASK;
	switch (change & NOTE_FFCTRLMASK) {
	case NOTE_FFAND:
		return current & value;
	case NOTE_FFOR:
		return current | value;
	case NOTE_FFCOPY:
		return value;
	default:
		return current;
	}
}

int user_attach(Knote *kn)
{
	kn->user_triggered = kn->sfflags & NOTE_TRIGGER;
	kn->sfflags &= NOTE_FFLAGSMASK;
	return 0;
}

void user_detach(Knote *) {}

int user_modify(Knote *kn, const struct kevent &change)
{
	if (change.fflags & NOTE_TRIGGER)
		kn->user_triggered = true;
	kn->sfflags = combine_fflags(kn->sfflags, change.fflags);
	kn->sdata = change.data;
	return 0;
}

bool user_ready(Knote *kn)
{
	return kn->user_triggered;
}

void user_deliver(Knote *kn, struct kevent &ev)
{
	ev.fflags = kn->sfflags;
	ev.data = kn->sdata;
	if (kn->flags & EV_CLEAR)
		kn->user_triggered = false;
}

} // namespace

const FilterOps user_filter_ops = {
	.attach = user_attach,
	.detach = user_detach,
	.modify = user_modify,
	.ready = user_ready,
	.deliver = user_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};
