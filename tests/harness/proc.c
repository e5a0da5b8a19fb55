/* proc.c - process and shell helpers for tests (see proc.h). */
#include "proc.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void cube_test_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

void cube_test_print_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[6000];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "--- tail of %s ---\n%s\n---\n", path, buf);
}

pid_t cube_test_spawn(const char *const *argv, const char *log, bool search)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Die with the test process, whatever kills it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		/* Leak reports at a server's exit would make every run noisy; the
		 * unit tests check leaks. Crashes and undefined behaviour still abort. */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		if (search)
			execvp(argv[0], (char **)argv);
		else
			execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

void cube_test_kill(pid_t pid, int grace_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int w = 0; w < grace_ms; w += 20) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		cube_test_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int vsh(char *out, size_t size, const char *fmt, va_list ap)
{
	char cmd[8192];
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	char full[8300];
	snprintf(full, sizeof(full), "( %s ) 2>&1", cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t n = 0;
	if (out && size) {
		while (n < size - 1) {
			size_t r = fread(out + n, 1, size - 1 - n, p);
			if (r == 0)
				break;
			n += r;
		}
		out[n] = '\0';
	}
	char sink[4096];
	while (fread(sink, 1, sizeof(sink), p) > 0)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int cube_test_sh(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vsh(out, size, fmt, ap);
	va_end(ap);
	return rc;
}

int cube_test_kubectl(char *out, size_t size, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	const char *k = getenv("CUBE_TEST_KUBECTL");
	return cube_test_sh(out, size, "timeout 60 %s %s", k && k[0] ? k : "kubectl", args);
}

bool cube_test_has_line(const char *out, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && !strncmp(p, line, n))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

int cube_test_count_lines(const char *out)
{
	int n = 0;
	for (const char *p = out; *p; p++)
		n += *p == '\n';
	if (*out && out[strlen(out) - 1] != '\n')
		n++;
	return n;
}

int cube_test_words(const char *out, int i, char *buf, size_t size, char **w, int max)
{
	const char *p = out;
	for (int k = 0; k < i && p; k++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (!p || !*p)
		return -1;
	size_t len = strcspn(p, "\n");
	snprintf(buf, size, "%.*s", (int)len, p);
	int n = 0;
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

void cube_test_read_file(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

int cube_test_temp_dir(char *dir, size_t size, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, size, "%s/%s.XXXXXX", tmp && tmp[0] ? tmp : "/tmp", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

void cube_test_remove_dir(const char *dir)
{
	char out[256];
	cube_test_sh(out, sizeof(out), "rm -rf '%s'", dir);
}

void cube_test_stop_pid_file(const char *path)
{
	char buf[64];
	cube_test_read_file(path, buf, sizeof(buf));
	pid_t pid = (pid_t)atoi(buf);
	if (pid > 1)
		kill(pid, SIGTERM);
}
