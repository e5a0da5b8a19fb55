/* exec.h - `kubectl exec` on the node: the cubelet's exec endpoint and
 * the process it runs in a container.
 *
 *   GET /exec/<namespace>/<pod>/<container>?command=..&command=..
 *       &stdin=true&stdout=true&stderr=true&tty=true
 *   with a WebSocket upgrade offering v5.channel.k8s.io or
 *   v4.channel.k8s.io (the API server's pods/exec relays the client's
 *   upgrade here).
 *
 * After the 101, one thread per session moves bytes: binary messages
 * [0]+data from the client go to the process's stdin ([255, 0] closes
 * it, v5), [4]{"Width","Height"} resizes its terminal; its stdout and
 * stderr go out as [1]+data and [2]+data (only the streams asked for).
 * When the process has ended and its output is drained, the session
 * sends the Status on channel 3 (Success, or NonZeroExitCode with the
 * exit code as the cause, as Kubernetes' remotecommand does), a close
 * frame 1000, and ends. A client that goes away first gets its process
 * signalled (SIGTERM, forwarded by runc exec, then SIGKILL to runc). */
#ifndef CUBE_KUBELET_EXEC_H
#define CUBE_KUBELET_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "httpd.h"

/* What to run, and which streams the client wants. */
typedef struct exec_request {
	const char *const *argv; /* NULL-terminated, at least one word */
	bool in, out, err, tty;
} exec_request;

/* A started process: its pid and the parent's ends of its streams. With
 * tty, `out` is the terminal's master (read and written) and `in` is -1;
 * a stream not asked for is -1. */
typedef struct exec_proc {
	pid_t pid;
	int in, out, err;
	bool reaped; /* waited for already: wstatus holds how it ended */
	int wstatus;
} exec_proc;

/* Starts `runc --root runc_root exec [-t --console-socket S] id argv...`
 * with the streams of `req`. 0, or -1 with err. */
int exec_spawn_runc(const char *runc_root, const char *id, const exec_request *req, exec_proc *p,
		    cube_err *err);

/* Closes the process's streams and waits for it (unless reaped): its exit
 * code (128+N for a signal N), -1 if it cannot be waited for. */
int exec_wait(exec_proc *p);

/* The cubelet's route: true if it answered the request (a /exec/ path). */
bool exec_handle(void *ud, cube_httpd_req *req);

#endif
