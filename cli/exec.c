/* exec.c - `cubectl exec`: a command in a container, as kubectl exec runs
 * it: GET the pod (to pick the container and refuse a completed pod),
 * then GET pods/<name>/exec?command=...&container=...&stdin&stdout&stderr
 * &tty with a WebSocket upgrade offering v5.channel.k8s.io (and v4), and
 * the channel protocol (lib/websocket.h): stdin goes out on channel 0
 * ([255, 0] at its end, v5), stdout and stderr come back on 1 and 2, the
 * closing Status on 3; with -t the local terminal is raw and its size
 * goes out on channel 4 (again on SIGWINCH).  The exit code of the
 * command is cubectl's, after kubectl's "command terminated with exit
 * code N". */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "websocket.h"

static const char *container;
static bool want_stdin, want_tty, quiet;

static const cctl_flag exec_flags[] = {
	{"container", 'c', CCTL_STRING, &container,
	 "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation "
	 "for selecting the container to be attached or the first container in the pod will be "
	 "chosen"},
	{"stdin", 'i', CCTL_BOOL, &want_stdin, "Pass stdin to the container"},
	{"tty", 't', CCTL_BOOL, &want_tty, "Stdin is a TTY"},
	{"quiet", 'q', CCTL_BOOL, &quiet, "Only print output from the remote session"},
	{0},
};

/* ---- the connection ---- */

/* A TCP connection to the http:// server's host and port. */
static int dial_server(const char *server, char *host, size_t host_size)
{
	const char *p = server + strlen("http://");
	size_t n = strcspn(p, "/");
	snprintf(host, host_size, "%.*s", (int)n, p);
	char name[256], port[16] = "80";
	snprintf(name, sizeof(name), "%s", host);
	char *colon = strrchr(name, ':');
	if (colon && !strchr(name, ']')) {
		snprintf(port, sizeof(port), "%s", colon + 1);
		*colon = '\0';
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(name, port, &hints, &res);
	if (rc) {
		cctl_fail("dial tcp %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr,
			"The connection to the server %s was refused - did you specify the right "
			"host or port?\n",
			host);
	return fd;
}

cube_ws *cctl_ws_open(cctl *c, const char *path, const char *protocols, char *proto,
		      size_t proto_size, int *fd_out)
{
	const char *server = c->kc->server;
	if (strncmp(server, "http://", 7)) {
		cctl_fail("cubectl streams (exec, port-forward) to http:// servers only (the "
			  "server is %s)",
			  server);
		return NULL;
	}
	char host[256];
	int fd = dial_server(server, host, sizeof(host));
	if (fd < 0)
		return NULL;
	cube_err err = CUBE_ERR_INIT;
	cube_ws_refusal refused;
	const char *ua = "User-Agent: cubectl/v1.32.4 (linux/amd64) cube";
	const char *const headers[] = {ua, NULL};
	cube_ws *ws = cube_ws_client_handshake(fd, host, path, protocols, headers, proto,
					       proto_size, &refused, &err);
	if (!ws) {
		if (refused.status) {
			cube_autojson cJSON *body =
				refused.body
					? cube_json_parse(refused.body, strlen(refused.body), NULL)
					: NULL;
			cctl_print_status_error(refused.status, body, refused.body, NULL, NULL);
			free(refused.body);
		} else {
			fprintf(stderr, "error: unable to upgrade connection: %s\n", err.msg);
		}
		close(fd);
		return NULL;
	}
	*fd_out = fd;
	return ws;
}

/* ---- stdin and the terminal ---- */

typedef struct pump_in {
	cube_ws *ws;
	bool v5;
} pump_in;

static void *stdin_main(void *arg)
{
	pump_in *p = arg;
	char buf[16384];
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (cube_ws_write_channel(p->ws, 0, buf, (size_t)n, NULL) < 0)
			return NULL;
	}
	if (p->v5) {
		uint8_t end = 0; /* "the client closed channel 0" */
		cube_ws_write_channel(p->ws, 255, &end, 1, NULL);
	}
	return NULL;
}

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void send_size(cube_ws *ws)
{
	struct winsize w;
	if (ioctl(1, TIOCGWINSZ, &w) < 0 && ioctl(0, TIOCGWINSZ, &w) < 0)
		return;
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "{\"Width\":%u,\"Height\":%u}", w.ws_col, w.ws_row);
	cube_ws_write_channel(ws, 4, msg, (size_t)n, NULL);
}

/* ---- the closing Status ---- */

/* The exit status for the Status of channel 3 (printing kubectl's words). */
static int status_exit(const uint8_t *data, size_t len)
{
	cube_autojson cJSON *st = cube_json_parse((const char *)data, len, NULL);
	const char *s = cube_json_str(st, "status");
	if (s && !strcmp(s, "Success"))
		return 0;
	const char *reason = cube_json_str(st, "reason");
	if (reason && !strcmp(reason, "NonZeroExitCode")) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(st, "details.causes")) {
			const char *r = cube_json_str(c, "reason"),
				   *m = cube_json_str(c, "message");
			if (r && m && !strcmp(r, "ExitCode")) {
				int code = atoi(m);
				fprintf(stderr, "command terminated with exit code %d\n", code);
				return code;
			}
		}
	}
	const char *msg = cube_json_str(st, "message");
	if (reason && !strcmp(reason, "InternalError"))
		fprintf(stderr, "error: Internal error occurred: %s\n", msg ? msg : "unknown");
	else
		fprintf(stderr, "error: %s\n", msg ? msg : "the command failed");
	return 1;
}

/* ---- the command ---- */

static const char *pick_container(const cJSON *pod)
{
	const cJSON *cs = cube_json_path(pod, "spec.containers");
	const char *dflt = cube_obj_annotation(pod, "kubectl.kubernetes.io/default-container");
	if (dflt && cube_pod_container(pod, dflt))
		return dflt;
	const char *first = cube_json_str(cJSON_GetArrayItem(cs, 0), "name");
	if (first && cJSON_GetArraySize(cs) > 1 && !quiet) {
		fprintf(stderr, "Defaulted container \"%s\" out of: ", first);
		const cJSON *c;
		int i = 0;
		cJSON_ArrayForEach (c, cs) {
			fprintf(stderr, "%s%s", i++ ? ", " : "", cube_json_str(c, "name"));
		}
		const cJSON *inits = cube_json_path(pod, "spec.initContainers");
		cJSON_ArrayForEach (c, inits) {
			fprintf(stderr, ", %s (init)", cube_json_str(c, "name"));
		}
		fputc('\n', stderr);
	}
	return first;
}

int cctl_cmd_exec(cctl *c, int argc, char **argv)
{
	char *pos[256];
	int dash = -1;
	int n = cctl_parse(c, exec_flags, argc, argv, pos, 256, &dash);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1 || dash == 0) {
		fputs("error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND "
		      "[args...]'.\nPOD or TYPE/NAME is a required argument for the exec command\n"
		      "See 'cubectl exec -h' for help and examples\n",
		      stderr);
		return 1;
	}
	if (n < 2)
		return cctl_fail("you must specify at least one command for the container");
	const char *pod_name = pos[0];
	if (!strncmp(pod_name, "pod/", 4) || !strncmp(pod_name, "pods/", 5) ||
	    !strncmp(pod_name, "po/", 3))
		pod_name = strchr(pod_name, '/') + 1;
	else if (strchr(pod_name, '/'))
		return cctl_fail("cubectl exec takes a pod (POD or pod/NAME); got \"%s\"", pos[0]);
	if (cctl_connect(c) < 0)
		return 1;
	const char *server = c->kc->server;
	if (strncmp(server, "http://", 7))
		return cctl_fail("cubectl exec speaks to http:// servers only (the server is %s)",
				 server);
	char path[8192];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", cctl_ns(c), pod_name);
	cube_autojson cJSON *pod = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!pod)
		return 1;
	const char *phase = cube_json_str(pod, "status.phase");
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return cctl_fail(
			"cannot exec into a container in a completed pod; current phase is "
			"%s",
			phase);
	const char *cname = container && container[0] ? container : pick_container(pod);
	bool tty = want_tty && want_stdin && isatty(0);
	if (want_tty && !tty && !quiet)
		fputs("Unable to use a TTY - input is not a terminal or the right kind of file\n",
		      stderr);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/exec");
	for (int i = 1; i < n; i++)
		cctl_query(path, sizeof(path), "command", pos[i]);
	cctl_query(path, sizeof(path), "container", cname);
	if (want_stdin)
		cctl_query(path, sizeof(path), "stdin", "true");
	cctl_query(path, sizeof(path), "stdout", "true");
	if (!tty)
		cctl_query(path, sizeof(path), "stderr", "true");
	if (tty)
		cctl_query(path, sizeof(path), "tty", "true");

	char proto[64] = "";
	int fd = -1;
	cube_ws *ws = cctl_ws_open(c, path, "v5.channel.k8s.io, v4.channel.k8s.io", proto,
				   sizeof(proto), &fd);
	if (!ws)
		return 1;
	cube_err err = CUBE_ERR_INIT;
	pump_in in = {.ws = ws, .v5 = !strcmp(proto, "v5.channel.k8s.io")};
	struct termios saved;
	bool raw = false;
	if (tty && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
		signal(SIGWINCH, on_winch);
		send_size(ws);
	}
	pthread_t th;
	bool reader = want_stdin && pthread_create(&th, NULL, stdin_main, &in) == 0;
	int rc = 0; /* no Status and a clean close: success, as kubectl */
	for (;;) {
		if (winch) {
			winch = 0;
			send_size(ws);
		}
		cube_ws_msg m;
		int r = cube_ws_read(ws, &m, NULL, &err);
		if (r == 2)
			break;
		if (r < 0) {
			fprintf(stderr, "error: %s\n", err.msg);
			rc = 1;
			break;
		}
		if (m.len < 1)
			continue;
		if (m.data[0] == 1 || m.data[0] == 2) {
			FILE *out = m.data[0] == 1 ? stdout : stderr;
			fwrite(m.data + 1, 1, m.len - 1, out);
			fflush(out);
		} else if (m.data[0] == 3) {
			if (raw) {
				tcsetattr(0, TCSANOW, &saved);
				raw = false;
			}
			rc = status_exit(m.data + 1, m.len - 1);
		}
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	/* the stdin reader may still wait in read() (a cancellation point) */
	if (reader) {
		pthread_cancel(th);
		pthread_join(th, NULL);
	}
	cube_ws_free(ws);
	close(fd);
	return rc;
}
