// SPDX-License-Identifier: GPL-2.0
/* Up to 6.12 a symbol namespace is an identifier; from 6.13 a string literal. */
#include <linux/export.h>
#include <linux/module.h>

int kq_probe_sym;
EXPORT_SYMBOL_NS_GPL(kq_probe_sym, KQ_PROBE_NS);
