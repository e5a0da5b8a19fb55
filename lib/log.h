/* log.h - the one leveled log API of cube.
 *
 * Lines look like Kubernetes' klog lines, so a student can read cube's logs
 * the way they read a real cluster's:
 *
 *   I1125 23:07:06.123456    4242 etcd.c:120] watch /registry/pods/ restarted at 42
 *
 * Name objects as `kind ns/name` in messages.  The library itself only logs
 * through this API; where the lines go is the binary's choice (the default
 * sink writes to stderr; cube_log_set_sink() replaces it, for a file or a
 * test's capture).  Thread-safe: each line is written with one call.
 */
#ifndef CUBE_LOG_H
#define CUBE_LOG_H

typedef enum cube_log_level {
	CUBE_LOG_ERROR = 0,
	CUBE_LOG_WARN = 1,
	CUBE_LOG_INFO = 2,
	CUBE_LOG_DEBUG = 3,
} cube_log_level;

/* A sink receives one formatted line (no trailing newline). */
typedef void (*cube_log_sink_fn)(void *ud, cube_log_level level, const char *line);

/* Lines above `level` are dropped. Default: CUBE_LOG_INFO. */
void cube_log_set_level(cube_log_level level);
cube_log_level cube_log_get_level(void);

/* Replaces the sink; NULL restores the stderr sink. */
void cube_log_set_sink(cube_log_sink_fn fn, void *ud);

/* Parses "error|warn|info|debug" or "0".."3"; returns -1 on anything else. */
int cube_log_level_parse(const char *s, cube_log_level *out);

void cube_log_at(cube_log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define cube_log_error(...) cube_log_at(CUBE_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define cube_log_warn(...) cube_log_at(CUBE_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define cube_log_info(...) cube_log_at(CUBE_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define cube_log_debug(...)                                                           \
	do {                                                                          \
		if (cube_log_get_level() >= CUBE_LOG_DEBUG)                           \
			cube_log_at(CUBE_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#endif
