/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's per-user limit parameters, for tests that lower them: read
 * and write a parameter file, and the limits as they were at start-up,
 * written back by restore_params() (also at exit, whatever happens).
 * Include after kq_test.h.
 */
#ifndef KQ_PARAMS_H
#define KQ_PARAMS_H

#include <fcntl.h>

#define PARAMS_DIR "/sys/module/kqueue/parameters"
#define KNOTES_PARAM PARAMS_DIR "/max_knotes_per_user"
#define TIMERS_PARAM PARAMS_DIR "/max_timers_per_user"

/* The parameter's value, or -1. */
static inline long read_param(const char *path)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -1;
}

static inline int write_param(const char *path, long value)
{
	char buf[32];
	int fd = open(path, O_WRONLY), len, ok;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld\n", value);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok ? 0 : -1;
}

/* The limits at start-up (-1 if unreadable). */
static long saved_knotes = -1, saved_timers = -1;

static inline void restore_params(void)
{
	if (saved_knotes > 0)
		write_param(KNOTES_PARAM, saved_knotes);
	if (saved_timers > 0)
		write_param(TIMERS_PARAM, saved_timers);
}

__attribute__((constructor)) static void kq_save_params(void)
{
	saved_knotes = read_param(KNOTES_PARAM);
	saved_timers = read_param(TIMERS_PARAM);
	atexit(restore_params);
}

#endif /* KQ_PARAMS_H */
