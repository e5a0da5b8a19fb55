/* shim.c - the per-container shim of the runc runtime (see shim.h): the
 * shim process itself (cubelet_shim_main) and the cubelet's side that
 * starts one (shim_spawn). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cubelet.h"
#include "ktime.h"
#include "logrotate.h"

#define LINE_MAX_BYTES (16 * 1024) /* a longer line is written in P pieces */

extern char **environ;

void shim_time_nano(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

size_t shim_cri_line(char *buf, size_t size, const struct timespec *ts, const char *stream,
		     bool partial, const char *data, size_t len)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	int h = snprintf(buf, size, "%s.%09ldZ %s %c ", base, ts->tv_nsec, stream,
			 partial ? 'P' : 'F');
	if (h < 0 || (size_t)h + len + 2 > size)
		return 0;
	memcpy(buf + h, data, len);
	buf[(size_t)h + len] = '\n';
	buf[(size_t)h + len + 1] = '\0';
	return (size_t)h + len + 1;
}

/* ---- the shim process ---- */

typedef struct stream {
	int fd;
	const char *name;
	char buf[LINE_MAX_BYTES];
	size_t len;
} stream;

/* The CRI log being written, rotated by size (logrotate.h). */
typedef struct log_writer {
	int fd;
	const char *path;
	int64_t size;	  /* bytes in the current file */
	int64_t max_size; /* 0: never rotated */
	int max_files;
} log_writer;

static void rotate(log_writer *lw, const struct timespec *ts)
{
	if (logrotate_rotate(lw->path, lw->max_files, ts) < 0)
		return; /* kept growing: better than losing lines */
	int fd = open(lw->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	close(lw->fd);
	lw->fd = fd;
	lw->size = 0;
}

static void emit(log_writer *lw, const char *name, bool partial, const char *data, size_t len)
{
	static char line[LINE_MAX_BYTES + 128];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	size_t n = shim_cri_line(line, sizeof(line), &ts, name, partial, data, len);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(lw->fd, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a full disk: the line is lost, the container goes on */
		off += (size_t)w;
	}
	lw->size += (int64_t)n;
	if (lw->max_size > 0 && lw->size >= lw->max_size)
		rotate(lw, &ts);
}

/* Reads what is there; at EOF flushes the rest and closes. */
static void pump(stream *s, log_writer *log)
{
	ssize_t r = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		if (s->len)
			emit(log, s->name, false, s->buf, s->len);
		s->len = 0;
		close(s->fd);
		s->fd = -1;
		return;
	}
	s->len += (size_t)r;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(s->buf + start, '\n', s->len - start);
		if (!nl)
			break;
		emit(log, s->name, false, s->buf + start, (size_t)(nl - (s->buf + start)));
		start = (size_t)(nl - s->buf) + 1;
	}
	if (start == 0 && s->len == sizeof(s->buf)) {
		emit(log, s->name, true, s->buf, s->len);
		s->len = 0;
		return;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
}

/* The memory cgroup's oom_kill counter of the container (runc made its
 * cgroup relative to our own): memory.oom_control on cgroup v1,
 * memory.events on v2. */
static long oom_kills(const char *cgroups_path)
{
	char dir[2048], path[2200], text[4096] = "";
	if (!stats_cgroup_dir("memory", cgroups_path, dir, sizeof(dir)))
		return 0;
	snprintf(path, sizeof(path), "%s/memory.oom_control", dir);
	if (access(path, F_OK) < 0)
		snprintf(path, sizeof(path), "%s/memory.events", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	uint64_t n = 0;
	stats_kv(text, "oom_kill", &n);
	return (long)n;
}

static void write_exit(const char *bundle, int code, bool oom)
{
	char path[4200], tmp[4300], now[40];
	snprintf(path, sizeof(path), "%s/exit.json", bundle);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cube_time_now(now, sizeof(now));
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":%s}\n", code, now,
		oom ? "true" : "false");
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* runc's last error message from its JSON log. */
static void runc_error(const char *log, char *buf, size_t size)
{
	snprintf(buf, size, "runc failed (no message)");
	FILE *f = fopen(log, "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(o, "level");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
		if (cJSON_IsString(lvl) && cJSON_IsString(msg) &&
		    (!strcmp(lvl->valuestring, "error") || !strcmp(lvl->valuestring, "fatal")))
			snprintf(buf, size, "%s", msg->valuestring);
		cJSON_Delete(o);
	}
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

int cubelet_shim_main(int argc, char **argv)
{
	if (argc != 7 && argc != 9) {
		fprintf(stderr, "usage: cubelet --shim RUNC_ROOT BUNDLE ID LOG CGROUPS_PATH "
				"[LOG_MAX_SIZE LOG_MAX_FILES]\n");
		return 2;
	}
	static log_writer lw;
	lw.path = argv[5];
	if (argc == 9) {
		lw.max_size = strtoll(argv[7], NULL, 10);
		lw.max_files = atoi(argv[8]);
	}
	const char *root = argv[2], *bundle = argv[3], *id = argv[4], *logf = argv[5],
		   *cgroup = argv[6];
	/* Detach: the cubelet reaps our parent at once; we outlive it. */
	pid_t p = fork();
	if (p < 0)
		return 1;
	if (p > 0)
		_exit(0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	FILE *status = fdopen(3, "w");
	if (!status)
		return 1;
	char runc_log[4200], pid_file[4200], shim_log[4200];
	snprintf(runc_log, sizeof(runc_log), "%s/runc.log", bundle);
	snprintf(pid_file, sizeof(pid_file), "%s/pid", bundle);
	snprintf(shim_log, sizeof(shim_log), "%s/shim.log", bundle);
	int log = open(logf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	struct stat lst;
	lw.fd = log;
	lw.size = log >= 0 && fstat(log, &lst) == 0 ? (int64_t)lst.st_size : 0;
	int out[2], errp[2];
	if (log < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		fprintf(status, "error shim: %s\n", strerror(errno));
		return 1;
	}
	pid_t runc = fork();
	if (runc == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(errp[1], 2);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		const char *const rargv[] = {
			"runc",		"--root",     root,	"--log", runc_log,
			"--log-format", "json",	      "run",	"-d",	 "--bundle",
			bundle,		"--pid-file", pid_file, id,	 NULL};
		execvp("runc", (char *const *)rargv);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	int ws = 0;
	while (runc > 0 && waitpid(runc, &ws, 0) < 0 && errno == EINTR)
		;
	char started[40];
	cube_time_now(started, sizeof(started));
	if (runc < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		char msg[2048];
		runc_error(runc_log, msg, sizeof(msg));
		fprintf(status, "error %s\n", msg);
		return 1;
	}
	pid_t cpid = 0;
	FILE *pf = fopen(pid_file, "r");
	if (!pf || fscanf(pf, "%d", &cpid) != 1 || cpid <= 0) {
		fprintf(status, "error runc wrote no pid file\n");
		if (pf)
			fclose(pf);
		return 1;
	}
	fclose(pf);
	fprintf(status, "ok %d %d %s\n", (int)getpid(), (int)cpid, started);
	fclose(status);
	int so = open(shim_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (so >= 0) {
		dup2(so, 1);
		dup2(so, 2);
		close(so);
	}
	static stream s[2];
	s[0].fd = out[0];
	s[0].name = "stdout";
	s[1].fd = errp[0];
	s[1].name = "stderr";
	bool exited = false;
	int code = 0;
	struct timespec exit_at = {0};
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int idx[2];
		for (int i = 0; i < 2; i++)
			if (s[i].fd >= 0) {
				pfd[n].fd = s[i].fd;
				pfd[n].events = POLLIN;
				idx[n++] = i;
			}
		if (n > 0 && poll(pfd, n, 100) > 0) {
			for (nfds_t i = 0; i < n; i++)
				if (pfd[i].revents)
					pump(&s[idx[i]], &lw);
		} else if (n == 0) {
			usleep(50 * 1000);
		}
		pid_t w;
		while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
			if (w == cpid) {
				exited = true;
				code = WIFEXITED(ws)	 ? WEXITSTATUS(ws)
				       : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws)
							 : 255;
				clock_gettime(CLOCK_MONOTONIC, &exit_at);
			}
		if (w < 0 && errno == ECHILD && !exited && kill(cpid, 0) < 0) {
			/* not our child after all (should not happen): lost */
			exited = true;
			code = 255;
			clock_gettime(CLOCK_MONOTONIC, &exit_at);
		}
		if (exited) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			/* The pipes close when the last process holding them ends; a
			 * leftover (a `runc exec` still running) gets 2 s. */
			if ((s[0].fd < 0 && s[1].fd < 0) || now.tv_sec - exit_at.tv_sec >= 2)
				break;
		}
	}
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0 && s[i].len)
			emit(&lw, s[i].name, false, s[i].buf, s[i].len);
	write_exit(bundle, code, oom_kills(cgroup) > 0);
	close(lw.fd);
	return 0;
}

/* ---- the cubelet's side ---- */

int shim_spawn(const char *exe, const char *runc_root, const char *bundle, const char *id,
	       const char *log_file, const char *cgroups_path, const shim_log_limits *lim,
	       shim_started *out, cube_err *err)
{
	int st[2];
	if (pipe2(st, O_CLOEXEC) < 0)
		return cube_err_errno(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, st[1], 3);
	posix_spawnattr_init(&at);
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	char max_size[32], max_files[16];
	snprintf(max_size, sizeof(max_size), "%lld", lim ? (long long)lim->max_size : 0LL);
	snprintf(max_files, sizeof(max_files), "%d", lim ? lim->max_files : 0);
	const char *const argv[] = {exe,      "--shim",	    runc_root, bundle,	  id,
				    log_file, cgroups_path, max_size,  max_files, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, exe, &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(st[1]);
	if (rc != 0) {
		close(st[0]);
		return cube_err_errno(err, rc, "starting the shim %s", exe);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	char buf[4096];
	size_t n = 0;
	for (;;) {
		struct pollfd pfd = {.fd = st[0], .events = POLLIN};
		int pr = poll(&pfd, 1, 120 * 1000);
		if (pr <= 0) {
			if (pr < 0 && errno == EINTR)
				continue;
			break;
		}
		ssize_t r = read(st[0], buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf, '\n', n) || n == sizeof(buf) - 1)
			break;
	}
	close(st[0]);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	int spid = 0, cpid = 0;
	if (sscanf(buf, "ok %d %d %39s", &spid, &cpid, out->started_at) == 3) {
		out->shim_pid = spid;
		out->pid = cpid;
		return 0;
	}
	if (!strncmp(buf, "error ", 6))
		return cube_err_set(err, CUBE_EINVAL, "%s", buf + 6);
	return cube_err_set(err, CUBE_EIO, "the shim ended without a word (\"%s\")", buf);
}
