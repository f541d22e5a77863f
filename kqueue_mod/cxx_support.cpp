// SPDX-License-Identifier: GPL-2.0
/*
 * What g++ may emit calls to. Classes allocate through their own operator
 * new (which may return null: -fno-exceptions); these global forms exist
 * only so that nothing links against a missing symbol.
 */
#include "kq_base.hpp"

void operator delete(void *p) noexcept { kqsys_free(p); }
void operator delete(void *p, size_t) noexcept { kqsys_free(p); }
