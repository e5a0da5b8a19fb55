/* test_log.c - level filtering, klog line format, the sink, level parsing.
 *
 * Criterion runs each test in its own process, so the global level and sink
 * set by one test never leak into another. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_LINES 64

struct capture {
	pthread_mutex_t mu;
	int n;
	cube_log_level levels[MAX_LINES];
	char *lines[MAX_LINES];
	int total; /* also counts lines beyond MAX_LINES */
};

static void capture_sink(void *ud, cube_log_level level, const char *line)
{
	struct capture *c = ud;
	pthread_mutex_lock(&c->mu);
	if (c->n < MAX_LINES) {
		c->levels[c->n] = level;
		c->lines[c->n] = strdup(line);
		c->n++;
	}
	c->total++;
	pthread_mutex_unlock(&c->mu);
}

static void capture_init(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	cube_log_set_sink(capture_sink, c);
}

static void capture_free(struct capture *c)
{
	cube_log_set_sink(NULL, NULL);
	for (int i = 0; i < c->n; i++)
		free(c->lines[i]);
	pthread_mutex_destroy(&c->mu);
}

/* The klog header: severity, mmdd, time with microseconds, a space, the
 * pid right-aligned in 7 columns, a space, file:line] and a space. */
static void assert_klog(const char *line, char sev, const char *file, int lineno, const char *msg)
{
	regex_t re;
	cr_assert_eq(regcomp(&re,
			     "^[EWID][0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} [ 0-9]{7} [^ "
			     "]+:[0-9]+\\] ",
			     REG_EXTENDED),
		     0);
	int m = regexec(&re, line, 0, NULL, 0);
	regfree(&re);
	cr_assert_eq(m, 0, "not a klog line: \"%s\"", line);
	cr_assert_eq(line[0], sev, "severity of \"%s\"", line);
	char pid[8];
	memcpy(pid, line + 22, 7);
	pid[7] = '\0';
	cr_assert_eq(atoi(pid), (int)getpid(), "pid field of \"%s\"", line);
	char tail[512];
	snprintf(tail, sizeof(tail), " %s:%d] %s", file, lineno, msg);
	cr_assert_str_eq(line + 29, tail);
}

Test(log, default_level_is_info)
{
	cr_assert_eq(cube_log_get_level(), CUBE_LOG_INFO);
}

Test(log, set_and_get_level)
{
	cube_log_set_level(CUBE_LOG_DEBUG);
	cr_assert_eq(cube_log_get_level(), CUBE_LOG_DEBUG);
	cube_log_set_level(CUBE_LOG_ERROR);
	cr_assert_eq(cube_log_get_level(), CUBE_LOG_ERROR);
}

Test(log, default_level_drops_debug_only)
{
	struct capture c;
	capture_init(&c);
	cube_log_at(CUBE_LOG_DEBUG, "f.c", 1, "debug");
	cube_log_at(CUBE_LOG_INFO, "f.c", 2, "info");
	cube_log_at(CUBE_LOG_WARN, "f.c", 3, "warn");
	cube_log_at(CUBE_LOG_ERROR, "f.c", 4, "error");
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.levels[0], CUBE_LOG_INFO);
	cr_assert_eq(c.levels[1], CUBE_LOG_WARN);
	cr_assert_eq(c.levels[2], CUBE_LOG_ERROR);
	cr_assert(strstr(c.lines[0], "] info") != NULL);
	capture_free(&c);
}

Test(log, warn_level_drops_info_and_debug)
{
	struct capture c;
	capture_init(&c);
	cube_log_set_level(CUBE_LOG_WARN);
	cube_log_info("info %d", 1);
	cube_log_debug("debug %d", 1);
	cube_log_warn("warn %d", 2);
	cube_log_error("error %d", 3);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.levels[0], CUBE_LOG_WARN);
	cr_assert_eq(c.levels[1], CUBE_LOG_ERROR);
	capture_free(&c);
}

Test(log, error_level_keeps_only_errors)
{
	struct capture c;
	capture_init(&c);
	cube_log_set_level(CUBE_LOG_ERROR);
	cube_log_warn("w");
	cube_log_info("i");
	cube_log_error("e");
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.lines[0][0], 'E');
	capture_free(&c);
}

Test(log, debug_level_keeps_everything)
{
	struct capture c;
	capture_init(&c);
	cube_log_set_level(CUBE_LOG_DEBUG);
	cube_log_debug("d");
	cube_log_info("i");
	cube_log_warn("w");
	cube_log_error("e");
	cr_assert_eq(c.n, 4);
	cr_assert_eq(c.lines[0][0], 'D');
	cr_assert_eq(c.lines[1][0], 'I');
	cr_assert_eq(c.lines[2][0], 'W');
	cr_assert_eq(c.lines[3][0], 'E');
	capture_free(&c);
}

static int side_effects;
static int bump(void)
{
	return ++side_effects;
}

Test(log, debug_arguments_not_evaluated_when_off)
{
	struct capture c;
	capture_init(&c);
	cube_log_debug("expensive %d", bump());
	cr_assert_eq(side_effects, 0);
	cr_assert_eq(c.n, 0);
	cube_log_set_level(CUBE_LOG_DEBUG);
	cube_log_debug("expensive %d", bump());
	cr_assert_eq(side_effects, 1);
	cr_assert_eq(c.n, 1);
	capture_free(&c);
}

Test(log, klog_format_through_the_sink)
{
	struct capture c;
	capture_init(&c);
	cube_log_at(CUBE_LOG_INFO, "lib/etcd.c", 120, "watch %s restarted at %d", "/registry/pods/",
		    42);
	cr_assert_eq(c.n, 1);
	assert_klog(c.lines[0], 'I', "etcd.c", 120, "watch /registry/pods/ restarted at 42");
	capture_free(&c);
}

Test(log, severity_letters)
{
	struct capture c;
	capture_init(&c);
	cube_log_set_level(CUBE_LOG_DEBUG);
	cube_log_at(CUBE_LOG_ERROR, "e.c", 1, "m");
	cube_log_at(CUBE_LOG_WARN, "w.c", 2, "m");
	cube_log_at(CUBE_LOG_INFO, "i.c", 3, "m");
	cube_log_at(CUBE_LOG_DEBUG, "d.c", 4, "m");
	cr_assert_eq(c.n, 4);
	assert_klog(c.lines[0], 'E', "e.c", 1, "m");
	assert_klog(c.lines[1], 'W', "w.c", 2, "m");
	assert_klog(c.lines[2], 'I', "i.c", 3, "m");
	assert_klog(c.lines[3], 'D', "d.c", 4, "m");
	capture_free(&c);
}

Test(log, file_is_reduced_to_its_base_name)
{
	struct capture c;
	capture_init(&c);
	cube_log_at(CUBE_LOG_WARN, "/abs/path/to/kubelet/pod_workers.c", 9, "x");
	cube_log_at(CUBE_LOG_WARN, "plain.c", 10, "y");
	cube_log_at(CUBE_LOG_WARN, "dir/", 11, "z");
	cr_assert_eq(c.n, 3);
	assert_klog(c.lines[0], 'W', "pod_workers.c", 9, "x");
	assert_klog(c.lines[1], 'W', "plain.c", 10, "y");
	cr_assert(strstr(c.lines[2], " :11] z") != NULL, "%s", c.lines[2]);
	capture_free(&c);
}

Test(log, macros_carry_file_and_line)
{
	struct capture c;
	capture_init(&c);
	int line = __LINE__ + 1;
	cube_log_error("pod %s/%s failed", "default", "web-0");
	cr_assert_eq(c.n, 1);
	assert_klog(c.lines[0], 'E', "test_log.c", line, "pod default/web-0 failed");
	capture_free(&c);
}

Test(log, date_and_time_are_local_now)
{
	struct capture c;
	capture_init(&c);
	/* gettimeofday, as the logger: time() may lag it by a coarse clock tick
	 * across a second boundary (that made this test flaky). */
	struct timeval tb, ta;
	gettimeofday(&tb, NULL);
	cube_log_info("t");
	gettimeofday(&ta, NULL);
	time_t before = tb.tv_sec, after = ta.tv_sec;
	cr_assert_eq(c.n, 1);
	/* Render both ends of the window the way klog does; the line must match one. */
	char a[32], b[32];
	struct tm tm;
	localtime_r(&before, &tm);
	strftime(a, sizeof(a), "%m%d %H:%M:%S", &tm);
	localtime_r(&after, &tm);
	strftime(b, sizeof(b), "%m%d %H:%M:%S", &tm);
	const char *got = c.lines[0] + 1;
	cr_assert(strncmp(got, a, strlen(a)) == 0 || strncmp(got, b, strlen(b)) == 0,
		  "line \"%s\" vs now \"%s\"", c.lines[0], a);
	cr_assert_eq(c.lines[0][14], '.');
	capture_free(&c);
}

Test(log, sink_gets_no_trailing_newline_and_its_user_data)
{
	struct capture c;
	capture_init(&c);
	cube_log_info("one line");
	cr_assert_eq(c.n, 1);
	size_t len = strlen(c.lines[0]);
	cr_assert_neq(c.lines[0][len - 1], '\n');
	cr_assert_str_eq(c.lines[0] + len - strlen("] one line"), "] one line");
	capture_free(&c);
}

Test(log, percent_in_arguments_is_not_reinterpreted)
{
	struct capture c;
	capture_init(&c);
	cube_log_info("%s", "100%s %n %d");
	cr_assert_eq(c.n, 1);
	cr_assert(strstr(c.lines[0], "] 100%s %n %d") != NULL, "%s", c.lines[0]);
	capture_free(&c);
}

Test(log, long_message_is_truncated_not_overflowed)
{
	struct capture c;
	capture_init(&c);
	size_t n = 20000;
	char *big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	cube_log_info("%s", big);
	free(big);
	cr_assert_eq(c.n, 1);
	size_t len = strlen(c.lines[0]);
	cr_assert_lt(len, 4096);
	cr_assert_gt(len, 4000);
	cr_assert_eq(c.lines[0][len - 1], 'x');
	capture_free(&c);
}

/* Reads what the default sink wrote to fd 2. */
static char *run_with_stderr_pipe(void (*fn)(void))
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	int saved = dup(STDERR_FILENO);
	cr_assert_geq(saved, 0);
	cr_assert_geq(dup2(p[1], STDERR_FILENO), 0);
	close(p[1]);
	fn();
	cr_assert_geq(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	ssize_t r;
	while ((r = read(p[0], buf + len, cap - 1 - len)) > 0)
		len += (size_t)r;
	close(p[0]);
	buf[len] = '\0';
	return buf;
}

static void log_two_lines(void)
{
	cube_log_warn("first %d", 1);
	cube_log_error("second");
}

Test(log, default_sink_writes_lines_to_stderr)
{
	char *out = run_with_stderr_pipe(log_two_lines);
	char *nl = strchr(out, '\n');
	cr_assert_not_null(nl, "got \"%s\"", out);
	*nl = '\0';
	cr_assert_eq(out[0], 'W');
	cr_assert(strstr(out, "] first 1") != NULL, "%s", out);
	char *second = nl + 1;
	char *nl2 = strchr(second, '\n');
	cr_assert_not_null(nl2);
	cr_assert_eq(nl2[1], '\0'); /* exactly two lines */
	*nl2 = '\0';
	cr_assert_eq(second[0], 'E');
	cr_assert(strstr(second, "] second") != NULL);
	free(out);
}

static void log_after_sink_reset(void)
{
	struct capture c;
	capture_init(&c);
	cube_log_info("to the capture");
	cube_log_set_sink(NULL, NULL);
	cube_log_info("to stderr");
	if (c.n != 1)
		abort();
	for (int i = 0; i < c.n; i++)
		free(c.lines[i]);
	pthread_mutex_destroy(&c.mu);
}

Test(log, null_sink_restores_stderr)
{
	char *out = run_with_stderr_pipe(log_after_sink_reset);
	cr_assert(strstr(out, "] to stderr\n") != NULL, "got \"%s\"", out);
	cr_assert_null(strstr(out, "to the capture"));
	free(out);
}

static void log_huge(void)
{
	char *big = malloc(10000);
	if (!big)
		abort();
	memset(big, 'y', 9999);
	big[9999] = '\0';
	cube_log_info("%s", big);
	free(big);
}

Test(log, default_sink_truncated_line_still_ends_in_newline)
{
	char *out = run_with_stderr_pipe(log_huge);
	size_t len = strlen(out);
	cr_assert_lt(len, 4097);
	cr_assert_gt(len, 4000);
	cr_assert_eq(out[len - 1], '\n');
	cr_assert_eq(strchr(out, '\n'), out + len - 1);
	free(out);
}

#define LOG_THREADS 6
#define LOG_PER_THREAD 300

struct counting {
	pthread_mutex_t mu;
	int lines;
	int bad;
	int per_thread[LOG_THREADS];
};

static void counting_sink(void *ud, cube_log_level level, const char *line)
{
	struct counting *c = ud;
	(void)level;
	/* The sink is called with the lock held: no two calls overlap. */
	int t = -1, i = -1;
	const char *m = strstr(line, "] thread ");
	if (!m || sscanf(m, "] thread %d line %d", &t, &i) != 2 || t < 0 || t >= LOG_THREADS) {
		c->bad++;
		return;
	}
	pthread_mutex_lock(&c->mu);
	c->lines++;
	if (i == c->per_thread[t])
		c->per_thread[t]++;
	else
		c->bad++;
	pthread_mutex_unlock(&c->mu);
}

static void *log_worker(void *p)
{
	int t = (int)(long)p;
	for (int i = 0; i < LOG_PER_THREAD; i++)
		cube_log_info("thread %d line %d", t, i);
	return NULL;
}

Test(log, concurrent_lines_arrive_whole_and_in_order_per_thread)
{
	struct counting c = {.lines = 0};
	pthread_mutex_init(&c.mu, NULL);
	cube_log_set_sink(counting_sink, &c);
	pthread_t th[LOG_THREADS];
	for (long i = 0; i < LOG_THREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, log_worker, (void *)i), 0);
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_join(th[i], NULL);
	cube_log_set_sink(NULL, NULL);
	cr_assert_eq(c.bad, 0);
	cr_assert_eq(c.lines, LOG_THREADS * LOG_PER_THREAD);
	for (int i = 0; i < LOG_THREADS; i++)
		cr_assert_eq(c.per_thread[i], LOG_PER_THREAD);
	pthread_mutex_destroy(&c.mu);
}

Test(log, level_parse_names_and_digits)
{
	static const struct {
		const char *s;
		cube_log_level want;
	} ok[] = {
		{"error", CUBE_LOG_ERROR}, {"warn", CUBE_LOG_WARN},   {"info", CUBE_LOG_INFO},
		{"debug", CUBE_LOG_DEBUG}, {"ERROR", CUBE_LOG_ERROR}, {"Debug", CUBE_LOG_DEBUG},
		{"0", CUBE_LOG_ERROR},	   {"1", CUBE_LOG_WARN},      {"2", CUBE_LOG_INFO},
		{"3", CUBE_LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cube_log_level l = (cube_log_level)99;
		cr_assert_eq(cube_log_level_parse(ok[i].s, &l), 0, "\"%s\"", ok[i].s);
		cr_assert_eq(l, ok[i].want, "\"%s\"", ok[i].s);
	}
}

Test(log, level_parse_rejects_everything_else)
{
	static const char *const bad[] = {
		"",	   "4",	  "-1",	 "00",	   "01", "3 ", " info",	 "info ",
		"warning", "err", "inf", "debug2", "9",	 "e",  "INFO\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cube_log_level l = CUBE_LOG_WARN;
		cr_assert_eq(cube_log_level_parse(bad[i], &l), -1, "\"%s\" accepted", bad[i]);
		cr_assert_eq(l, CUBE_LOG_WARN, "\"%s\" changed the output", bad[i]);
	}
	cube_log_level l = CUBE_LOG_WARN;
	cr_assert_eq(cube_log_level_parse(NULL, &l), -1);
	cr_assert_eq(l, CUBE_LOG_WARN);
}
