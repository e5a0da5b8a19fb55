/* exec.c - the cubelet's exec endpoint and `runc exec` (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubelet.h"
#include "log.h"
#include "obj.h"
#include "websocket.h"

extern char **environ;

#define MAX_WORDS 256

static const char *const protocols[] = {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL};

/* ---- the process ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int exec_spawn_runc(const char *runc_root, const char *id, const exec_request *req, exec_proc *p,
		    cube_err *err)
{
	*p = (exec_proc){.pid = -1, .in = -1, .out = -1, .err = -1};
	size_t n = 0;
	while (req->argv[n])
		n++;
	const char **argv = calloc(n + 8, sizeof(*argv));
	if (!argv)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, master = -1;
	size_t k = 0;
	argv[k++] = "runc";
	argv[k++] = "--root";
	argv[k++] = runc_root;
	argv[k++] = "exec";
	/* With a terminal, runc runs in the foreground on a terminal of ours
	 * (its stdio), makes one for the process and copies between the two;
	 * it passes SIGWINCH on as a resize. */
	if (req->tty)
		argv[k++] = "--tty";
	argv[k++] = id;
	for (size_t i = 0; i < n; i++)
		argv[k++] = req->argv[i];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (req->tty) {
		const char *slave;
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
		    !(slave = ptsname(master))) {
			cube_err_errno(err, errno, "a terminal for exec");
			posix_spawn_file_actions_destroy(&fa);
			goto fail;
		}
		posix_spawn_file_actions_addopen(&fa, 0, slave, O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, 0, 1);
		posix_spawn_file_actions_adddup2(&fa, 0, 2);
	} else {
		/* stderr always comes back: it carries runc's own errors */
		if ((req->in && pipe2(pin, O_CLOEXEC) < 0) ||
		    (req->out && pipe2(pout, O_CLOEXEC) < 0) || pipe2(perr, O_CLOEXEC) < 0) {
			cube_err_errno(err, errno, "pipe");
			posix_spawn_file_actions_destroy(&fa);
			goto fail;
		}
		if (pin[0] >= 0)
			posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
		else
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		if (pout[1] >= 0)
			posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
		else
			posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	}
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	/* a session of its own: the terminal becomes its controlling one */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
	int rc = posix_spawnp(&p->pid, "runc", &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	if (rc != 0) {
		p->pid = -1;
		cube_err_set(err, CUBE_EIO, "runc: %s", strerror(rc));
		goto fail;
	}
	if (req->tty) {
		p->out = master;
	} else {
		p->in = pin[1];
		p->out = pout[0];
		if (req->err)
			p->err = perr[0];
		else
			close(perr[0]);
	}
	free(argv);
	return 0;
fail:
	p->pid = -1;
	close_fd(&master);
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	close_fd(&perr[0]);
	close_fd(&perr[1]);
	free(argv);
	return -1;
}

static int code_of(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
}

int exec_wait(exec_proc *p)
{
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
	if (p->reaped)
		return code_of(p->wstatus);
	if (p->pid <= 0)
		return -1;
	while (waitpid(p->pid, &p->wstatus, 0) < 0)
		if (errno != EINTR)
			return -1;
	p->reaped = true;
	return code_of(p->wstatus);
}

/* True once the process has ended (reaps it). */
static bool reap(exec_proc *p)
{
	if (!p->reaped && p->pid > 0 && waitpid(p->pid, &p->wstatus, WNOHANG) == p->pid)
		p->reaped = true;
	return p->reaped;
}

/* ---- the session ---- */

typedef struct session {
	cubelet *k;
	cube_ws *ws; /* cube_ws_serve's, while the session runs */
	bool v5;
	cJSON *pod;
	char container[256];
	char **argv; /* NULL-terminated copies */
	exec_request req;
} session;

static void session_free(session *s)
{
	if (!s)
		return;
	cJSON_Delete(s->pod);
	for (size_t i = 0; s->argv && s->argv[i]; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s);
}

static void send_status(session *s, int code, const char *what)
{
	cube_autojson cJSON *st = cJSON_CreateObject();
	cJSON_AddObjectToObject(st, "metadata");
	if (code == 0) {
		cJSON_AddStringToObject(st, "status", "Success");
	} else if (code > 0) {
		char msg[1024], num[16];
		snprintf(msg, sizeof(msg),
			 "command terminated with non-zero exit code: error executing command "
			 "%s, exit code %d",
			 what, code);
		snprintf(num, sizeof(num), "%d", code);
		cJSON_AddStringToObject(st, "status", "Failure");
		cJSON_AddStringToObject(st, "message", msg);
		cJSON_AddStringToObject(st, "reason", "NonZeroExitCode");
		cJSON *causes =
			cJSON_AddArrayToObject(cJSON_AddObjectToObject(st, "details"), "causes");
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "reason", "ExitCode");
		cJSON_AddStringToObject(c, "message", num);
		cJSON_AddItemToArray(causes, c);
	} else {
		cJSON_AddStringToObject(st, "status", "Failure");
		cJSON_AddStringToObject(st, "message", what);
		cJSON_AddStringToObject(st, "reason", "InternalError");
		cJSON_AddNumberToObject(st, "code", 500);
	}
	cube_autofree char *text = cJSON_PrintUnformatted(st);
	if (text)
		cube_ws_write_channel(s->ws, 3, text, strlen(text), NULL);
}

static void resize(const exec_proc *p, const uint8_t *data, size_t len)
{
	int tty = p->out;
	cube_autojson cJSON *o = cube_json_parse((const char *)data, len, NULL);
	int64_t w = cube_json_int(o, "Width", 0), h = cube_json_int(o, "Height", 0);
	if (tty < 0 || w <= 0 || h <= 0 || w > 65535 || h > 65535)
		return;
	struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
	if (ioctl(tty, TIOCSWINSZ, &ws) == 0 && p->pid > 0 && !p->reaped)
		kill(p->pid, SIGWINCH); /* runc resizes the process's terminal */
}

/* Moves bytes until the process is done (0) or the client went (-1). */
static int pump(session *s, exec_proc *p)
{
	cube_autofree uint8_t *in = NULL; /* stdin not yet written */
	size_t in_len = 0;
	bool close_in = false;
	int in_fd = s->req.tty ? p->out : p->in;
	int64_t ended_at = 0;
	for (;;) {
		struct pollfd f[4];
		int nf = 0, i_ws = -1, i_out = -1, i_err = -1, i_in = -1;
		f[i_ws = nf++] = (struct pollfd){.fd = cube_ws_fd(s->ws), .events = POLLIN};
		if (p->out >= 0)
			f[i_out = nf++] = (struct pollfd){.fd = p->out, .events = POLLIN};
		if (p->err >= 0)
			f[i_err = nf++] = (struct pollfd){.fd = p->err, .events = POLLIN};
		if (in_len && in_fd >= 0)
			f[i_in = nf++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
		int pr = poll(f, (nfds_t)nf, 100);
		if (pr < 0 && errno != EINTR)
			return -1;
		if (pr > 0 && f[i_ws].revents) {
			long r = cube_ws_fill(s->ws);
			if (r <= 0)
				return -1;
			cube_ws_msg m;
			int rc;
			while ((rc = cube_ws_next(s->ws, &m, NULL, NULL)) == 1) {
				if (m.len < 1 || m.opcode != CUBE_WS_BINARY)
					continue;
				uint8_t ch = m.data[0];
				if (ch == 0 && s->req.in && !close_in) {
					uint8_t *nb = realloc(in, in_len + m.len - 1);
					if (!nb)
						return -1;
					in = nb;
					memcpy(in + in_len, m.data + 1, m.len - 1);
					in_len += m.len - 1;
				} else if (ch == 4 && s->req.tty) {
					resize(p, m.data + 1, m.len - 1);
				} else if (ch == 255 && s->v5 && m.len >= 2 && m.data[1] == 0) {
					close_in = true;
				}
			}
			if (rc != 0)
				return -1; /* the client closed, or broke the protocol */
		}
		if (i_in >= 0 && f[i_in].revents) {
			ssize_t w = write(in_fd, in, in_len);
			if (w > 0) {
				memmove(in, in + w, in_len - (size_t)w);
				in_len -= (size_t)w;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				in_len = 0; /* the process closed its stdin */
			}
		}
		if (close_in && !in_len && !s->req.tty && p->in >= 0)
			close_fd(&p->in);
		else if (close_in && !in_len && s->req.tty && p->out >= 0)
			write(p->out, "\x04", 1), close_in = false; /* ^D on a terminal */
		for (int which = 0; which < 2; which++) {
			int idx = which ? i_err : i_out;
			int *fd = which ? &p->err : &p->out;
			if (idx < 0 || !f[idx].revents)
				continue;
			char buf[32768];
			ssize_t r = read(*fd, buf, sizeof(buf));
			if (r > 0) {
				if ((which ? s->req.err : s->req.out) &&
				    cube_ws_write_channel(s->ws, which ? 2 : 1, buf, (size_t)r,
							  NULL) < 0)
					return -1;
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close_fd(fd); /* EOF, or EIO: the terminal's last holder went */
				if (!which)
					in_fd = s->req.tty ? -1 : in_fd;
			}
		}
		if (p->out < 0 && p->err < 0)
			return 0;
		/* the process ended but something it left holds its output: a
		 * moment to drain, then done */
		if (!ended_at && reap(p))
			ended_at = mono_ms();
		if (ended_at && mono_ms() - ended_at > 500)
			return 0;
	}
}

static void stop_process(exec_proc *p)
{
	if (p->pid <= 0 || reap(p))
		return;
	kill(p->pid, SIGTERM); /* runc exec forwards it to the process */
	for (int i = 0; i < 20; i++) {
		if (reap(p))
			return;
		usleep(50 * 1000);
	}
	kill(p->pid, SIGKILL);
}

static void describe_argv(char *const *argv, char *buf, size_t size)
{
	snprintf(buf, size, "[");
	for (size_t i = 0; argv[i]; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "", argv[i]);
	snprintf(buf + strlen(buf), size - strlen(buf), "]");
}

/* The session's thread (cube_ws_serve). */
static void session_run(void *ud, cube_ws *ws)
{
	session *s = ud;
	s->ws = ws;
	cubelet *k = s->k;
	const char *node = cube_json_str(s->pod, "spec.nodeName");
	kubelet_node *n = node ? cube_strmap_get(k->by_name, node) : NULL;
	exec_proc p = {.pid = -1, .in = -1, .out = -1, .err = -1};
	cube_err err = CUBE_ERR_INIT;
	if (!n || k->rt->exec(n, s->pod, s->container, &s->req, &p, &err) < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "error executing command in container: %s",
			 n ? err.msg : "the pod is not on this node");
		send_status(s, -1, msg);
	} else {
		if (pump(s, &p) < 0)
			stop_process(&p);
		int code = exec_wait(&p);
		char what[1024];
		describe_argv(s->argv, what, sizeof(what));
		if (code < 0)
			send_status(s, -1, "the process could not be waited for");
		else
			send_status(s, code, what);
	}
}

static void session_done(void *ud)
{
	session_free(ud);
}

/* ---- the route ---- */

bool exec_handle(void *ud, cube_httpd_req *req)
{
	cubelet *k = ud;
	const char *path = cube_httpd_path(req);
	static const char prefix[] = "/exec/";
	if (strncmp(path, prefix, sizeof(prefix) - 1))
		return false;
	const char *proto = cube_ws_negotiate(req, protocols, "exec");
	if (!proto)
		return true;
	const char *words[MAX_WORDS];
	size_t nw = cube_httpd_query_all(req, "command", words, MAX_WORDS);
	bool in = cube_httpd_query_bool(req, "stdin"), out = cube_httpd_query_bool(req, "stdout"),
	     errs = cube_httpd_query_bool(req, "stderr"), tty = cube_httpd_query_bool(req, "tty");
	const char *bad = nw == 0	   ? "you must specify at least 1 command"
			  : nw > MAX_WORDS ? "too many command words"
			  : !in && !out && !errs
				  ? "you must specify at least one of stdin, stdout, stderr"
			  : tty && errs ? "tty and stderr cannot both be true"
					: NULL;
	if (bad) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL, "%s", bad);
		return true;
	}
	char cname[256];
	cube_robj *o_pod = cubelet_route_pod(k, req, prefix, cname, sizeof(cname));
	if (!o_pod)
		return true;
	session *s = NULL;
	if (!k->rt->exec) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "the %s runtime cannot run commands in containers",
					  k->rt->name);
	} else if (!(s = calloc(1, sizeof(*s))) || !(s->argv = calloc(nw + 1, sizeof(char *))) ||
		   !(s->pod = cJSON_Duplicate(o_pod->json, true))) {
		cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
		session_free(s);
		s = NULL;
	} else {
		s->k = k;
		s->v5 = !strcmp(proto, protocols[0]);
		snprintf(s->container, sizeof(s->container), "%s", cname);
		bool ok = true;
		for (size_t i = 0; i < nw; i++)
			ok = ok && (s->argv[i] = strdup(words[i]));
		s->req = (exec_request){.argv = (const char *const *)s->argv,
					.in = in,
					.out = out,
					.err = errs,
					.tty = tty};
		if (ok) {
			cube_ws_serve(req, proto, session_run, session_done, s);
		} else {
			session_free(s);
			cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
		}
	}
	cube_robj_unref(o_pod);
	return true;
}
