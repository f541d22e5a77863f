// SPDX-License-Identifier: GPL-2.0
/* 6.2+: an ftrace callback reads the traced function's arguments through an accessor. */
#include <linux/ftrace.h>

unsigned long kq_probe(struct ftrace_regs *fregs);
unsigned long kq_probe(struct ftrace_regs *fregs)
{
	return ftrace_regs_get_argument(fregs, 1);
}
