/* log.c - klog-style line formatting and the pluggable sink. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

static atomic_int log_level = CUBE_LOG_INFO;
static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;
static cube_log_sink_fn sink_fn;
static void *sink_ud;

void cube_log_set_level(cube_log_level level)
{
	atomic_store(&log_level, (int)level);
}

cube_log_level cube_log_get_level(void)
{
	return (cube_log_level)atomic_load(&log_level);
}

void cube_log_set_sink(cube_log_sink_fn fn, void *ud)
{
	pthread_mutex_lock(&sink_mu);
	sink_fn = fn;
	sink_ud = ud;
	pthread_mutex_unlock(&sink_mu);
}

int cube_log_level_parse(const char *s, cube_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	if (!s)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(s, names[i]) || (s[0] == '0' + i && s[1] == '\0')) {
			*out = (cube_log_level)i;
			return 0;
		}
	}
	return -1;
}

void cube_log_at(cube_log_level level, const char *file, int line, const char *fmt, ...)
{
	static const char letters[] = "EWID";
	if ((int)level > atomic_load(&log_level))
		return;

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;

	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] ",
			 letters[level & 3], tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long)tv.tv_usec, (int)getpid(), base, line);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
		va_end(ap);
	}

	pthread_mutex_lock(&sink_mu);
	if (sink_fn) {
		sink_fn(sink_ud, level, buf);
	} else {
		/* The default sink: one write per line so concurrent lines never interleave. */
		size_t len = strlen(buf);
		if (len < sizeof(buf) - 1) {
			buf[len++] = '\n';
		} else {
			buf[sizeof(buf) - 2] = '\n';
			len = sizeof(buf) - 1;
		}
		ssize_t w = write(STDERR_FILENO, buf, len);
		(void)w; /* nowhere left to report a failing stderr */
	}
	pthread_mutex_unlock(&sink_mu);
}
