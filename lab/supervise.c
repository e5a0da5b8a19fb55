/* supervise.c - how the lab starts its processes, and the supervisor that
 * starts them again when they die, as systemd (the control plane) and the
 * kubelet's static pods do on a real cluster.
 *
 * Every process of a lab is started by lab_spawn(), which records, under
 * the lab's directory:
 *   run/<proc>.pid   its PID (the lab stops processes by these, never by name)
 *   run/<proc>.cmd   how to start it again: "netns NAME" (or "netns -"),
 *                    "env NAME=VALUE" lines, then one "arg ..." line per argv
 *   logs/<proc>.log  its stdout and stderr (appended)
 *
 * `cube up` and `cube start` leave one supervisor per lab (`cube supervise
 * --dir DIR`, run/supervisor.pid, logs/supervisor.log).  Twice a second it
 * looks at every run/<proc>.cmd whose run/<proc>.pid names a process that
 * is gone, and starts that process again from its .cmd, with a back-off
 * (1 s, doubling to 16 s; back to 1 s once it ran for 60 s), logging each
 * restart in its own log and in supervisor.log.  A process without a .pid
 * file is stopped on purpose (`cube stop COMPONENT`, `cube down`) and stays
 * stopped.  The supervisor and whoever stops processes hold run/lock
 * (flock) while they look or act, so a stop is never undone by a restart
 * seen half-way.  `cube down` stops the supervisor first. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "flags.h"
#include "lab.h"
#include "netns.h"

#define MAX_ARGS 64
#define MAX_PROCS 64

static void now_str(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int lab_lock(const char *dir)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/run/lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	return fd;
}

void lab_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static int write_cmd(const char *dir, const char *proc, const char *netns, char *const *argv)
{
	char path[700], tmp[720];
	snprintf(path, sizeof(path), "%s/run/%s.cmd", dir, proc);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "netns %s\n", netns ? netns : "-");
	const char *reg = getenv("CUBE_INSECURE_REGISTRIES");
	if (reg)
		fprintf(f, "env CUBE_INSECURE_REGISTRIES=%s\n", reg);
	for (int i = 0; argv[i]; i++)
		fprintf(f, "arg %s\n", argv[i]);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

pid_t lab_spawn(const char *dir, const char *proc, const char *netns, char *const *argv)
{
	char log[700], pidf[700];
	snprintf(log, sizeof(log), "%s/logs/%s.log", dir, proc);
	snprintf(pidf, sizeof(pidf), "%s/run/%s.pid", dir, proc);
	if (write_cmd(dir, proc, netns, argv) < 0)
		return -1;
	int nsfd = -1;
	if (netns && (nsfd = cube_netns_open(netns, NULL)) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		setsid();
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (in >= 0)
			dup2(in, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	if (nsfd >= 0)
		close(nsfd);
	if (pid > 0) {
		FILE *f = fopen(pidf, "w");
		if (f) {
			fprintf(f, "%d\n", (int)pid);
			fclose(f);
		}
	}
	return pid;
}

bool lab_proc_alive(pid_t pid)
{
	if (pid <= 0)
		return false;
	waitpid(pid, NULL, WNOHANG); /* our child: reap it if it died */
	char path[64], stat[512] = "";
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	/* a zombie whose parent does not reap it is gone too */
	const char *p = strrchr(stat, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

pid_t lab_read_pid(const char *dir, const char *proc)
{
	char pidf[700];
	snprintf(pidf, sizeof(pidf), "%s/run/%s.pid", dir, proc);
	FILE *f = fopen(pidf, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* Starts proc again from run/<proc>.cmd. */
pid_t lab_respawn(const char *dir, const char *proc)
{
	char path[700], line[1024];
	snprintf(path, sizeof(path), "%s/run/%s.cmd", dir, proc);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *args[MAX_ARGS + 1] = {0}, *netns = NULL;
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "netns ", 6) && strcmp(line + 6, "-"))
			netns = strdup(line + 6);
		else if (!strncmp(line, "env ", 4) && strchr(line + 4, '=')) {
			char *eq = strchr(line + 4, '=');
			*eq = '\0';
			setenv(line + 4, eq + 1, 1);
		} else if (!strncmp(line, "arg ", 4) && n < MAX_ARGS)
			args[n++] = strdup(line + 4);
	}
	fclose(f);
	pid_t pid = n ? lab_spawn(dir, proc, netns, args) : -1;
	for (int i = 0; i < n; i++)
		free(args[i]);
	free(netns);
	return pid;
}

/* ---- the supervisor --------------------------------------------------------------------- */

static volatile sig_atomic_t sv_stop;

static void sv_on_signal(int sig)
{
	(void)sig;
	sv_stop = 1;
}

typedef struct {
	char name[64];
	pid_t pid;    /* the PID last seen alive */
	double since; /* when it was (re)started */
	double next;  /* no restart before this time */
	int backoff;  /* seconds */
	int restarts;
} sv_proc;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sv_proc *sv_find(sv_proc *procs, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(procs[i].name, name))
			return &procs[i];
	if (*n >= MAX_PROCS)
		return NULL;
	sv_proc *p = &procs[(*n)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->since = mono();
	p->backoff = 1;
	return p;
}

static void note(const char *dir, const char *proc, const char *msg)
{
	char path[700], ts[32];
	now_str(ts, sizeof(ts));
	printf("%s %s: %s\n", ts, proc, msg);
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/logs/%s.log", dir, proc);
	FILE *f = fopen(path, "a");
	if (f) {
		fprintf(f, "---- %s cube supervise: %s\n", ts, msg);
		fclose(f);
	}
}

/* One look at every recorded process; restarts those that are gone and
 * due.  Holds the lab's lock meanwhile. */
static void sv_pass(const char *dir, sv_proc *procs, int *nprocs)
{
	char run[700];
	snprintf(run, sizeof(run), "%s/run", dir);
	int lock = lab_lock(dir);
	DIR *d = opendir(run);
	struct dirent *e;
	double now = mono();
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".cmd") || len - 4 >= 64)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), e->d_name);
		pid_t pid = lab_read_pid(dir, name);
		if (pid <= 0)
			continue; /* stopped on purpose */
		sv_proc *p = sv_find(procs, nprocs, name);
		if (!p)
			continue;
		if (lab_proc_alive(pid)) {
			if (p->pid != pid) {
				p->pid = pid;
				p->since = now;
			}
			if (now - p->since > 60)
				p->backoff = 1;
			continue;
		}
		if (now < p->next)
			continue;
		pid_t np = lab_respawn(dir, name);
		char msg[256];
		p->restarts++;
		if (np > 0)
			snprintf(msg, sizeof(msg),
				 "pid %d is gone; started again as pid %d (restart %d, next "
				 "back-off %ds)",
				 (int)pid, (int)np, p->restarts, p->backoff);
		else
			snprintf(msg, sizeof(msg), "pid %d is gone; starting it again failed: %s",
				 (int)pid, strerror(errno));
		note(dir, name, msg);
		p->pid = np;
		p->since = now;
		p->next = now + p->backoff;
		if (p->backoff < 16)
			p->backoff *= 2;
	}
	if (d)
		closedir(d);
	lab_unlock(lock);
	while (waitpid(-1, NULL, WNOHANG) > 0) /* children it started that ended */
		;
}

int cube_cmd_supervise(int argc, char **argv)
{
	const char *dir = NULL;
	const cube_flag flags[] = {
		{"dir", CUBE_FLAG_STRING, &dir, "the lab's directory (.lab/<name>)"}, {0}};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage("cube supervise",
					   "cube supervise restarts a lab's processes that die "
					   "(cube up starts it).",
					   flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 0;
	}
	if (rc < 0 || !dir) {
		fprintf(stderr, "cube supervise: %s\n", rc < 0 ? err.msg : "--dir is required");
		return 2;
	}
	struct sigaction sa = {.sa_handler = sv_on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	char ts[32], lab_json[700];
	snprintf(lab_json, sizeof(lab_json), "%s/lab.json", dir);
	now_str(ts, sizeof(ts));
	printf("%s supervising the processes of %s (pid %d)\n", ts, dir, (int)getpid());
	fflush(stdout);
	sv_proc procs[MAX_PROCS];
	int n = 0;
	while (!sv_stop && access(lab_json, F_OK) == 0) {
		sv_pass(dir, procs, &n);
		usleep(500 * 1000);
	}
	now_str(ts, sizeof(ts));
	printf("%s stopped\n", ts);
	return 0;
}

pid_t lab_start_supervisor(const char *dir)
{
	if (lab_proc_alive(lab_read_pid(dir, "supervisor")))
		return lab_read_pid(dir, "supervisor");
	char self[600];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return -1;
	self[len] = '\0';
	char *argv[] = {self, "supervise", "--dir", (char *)dir, NULL};
	pid_t pid = lab_spawn(dir, "supervisor", NULL, argv);
	/* the supervisor does not supervise itself */
	char path[700];
	snprintf(path, sizeof(path), "%s/run/supervisor.cmd", dir);
	unlink(path);
	return pid;
}
