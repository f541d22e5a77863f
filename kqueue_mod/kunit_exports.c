// SPDX-License-Identifier: GPL-2.0
/* Exports for kqueue_test.ko, on KUnit kernels only (namespace KQUEUE_KUNIT). */
#include <linux/export.h>

#include "kq_glue.h"
#include "kq_kunit_hooks.h"

EXPORT_SYMBOL_NS_GPL(kqsys_create, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqsys_destroy, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqsys_synchronize_trace, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqcore_apply_change, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqcore_scan_begin, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqcore_scan_next, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqcore_scan_end, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqcore_pending, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_create, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_destroy, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_get, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_put, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_reached_zero, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_zero_is_current, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_ref_count, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_find, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_put, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_enter_flux, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_leave_flux, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_claim_detach, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_finish_detach, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_is_queued, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_will_detach, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_neuter, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_add_hooked_knote, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_track_child, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqtest_is_closing, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqsys_read_lock_trace, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kq_fd_bind, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kq_fd_bind_hash, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kq_fd_bind_confirm, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kq_fd_unbind, KQUEUE_KUNIT);
EXPORT_SYMBOL_NS_GPL(kqsys_read_unlock_trace, KQUEUE_KUNIT);
