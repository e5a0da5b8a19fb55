/* logs.c - the cubelet's log endpoint, as the kubelet serves it:
 *
 *   GET /containerLogs/<namespace>/<pod>/<container>
 *       ?follow=true     keep sending what the container writes until it ends
 *       &tailLines=N     only the last N lines
 *       &timestamps=true each line prefixed with its RFC 3339 time
 *       &previous=true   the attempt before the current one
 *       &limitBytes=N    at most N bytes
 *
 * The runtime names the CRI log file of the attempt (runtime op
 * log_file); this file turns its lines ("<time> <stream> <F|P> <text>")
 * back into what the container wrote.  A follow is a stream fed by a thread
 * of its own that polls the file, so the server's loop never blocks on it;
 * it ends when the attempt has (its exit record appears, or its bundle
 * directory goes).  A log rotated by size (logrotate.h) is read piece by
 * piece, oldest first; a follow goes on into the new file after a
 * rotation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubelet.h"
#include "log.h"
#include "logrotate.h"
#include "obj.h"
#include "oci.h"

typedef struct log_opts {
	bool timestamps;
	long tail;  /* -1: all */
	long limit; /* -1: none */
} log_opts;

/* Appends the container's text of the CRI lines in buf[0..len) to out
 * (at most *budget bytes when *budget >= 0); returns how many bytes of buf
 * were whole lines (the rest waits for more). */
static size_t render(const char *buf, size_t len, const log_opts *o, FILE *out, long *budget)
{
	size_t used = 0;
	while (used < len) {
		const char *line = buf + used;
		const char *nl = memchr(line, '\n', len - used);
		if (!nl)
			break;
		used = (size_t)(nl - buf) + 1;
		/* <time> <stream> <tag> <text> */
		const char *sp1 = memchr(line, ' ', (size_t)(nl - line));
		const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
		if (!sp2 || sp2 + 2 > nl)
			continue;
		char tag = sp2[1];
		const char *text = sp2 + 3 <= nl ? sp2 + 3 : nl;
		size_t n = (size_t)(nl - text);
		char piece[64];
		size_t pl = 0;
		if (o->timestamps) {
			pl = (size_t)snprintf(piece, sizeof(piece), "%.*s ", (int)(sp1 - line),
					      line);
			if (pl >= sizeof(piece))
				pl = sizeof(piece) - 1;
		}
		const char *parts[3] = {piece, text, tag == 'F' ? "\n" : ""};
		size_t lens[3] = {pl, n, tag == 'F' ? 1 : 0};
		for (int i = 0; i < 3; i++) {
			size_t w = lens[i];
			if (*budget >= 0 && (long)w > *budget)
				w = (size_t)*budget;
			fwrite(parts[i], 1, w, out);
			if (*budget >= 0)
				*budget -= (long)w;
		}
	}
	return used;
}

/* Where the last `tail` whole lines (F entries) of buf begin. */
static size_t tail_start(const char *buf, size_t len, long tail)
{
	if (tail < 0)
		return 0;
	long seen = 0;
	size_t i = len;
	while (i > 0) {
		/* the line ending at i-1 begins after the previous '\n' */
		size_t end = i - 1, start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		const char *sp1 = memchr(buf + start, ' ', end - start);
		const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(buf + end - sp1 - 1)) : NULL;
		if (sp2 && sp2[1] == 'F') {
			if (seen == tail)
				return i;
			seen++;
		}
		i = start;
	}
	return 0;
}

/* Appends what is left of `in` to m. */
static void copy_rest(FILE *in, FILE *m)
{
	char chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, r, m);
}

/* A container's whole log: its rotated pieces, oldest first, then the
 * current file (the pieces are listed after the current file is open, and
 * a piece that is that file renamed meanwhile is not read twice).  With
 * cur, the current file stays open there (at its end) and *ino is its
 * inode.  NULL when the current file cannot be read. */
static char *collect(const char *path, size_t *len, FILE **cur, ino_t *ino)
{
	FILE *in = fopen(path, "r");
	struct stat st;
	if (!in && errno == ENOENT) {
		usleep(20 * 1000); /* a rotation renames the file and opens a new one */
		in = fopen(path, "r");
	}
	if (!in)
		return NULL;
	if (fstat(fileno(in), &st) < 0) {
		fclose(in);
		return NULL;
	}
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char **pieces = logrotate_pieces(path);
	for (size_t i = 0; m && pieces && pieces[i]; i++) {
		FILE *p = fopen(pieces[i], "r");
		struct stat ps;
		if (p && fstat(fileno(p), &ps) == 0 && ps.st_ino != st.st_ino)
			copy_rest(p, m);
		if (p)
			fclose(p);
	}
	cube_oci_strv_free(pieces);
	if (m) {
		copy_rest(in, m);
		fclose(m);
	}
	clearerr(in);
	if (cur) {
		*cur = in;
		*ino = st.st_ino;
	} else {
		fclose(in);
	}
	*len = n;
	return buf;
}

/* ---- follow ---- */

typedef struct follower {
	cubelet *k;
	cube_httpd_stream *s;
	char path[2048];
	char done[2048]; /* exists once the attempt ended ("" : ended already) */
	log_opts o;
	long budget;
	char chunk[65536]; /* read, not yet whole lines */
	size_t have;
} follower;

/* The attempt has ended: its marker exists, or its directory is gone
 * (the runtime cleaned up after the end). */
static bool ended(const char *done)
{
	if (!done[0] || access(done, F_OK) == 0)
		return true;
	char dir[2048];
	snprintf(dir, sizeof(dir), "%s", done);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return access(dir, F_OK) < 0;
}

/* Sends the whole lines of buf[0..len); returns how many bytes were whole
 * lines, or -1 once the stream is closed or the byte budget is spent. */
static long send_lines(follower *f, const char *buf, size_t len)
{
	char *out = NULL;
	size_t ol = 0;
	FILE *m = open_memstream(&out, &ol);
	if (!m)
		return -1;
	size_t used = render(buf, len, &f->o, m, &f->budget);
	fclose(m);
	int rc = ol ? cube_httpd_stream_write(f->s, out, ol) : 0;
	free(out);
	return rc < 0 || f->budget == 0 ? -1 : (long)used;
}

/* Sends what `in` has until its end: the bytes read, or -1 (stop). */
static long feed(follower *f, FILE *in)
{
	long total = 0;
	for (;;) {
		size_t r = fread(f->chunk + f->have, 1, sizeof(f->chunk) - f->have, in);
		clearerr(in);
		if (r == 0)
			return total;
		total += (long)r;
		f->have += r;
		long used = send_lines(f, f->chunk, f->have);
		if (used < 0)
			return -1;
		if (used == 0 && f->have == sizeof(f->chunk))
			used = (long)f->have; /* a line longer than the buffer: dropped */
		memmove(f->chunk, f->chunk + used, f->have - (size_t)used);
		f->have -= (size_t)used;
	}
}

/* The current file was rotated away from `*in` (inode *ino): the pieces
 * made after it, then the new current file. */
static int follow_rotation(follower *f, FILE **in, ino_t *ino)
{
	char **pieces = logrotate_pieces(f->path);
	bool after = false;
	int rc = 0;
	for (size_t i = 0; rc == 0 && pieces && pieces[i]; i++) {
		struct stat ps;
		if (stat(pieces[i], &ps) < 0)
			continue;
		if (ps.st_ino == *ino) {
			after = true;
			continue;
		}
		FILE *p = after ? fopen(pieces[i], "r") : NULL;
		if (p) {
			rc = feed(f, p) < 0 ? -1 : 0;
			fclose(p);
		}
	}
	cube_oci_strv_free(pieces);
	FILE *next = fopen(f->path, "r");
	struct stat st;
	if (!next || fstat(fileno(next), &st) < 0) {
		if (next)
			fclose(next);
		return rc; /* not there yet: the old file is watched a while longer */
	}
	fclose(*in);
	*in = next;
	*ino = st.st_ino;
	return rc;
}

static void *follow_main(void *arg)
{
	follower *f = arg;
	size_t len = 0;
	FILE *in = NULL;
	ino_t ino = 0;
	char *all = collect(f->path, &len, &in, &ino);
	size_t off = tail_start(all ? all : "", len, f->o.tail);
	long used = send_lines(f, all ? all + off : "", len - off);
	if (all && used >= 0 && len - off - (size_t)used <= sizeof(f->chunk)) {
		/* a partial last line waits for the rest */
		f->have = len - off - (size_t)used;
		memcpy(f->chunk, all + off + used, f->have);
	}
	free(all);
	int idle_after_done = 0;
	while (used >= 0 && in && !cube_httpd_stream_closed(f->s) && !atomic_load(&f->k->stop)) {
		long r = feed(f, in);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		struct stat st;
		if (stat(f->path, &st) == 0 && st.st_ino != ino) {
			if (follow_rotation(f, &in, &ino) < 0)
				break;
			if (st.st_ino == ino)
				continue;
		}
		/* the attempt ended and the file has no more: done (after a last
		 * look, as the shim flushes before it records the end) */
		if (ended(f->done) && ++idle_after_done > 2)
			break;
		usleep(100 * 1000);
	}
	if (in)
		fclose(in);
	cube_httpd_stream_end(f->s);
	cube_httpd_stream_unref(f->s);
	atomic_fetch_sub(&f->k->log_followers, 1);
	free(f);
	return NULL;
}

/* ---- the handler ---- */

static long query_long(cube_httpd_req *req, const char *name, bool *bad)
{
	const char *v = cube_httpd_query(req, name);
	if (!v)
		return -1;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!v[0] || *end || errno || n < 0) {
		*bad = true;
		return -1;
	}
	return n;
}

bool logs_handle(void *ud, cube_httpd_req *req)
{
	cubelet *k = ud;
	const char *path = cube_httpd_path(req);
	static const char prefix[] = "/containerLogs/";
	if (strncmp(path, prefix, sizeof(prefix) - 1))
		return false;
	if (strcmp(cube_httpd_method(req), "GET")) {
		cube_httpd_respond_status(req, 405, "MethodNotAllowed", NULL,
					  "the server does not allow this method");
		return true;
	}
	bool bad = false;
	log_opts o = {.timestamps = cube_httpd_query_bool(req, "timestamps"),
		      .tail = query_long(req, "tailLines", &bad),
		      .limit = query_long(req, "limitBytes", &bad)};
	if (bad) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "tailLines and limitBytes must be non-negative integers");
		return true;
	}
	bool follow = cube_httpd_query_bool(req, "follow");
	bool previous = cube_httpd_query_bool(req, "previous");
	char cname[256];
	cube_robj *o_pod = cubelet_route_pod(k, req, prefix, cname, sizeof(cname));
	if (!o_pod)
		return true;
	const cJSON *pod = o_pod->json;
	const char *node = cube_json_str(pod, "spec.nodeName");
	kubelet_node *n = node ? cube_strmap_get(k->by_name, node) : NULL;
	char file[2048], done[2048];
	cube_err err = CUBE_ERR_INIT;
	if (!n || !k->rt->log_file) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "the %s runtime keeps no container logs", k->rt->name);
	} else if (k->rt->log_file(n, pod, cname, previous, file, sizeof(file), done, sizeof(done),
				   &err) < 0) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL, "%s", err.msg);
	} else if (!follow) {
		size_t len = 0;
		char *all = collect(file, &len, NULL, NULL);
		size_t off = tail_start(all ? all : "", len, o.tail);
		char *body = NULL;
		size_t bl = 0;
		FILE *m = open_memstream(&body, &bl);
		long budget = o.limit;
		render(all ? all + off : "", len - off, &o, m, &budget);
		fclose(m);
		free(all);
		cube_httpd_respond(req, 200, "text/plain", body, bl);
	} else {
		follower *f = calloc(1, sizeof(*f));
		pthread_t th;
		if (!f) {
			cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
		} else {
			f->k = k;
			f->o = o;
			f->budget = o.limit;
			snprintf(f->path, sizeof(f->path), "%s", file);
			snprintf(f->done, sizeof(f->done), "%s", done);
			f->s = cube_httpd_stream_start(req, 200, "text/plain", NULL, NULL);
			atomic_fetch_add(&k->log_followers, 1);
			if (!f->s || pthread_create(&th, NULL, follow_main, f) != 0) {
				atomic_fetch_sub(&k->log_followers, 1);
				cube_httpd_stream_end(f->s);
				cube_httpd_stream_unref(f->s);
				free(f);
			} else {
				pthread_detach(th);
			}
		}
	}
	cube_robj_unref(o_pod);
	return true;
}
