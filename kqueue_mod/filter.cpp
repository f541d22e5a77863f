// SPDX-License-Identifier: GPL-2.0
/* The filters this kqueue implements, by EVFILT_* number. */
#include "filter.hpp"

namespace {

/* A neutered knote: its source is gone; report EV_EOF once, touch nothing. */
int inert_attach(Knote *) { return -kq_errno::EINVAL; }
void inert_detach(Knote *) {}
int inert_modify(Knote *, const struct kevent &) { return 0; }
bool inert_ready(Knote *) { return true; }
void inert_deliver(Knote *, struct kevent &ev) { ev.flags |= EV_EOF; }

} // namespace

const FilterOps inert_filter_ops = {
	.attach = inert_attach,
	.detach = inert_detach,
	.modify = inert_modify,
	.ready = inert_ready,
	.deliver = inert_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};

const FilterOps *filter_ops_for(s16 filter)
{
	switch (filter) {
	case EVFILT_READ:
		return &read_filter_ops;
	case EVFILT_WRITE:
		return &write_filter_ops;
	case EVFILT_TIMER:
		return &timer_filter_ops;
	case EVFILT_USER:
		return &user_filter_ops;
	case EVFILT_PROC:
		return &proc_filter_ops;
	default:
		return nullptr;
	}
}
