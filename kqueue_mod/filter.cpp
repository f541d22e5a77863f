// SPDX-License-Identifier: GPL-2.0
/* The filters this kqueue implements, by EVFILT_* number. */
#include "filter.hpp"

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
	default:
		return nullptr;
	}
}
