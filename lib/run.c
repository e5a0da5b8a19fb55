/* run.c - running a program with input and captured output (run.h). */
#include "run.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int cube_run(const char *netns, const char *const *argv, const char *in, size_t in_len, char **out,
	     size_t *out_len, int *status, cube_err *err)
{
	const char *full[48];
	size_t n = 0;
	char nsarg[600];
	if (netns) {
		snprintf(nsarg, sizeof(nsarg), "--net=%s", netns);
		full[n++] = "nsenter";
		full[n++] = nsarg;
		full[n++] = "--";
	}
	for (size_t i = 0; argv[i] && n < 47; i++)
		full[n++] = argv[i];
	full[n] = NULL;

	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (pin[i] >= 0)
				close(pin[i]);
			if (pout[i] >= 0)
				close(pout[i]);
			if (perr[i] >= 0)
				close(perr[i]);
		}
		return cube_err_errno(err, e, "%s: pipe", argv[0]);
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, full[0], &fa, NULL, (char *const *)full, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (rc != 0) {
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		return cube_err_errno(err, rc, "%s: cannot run", full[0]);
	}
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (!in || !in_len) {
		close(pin[1]);
		pin[1] = -1;
	}
	cube_sb so = {0}, se = {0};
	size_t written = 0;
	char chunk[65536];
	while (pout[0] >= 0 || perr[0] >= 0 || pin[1] >= 0) {
		struct pollfd pf[3];
		int np = 0, iw = -1, io = -1, ie = -1;
		if (pin[1] >= 0) {
			pf[np] = (struct pollfd){.fd = pin[1], .events = POLLOUT};
			iw = np++;
		}
		if (pout[0] >= 0) {
			pf[np] = (struct pollfd){.fd = pout[0], .events = POLLIN};
			io = np++;
		}
		if (perr[0] >= 0) {
			pf[np] = (struct pollfd){.fd = perr[0], .events = POLLIN};
			ie = np++;
		}
		if (poll(pf, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (iw >= 0 && pf[iw].revents) {
			ssize_t w = write(pin[1], in + written, in_len - written);
			if (w > 0)
				written += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == in_len) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
		int fds[2] = {io, ie};
		int *pipes[2] = {&pout[0], &perr[0]};
		cube_sb *bufs[2] = {&so, &se};
		for (int k = 0; k < 2; k++) {
			if (fds[k] < 0 || !pf[fds[k]].revents)
				continue;
			ssize_t r = read(*pipes[k], chunk, sizeof(chunk));
			if (r > 0) {
				if (k == 0 && !out)
					continue;
				cube_sb_add(bufs[k], chunk, (size_t)r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(*pipes[k]);
				*pipes[k] = -1;
			}
		}
	}
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	if (status)
		*status = code;
	if (so.oom || se.oom) {
		free(so.p);
		free(se.p);
		return cube_err_set(err, CUBE_ENOMEM, "%s: out of memory", argv[0]);
	}
	if (code != 0) {
		char *msg = se.p ? se.p : (char *)"";
		size_t l = strlen(msg);
		while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			msg[--l] = '\0';
		cube_err_set(err, CUBE_EIO, "%s exited with status %d: %s", argv[0], code, msg);
		free(so.p);
		free(se.p);
		return -1;
	}
	free(se.p);
	if (out) {
		if (!so.p) {
			so.p = strdup("");
			if (!so.p)
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
		*out = so.p;
		if (out_len)
			*out_len = so.len;
	}
	return 0;
}
