/* websocket.c - RFC 6455 framing and handshakes (see websocket.h). */
#include "websocket.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsutil.h"
#include "http.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int cube_ws_accept_key(const char *key, char *out, size_t size)
{
	if (!key || size < 29)
		return -1;
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s" WS_GUID, key);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, 20); /* 28 characters and a NUL */
	return 0;
}

const char *cube_ws_pick_protocol(const char *offered, const char *const *supported)
{
	if (!offered)
		return NULL;
	for (size_t i = 0; supported[i]; i++) {
		size_t sl = strlen(supported[i]);
		for (const char *p = offered; *p;) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			const char *e = p;
			while (*e && *e != ',')
				e++;
			const char *t = e;
			while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			if ((size_t)(t - p) == sl && !strncmp(p, supported[i], sl))
				return supported[i];
			p = e;
		}
	}
	return NULL;
}

long cube_ws_parse(uint8_t *buf, size_t len, bool expect_masked, size_t max_payload,
		   cube_ws_frame *f, cube_err *err)
{
	if (len < 2)
		return 0;
	bool fin = buf[0] & 0x80;
	int op = buf[0] & 0x0F;
	if (buf[0] & 0x70)
		return cube_err_set(err, CUBE_EPROTO, "websocket: reserved bits set");
	if (!(op <= 2 || (op >= 8 && op <= 10)))
		return cube_err_set(err, CUBE_EPROTO, "websocket: unknown opcode %d", op);
	bool masked = buf[1] & 0x80;
	if (masked != expect_masked)
		return cube_err_set(err, CUBE_EPROTO, "websocket: a %s frame where %s expected",
				    masked ? "masked" : "unmasked",
				    expect_masked ? "masked frames are" : "none is");
	uint64_t plen = buf[1] & 0x7F;
	size_t off = 2;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		off = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		off = 10;
		if (plen >> 63)
			return cube_err_set(err, CUBE_EPROTO, "websocket: bad payload length");
	}
	if (op >= 8 && (!fin || plen > 125))
		return cube_err_set(err, CUBE_EPROTO,
				    "websocket: a control frame must be whole and short");
	if (plen > max_payload)
		return cube_err_set(err, CUBE_ETOOBIG,
				    "websocket: a frame of %llu bytes (limit %zu)",
				    (unsigned long long)plen, max_payload);
	uint8_t mask[4] = {0};
	if (masked) {
		if (len < off + 4)
			return 0;
		memcpy(mask, buf + off, 4);
		off += 4;
	}
	if (len - off < plen)
		return 0;
	uint8_t *p = buf + off;
	if (masked)
		for (uint64_t i = 0; i < plen; i++)
			p[i] ^= mask[i & 3];
	f->fin = fin;
	f->opcode = op;
	f->payload = p;
	f->len = (size_t)plen;
	return (long)(off + plen);
}

size_t cube_ws_header(uint8_t *hdr, bool fin, int opcode, uint64_t len, const uint8_t *mask)
{
	size_t n = 0;
	hdr[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
	uint8_t m = mask ? 0x80 : 0;
	if (len < 126) {
		hdr[n++] = (uint8_t)(m | len);
	} else if (len <= 0xFFFF) {
		hdr[n++] = m | 126;
		hdr[n++] = (uint8_t)(len >> 8);
		hdr[n++] = (uint8_t)len;
	} else {
		hdr[n++] = m | 127;
		for (int i = 7; i >= 0; i--)
			hdr[n++] = (uint8_t)(len >> (8 * i));
	}
	if (mask) {
		memcpy(hdr + n, mask, 4);
		n += 4;
	}
	return n;
}

/* ---- a connection ---------------------------------------------------------------------- */

struct cube_ws {
	int fd;
	bool client;
	pthread_mutex_t wmu; /* whole frames */
	bool close_sent;
	uint8_t *rbuf; /* bytes read, not yet parsed */
	size_t rlen, rcap;
	uint8_t *msg; /* the message being assembled (fragments) */
	size_t mlen, mcap;
	int mop; /* its opcode; 0 when none is open */
};

cube_ws *cube_ws_new(int fd, bool client, const void *pre, size_t pre_len)
{
	cube_ws *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return NULL;
	ws->fd = fd;
	ws->client = client;
	pthread_mutex_init(&ws->wmu, NULL);
	if (pre_len && cube_ws_feed(ws, pre, pre_len) < 0) {
		cube_ws_free(ws);
		return NULL;
	}
	return ws;
}

void cube_ws_free(cube_ws *ws)
{
	if (!ws)
		return;
	pthread_mutex_destroy(&ws->wmu);
	free(ws->rbuf);
	free(ws->msg);
	free(ws);
}

int cube_ws_fd(const cube_ws *ws)
{
	return ws->fd;
}

bool cube_ws_closing(const cube_ws *ws)
{
	return ws->close_sent;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 4096;
	while (c < need)
		c *= 2;
	uint8_t *nb = realloc(*buf, c);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = c;
	return 0;
}

int cube_ws_feed(cube_ws *ws, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (grow(&ws->rbuf, &ws->rcap, ws->rlen + len) < 0)
		return -1;
	memcpy(ws->rbuf + ws->rlen, data, len);
	ws->rlen += len;
	return 0;
}

long cube_ws_fill(cube_ws *ws)
{
	/* never let an unparsable backlog grow without bound */
	if (ws->rlen > CUBE_WS_MAX_MESSAGE + 64) {
		errno = EMSGSIZE;
		return -1;
	}
	if (grow(&ws->rbuf, &ws->rcap, ws->rlen + 16384) < 0)
		return -1;
	ssize_t n;
	do
		n = read(ws->fd, ws->rbuf + ws->rlen, ws->rcap - ws->rlen);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		ws->rlen += (size_t)n;
	return n;
}

static int write_frame(cube_ws *ws, int opcode, const uint8_t *pre, size_t pre_len,
		       const void *data, size_t len, cube_err *err)
{
	uint8_t mask[4], *mp = NULL;
	if (ws->client) {
		if (getrandom(mask, sizeof(mask), 0) != (ssize_t)sizeof(mask))
			memset(mask, 0x5A, sizeof(mask));
		mp = mask;
	}
	size_t total = pre_len + len;
	uint8_t *frame = malloc(14 + total);
	if (!frame)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	size_t h = cube_ws_header(frame, true, opcode, total, mp);
	if (pre_len)
		memcpy(frame + h, pre, pre_len);
	if (len)
		memcpy(frame + h + pre_len, data, len);
	if (mp)
		for (size_t i = 0; i < total; i++)
			frame[h + i] ^= mask[i & 3];
	pthread_mutex_lock(&ws->wmu);
	int rc = 0;
	if (ws->close_sent && opcode != CUBE_WS_CLOSE)
		rc = cube_err_set(err, CUBE_EIO, "websocket: the connection is closing");
	else if (opcode == CUBE_WS_CLOSE && ws->close_sent)
		rc = 0; /* once */
	else if (cube_write_all(ws->fd, frame, h + total) < 0)
		rc = cube_err_errno(err, errno, "websocket: write");
	else if (opcode == CUBE_WS_CLOSE)
		ws->close_sent = true;
	pthread_mutex_unlock(&ws->wmu);
	free(frame);
	return rc;
}

int cube_ws_write(cube_ws *ws, int opcode, const void *data, size_t len, cube_err *err)
{
	return write_frame(ws, opcode, NULL, 0, data, len, err);
}

int cube_ws_write_channel(cube_ws *ws, uint8_t channel, const void *data, size_t len, cube_err *err)
{
	return write_frame(ws, CUBE_WS_BINARY, &channel, 1, data, len, err);
}

int cube_ws_close(cube_ws *ws, uint16_t code, cube_err *err)
{
	uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
	return write_frame(ws, CUBE_WS_CLOSE, NULL, 0, p, 2, err);
}

void cube_ws_finish(cube_ws *ws, uint16_t code, int timeout_ms)
{
	cube_ws_close(ws, code, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t until = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_ms;
	for (;;) {
		cube_ws_msg m;
		int rc = cube_ws_next(ws, &m, NULL, NULL);
		if (rc == 2 || rc < 0)
			return;
		if (rc == 1)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t left = until - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		struct pollfd pfd = {.fd = ws->fd, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 || cube_ws_fill(ws) <= 0)
			return;
	}
}

static void consume(cube_ws *ws, size_t n)
{
	memmove(ws->rbuf, ws->rbuf + n, ws->rlen - n);
	ws->rlen -= n;
}

int cube_ws_next(cube_ws *ws, cube_ws_msg *m, int *close_code, cube_err *err)
{
	for (;;) {
		cube_ws_frame f;
		long used = cube_ws_parse(ws->rbuf, ws->rlen, !ws->client, CUBE_WS_MAX_MESSAGE, &f,
					  err);
		if (used <= 0)
			return (int)used;
		switch (f.opcode) {
		case CUBE_WS_PING: {
			uint8_t copy[125];
			size_t n = f.len;
			memcpy(copy, f.payload, n);
			consume(ws, (size_t)used);
			if (!ws->close_sent)
				write_frame(ws, CUBE_WS_PONG, NULL, 0, copy, n, NULL);
			continue;
		}
		case CUBE_WS_PONG:
			consume(ws, (size_t)used);
			continue;
		case CUBE_WS_CLOSE: {
			int code = f.len >= 2 ? (f.payload[0] << 8 | f.payload[1]) : 1005;
			consume(ws, (size_t)used);
			if (close_code)
				*close_code = code;
			cube_ws_close(ws, code == 1005 ? 1000 : (uint16_t)code, NULL);
			return 2;
		}
		default:
			break;
		}
		/* a data frame or a continuation */
		if (f.opcode == CUBE_WS_CONT ? !ws->mop : ws->mop != 0)
			return cube_err_set(
				err, CUBE_EPROTO,
				f.opcode == CUBE_WS_CONT
					? "websocket: a continuation with no message"
					: "websocket: a new message inside a fragmented one");
		if (f.opcode != CUBE_WS_CONT) {
			ws->mop = f.opcode;
			ws->mlen = 0;
		}
		if (ws->mlen + f.len > CUBE_WS_MAX_MESSAGE)
			return cube_err_set(err, CUBE_ETOOBIG, "websocket: a message over %u bytes",
					    CUBE_WS_MAX_MESSAGE);
		if (grow(&ws->msg, &ws->mcap, ws->mlen + f.len + 1) < 0)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		memcpy(ws->msg + ws->mlen, f.payload, f.len);
		ws->mlen += f.len;
		consume(ws, (size_t)used);
		if (!f.fin)
			continue;
		m->opcode = ws->mop;
		m->data = ws->msg;
		m->len = ws->mlen;
		ws->mop = 0;
		return 1;
	}
}

int cube_ws_read(cube_ws *ws, cube_ws_msg *m, int *close_code, cube_err *err)
{
	for (;;) {
		int rc = cube_ws_next(ws, m, close_code, err);
		if (rc != 0)
			return rc;
		long n = cube_ws_fill(ws);
		if (n == 0)
			return cube_err_set(err, CUBE_EIO, "websocket: connection closed");
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = {.fd = ws->fd, .events = POLLIN};
				poll(&pfd, 1, -1);
				continue;
			}
			return cube_err_errno(err, errno, "websocket: read");
		}
	}
}

/* ---- the client's handshake ---------------------------------------------------------------- */

cube_ws *cube_ws_client_handshake(int fd, const char *host, const char *target,
				  const char *protocols, const char *const *headers, char *proto,
				  size_t proto_size, cube_ws_refusal *refused, cube_err *err)
{
	if (refused)
		*refused = (cube_ws_refusal){0};
	uint8_t raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		cube_err_errno(err, errno, "getrandom");
		return NULL;
	}
	char key[32], want[32];
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	cube_ws_accept_key(key, want, sizeof(want));
	char *req = NULL;
	size_t rl = 0;
	FILE *m = open_memstream(&req, &rl);
	if (!m) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	fprintf(m,
		"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
		target, host, key);
	if (protocols && protocols[0])
		fprintf(m, "Sec-WebSocket-Protocol: %s\r\n", protocols);
	for (size_t i = 0; headers && headers[i]; i++)
		fprintf(m, "%s\r\n", headers[i]);
	fputs("\r\n", m);
	fclose(m);
	int wrc = cube_write_all(fd, req, rl);
	free(req);
	if (wrc < 0) {
		cube_err_errno(err, errno, "websocket handshake: write");
		return NULL;
	}
	/* the answer's head, then what follows */
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap + 1);
	char *end = NULL;
	while (buf && !end) {
		if (len == cap) {
			cube_err_set(err, CUBE_EPROTO,
				     "websocket handshake: an answer head over %zu bytes", cap);
			goto fail;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				cube_err_set(
					err, CUBE_EIO,
					"websocket handshake: the server closed the connection");
			else
				cube_err_errno(err, errno, "websocket handshake: read");
			goto fail;
		}
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!buf) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	size_t head_len = (size_t)(end - buf) + 4;
	end[2] = '\0'; /* keep the last header's CRLF for head_value */
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		cube_err_set(err, CUBE_EPROTO, "websocket handshake: not an HTTP answer");
		goto fail;
	}
	if (status != 101) {
		/* the body: Content-Length bytes, or up to EOF */
		char cl[32] = "";
		long want_len =
			cube_http_head_value(buf, "Content-Length", cl, sizeof(cl)) ? atol(cl) : -1;
		size_t have = len - head_len;
		char *body = malloc(have + 1);
		if (body) {
			memcpy(body, buf + head_len, have);
			while (want_len < 0 || (long)have < want_len) {
				if (have > (1u << 20))
					break;
				char *nb = realloc(body, have + 4096 + 1);
				if (!nb)
					break;
				body = nb;
				ssize_t n = read(fd, body + have, 4096);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				have += (size_t)n;
			}
			body[have] = '\0';
		}
		cube_err_set(err, CUBE_EPROTO,
			     "the server answered %d instead of switching protocols", status);
		if (refused) {
			refused->status = status;
			refused->body = body;
		} else {
			free(body);
		}
		goto fail;
	}
	char accept[64] = "";
	if (!cube_http_head_value(buf, "Sec-WebSocket-Accept", accept, sizeof(accept)) ||
	    strcmp(accept, want)) {
		cube_err_set(err, CUBE_EPROTO, "websocket handshake: a wrong Sec-WebSocket-Accept");
		goto fail;
	}
	if (proto && proto_size) {
		proto[0] = '\0';
		cube_http_head_value(buf, "Sec-WebSocket-Protocol", proto, proto_size);
	}
	cube_ws *ws = cube_ws_new(fd, true, buf + head_len, len - head_len);
	free(buf);
	if (!ws)
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return ws;
fail:
	free(buf);
	return NULL;
}

/* ---- the server's side ---- */

bool cube_ws_requested(cube_httpd_req *r)
{
	const char *up = cube_httpd_header(r, "Upgrade");
	return up && strcasestr(up, "websocket") && cube_httpd_header(r, "Sec-WebSocket-Key");
}

const char *cube_ws_negotiate(cube_httpd_req *r, const char *const *supported, const char *what)
{
	if (!cube_ws_requested(r)) {
		cube_httpd_respond_status(r, 400, "BadRequest", NULL,
					  "Upgrade request required (cube's %s speaks WebSocket)",
					  what);
		return NULL;
	}
	const char *p =
		cube_ws_pick_protocol(cube_httpd_header(r, "Sec-WebSocket-Protocol"), supported);
	if (!p) {
		char list[512] = "";
		for (size_t i = 0; supported[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", supported[i]);
		cube_httpd_respond_status(
			r, 400, "BadRequest", NULL,
			"unable to upgrade: no supported subprotocol offered (%s)", list);
	}
	return p;
}

typedef struct served {
	cube_ws_session_fn run;
	void (*done)(void *ud);
	void *ud;
} served;

static void served_main(void *ud, int fd, const char *extra, size_t extra_len)
{
	served *s = ud;
	cube_ws *ws = cube_ws_new(fd, false, extra, extra_len);
	if (ws) {
		s->run(s->ud, ws);
		cube_ws_finish(ws, 1000, 2000); /* and the client's close, briefly */
	}
	s->done(s->ud);
	cube_ws_free(ws);
	free(s);
}

static void served_drop(void *ud)
{
	served *s = ud;
	s->done(s->ud);
	free(s);
}

int cube_ws_serve(cube_httpd_req *r, const char *proto, cube_ws_session_fn run,
		  void (*done)(void *ud), void *ud)
{
	char accept[32];
	served *s = calloc(1, sizeof(*s));
	if (s &&
	    cube_ws_accept_key(cube_httpd_header(r, "Sec-WebSocket-Key"), accept, sizeof(accept)) ==
		    0 &&
	    cube_httpd_add_header(r, "Sec-WebSocket-Accept", accept) == 0 &&
	    (!proto || cube_httpd_add_header(r, "Sec-WebSocket-Protocol", proto) == 0)) {
		*s = (served){.run = run, .done = done, .ud = ud};
		if (cube_httpd_respond_upgrade(r, "websocket", served_main, served_drop, s) == 0)
			return 0;
	}
	free(s);
	done(ud);
	if (!cube_httpd_status(r))
		cube_httpd_respond_status(r, 400, "BadRequest", NULL, "a bad WebSocket handshake");
	return -1;
}
