// SPDX-License-Identifier: GPL-2.0
/* unix_inq_len() is exported; 7.x moved its prototype out of <net/af_unix.h>. */
#include <net/af_unix.h>

long (*kq_probe)(struct sock *sk) = unix_inq_len;
