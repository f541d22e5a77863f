// SPDX-License-Identifier: GPL-2.0
/* 6.7+: files are SLAB_TYPESAFE_BY_RCU; a reference from an RCU-read slot needs get_file_active(). */
#include <linux/fs.h>

struct file *kq_probe(struct file **slot);
struct file *kq_probe(struct file **slot)
{
	return get_file_active(slot);
}
