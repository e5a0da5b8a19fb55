/* spdy.c - SPDY/3.1 framing and header compression (see spdy.h). */
#include "spdy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

/* SPDY/3's zlib dictionary (draft 3, section 2.6.10.1): 1423 bytes. */
static const char dictionary[] =
	"\x00\x00\x00\x07options\x00\x00\x00\x04head\x00\x00\x00\x04post\x00\x00\x00\x03put\x00"
	"\x00\x00\x06"
	"delete\x00\x00\x00\x05trace\x00\x00\x00\x06"
	"accept\x00\x00\x00\x0e"
	"a"
	"ccept-charset\x00\x00\x00\x0f"
	"accept-encoding\x00\x00\x00\x0f"
	"accept-language\x00"
	"\x00\x00\x0d"
	"accept-ranges\x00\x00\x00\x03"
	"age\x00\x00\x00\x05"
	"allow\x00\x00\x00"
	"\x0d"
	"authorization\x00\x00\x00\x0d"
	"cache-control\x00\x00\x00\x0a"
	"connection\x00"
	"\x00\x00\x0c"
	"content-base\x00\x00\x00\x10"
	"content-encoding\x00\x00\x00\x10"
	"con"
	"tent-language\x00\x00\x00\x0e"
	"content-length\x00\x00\x00\x10"
	"content-location\x00"
	"\x00\x00\x0b"
	"content-md5\x00\x00\x00\x0d"
	"content-range\x00\x00\x00\x0c"
	"content"
	"-type\x00\x00\x00\x04"
	"date\x00\x00\x00\x04"
	"etag\x00\x00\x00\x06"
	"expect\x00\x00"
	"\x00\x07"
	"expires\x00\x00\x00\x04"
	"from\x00\x00\x00\x04host\x00\x00\x00\x08if-matc"
	"h\x00\x00\x00\x11if-modified-since\x00\x00\x00\x0dif-none-match\x00\x00\x00\x08if-ra"
	"nge\x00\x00\x00\x13if-unmodified-since\x00\x00\x00\x0dlast-modified\x00\x00\x00\x08l"
	"ocation\x00\x00\x00\x0cmax-forwards\x00\x00\x00\x06pragma\x00\x00\x00\x12proxy-authe"
	"nticate\x00\x00\x00\x13proxy-authorization\x00\x00\x00\x05range\x00\x00\x00\x07refer"
	"er\x00\x00\x00\x0bretry-after\x00\x00\x00\x06server\x00\x00\x00\x02te\x00\x00\x00\x07"
	"trailer\x00\x00\x00\x11transfer-encoding\x00\x00\x00\x07upgrade\x00\x00\x00\x0auser-"
	"agent\x00\x00\x00\x04vary\x00\x00\x00\x03via\x00\x00\x00\x07warning\x00\x00\x00\x10w"
	"ww-authenticate\x00\x00\x00\x06method\x00\x00\x00\x03get\x00\x00\x00\x06status\x00\x00"
	"\x00\x06"
	"200 OK\x00\x00\x00\x07version\x00\x00\x00\x08HTTP/1.1\x00\x00\x00\x03url\x00"
	"\x00\x00\x06public\x00\x00\x00\x0aset-cookie\x00\x00\x00\x0akeep-alive\x00\x00\x00\x06"
	"origin100101201202205206300302303304305306307402405406407408409410411412413414415416"
	"417502504505203 Non-Authoritative Information204 No Content301 Moved Permanently400 "
	"Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 No"
	"t Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec"
	" 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jp"
	"g,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicp"
	"rivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

#define DICT_LEN (sizeof(dictionary) - 1) /* without the literal's NUL */
#define MAX_HEADERS 256
#define MAX_HEADER_BLOCK (256u << 10) /* inflated */

struct cube_spdy {
	cube_spdy_write_fn write;
	void *ud;
	pthread_mutex_t mu; /* frames whole, the deflater in order */
	z_stream in, out;
	bool in_ok, out_ok;
	uint8_t *rbuf; /* fed, not yet parsed */
	size_t rlen, rcap;
	size_t consumed; /* the frame handed out last, dropped at the next call */
	uint8_t *hbuf;	 /* the last inflated header block */
	size_t hcap;
	cube_spdy_header headers[MAX_HEADERS];
	size_t n_headers;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

cube_spdy *cube_spdy_new(cube_spdy_write_fn write, void *ud)
{
	cube_spdy *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->write = write;
	s->ud = ud;
	pthread_mutex_init(&s->mu, NULL);
	s->in_ok = inflateInit(&s->in) == Z_OK;
	s->out_ok = deflateInit(&s->out, Z_DEFAULT_COMPRESSION) == Z_OK &&
		    deflateSetDictionary(&s->out, (const Bytef *)dictionary, DICT_LEN) == Z_OK;
	if (!s->in_ok || !s->out_ok) {
		cube_spdy_free(s);
		return NULL;
	}
	return s;
}

static void clear_headers(cube_spdy *s)
{
	for (size_t i = 0; i < s->n_headers; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
	}
	s->n_headers = 0;
}

void cube_spdy_free(cube_spdy *s)
{
	if (!s)
		return;
	if (s->in_ok)
		inflateEnd(&s->in);
	if (s->out_ok)
		deflateEnd(&s->out);
	clear_headers(s);
	pthread_mutex_destroy(&s->mu);
	free(s->rbuf);
	free(s->hbuf);
	free(s);
}

int cube_spdy_feed(cube_spdy *s, const void *data, size_t len)
{
	if (!len)
		return 0;
	if (s->consumed) {
		memmove(s->rbuf, s->rbuf + s->consumed, s->rlen - s->consumed);
		s->rlen -= s->consumed;
		s->consumed = 0;
	}
	if (s->rlen + len > s->rcap) {
		size_t c = s->rcap ? s->rcap : 4096;
		while (c < s->rlen + len)
			c *= 2;
		uint8_t *nb = realloc(s->rbuf, c);
		if (!nb)
			return -1;
		s->rbuf = nb;
		s->rcap = c;
	}
	memcpy(s->rbuf + s->rlen, data, len);
	s->rlen += len;
	return 0;
}

/* Inflates a header block into hbuf; its length, or -1. */
static long inflate_block(cube_spdy *s, const uint8_t *p, size_t len, cube_err *err)
{
	s->in.next_in = (Bytef *)p;
	s->in.avail_in = (uInt)len;
	size_t have = 0;
	for (;;) {
		if (have == s->hcap) {
			size_t c = s->hcap ? s->hcap * 2 : 4096;
			if (c > MAX_HEADER_BLOCK) {
				cube_err_set(err, CUBE_EINVAL, "a SPDY header block over %u bytes",
					     MAX_HEADER_BLOCK);
				return -1;
			}
			uint8_t *nb = realloc(s->hbuf, c);
			if (!nb) {
				cube_err_set(err, CUBE_ENOMEM, "out of memory");
				return -1;
			}
			s->hbuf = nb;
			s->hcap = c;
		}
		s->in.next_out = s->hbuf + have;
		s->in.avail_out = (uInt)(s->hcap - have);
		int rc = inflate(&s->in, Z_SYNC_FLUSH);
		have = s->hcap - s->in.avail_out;
		if (rc == Z_NEED_DICT) {
			if (inflateSetDictionary(&s->in, (const Bytef *)dictionary, DICT_LEN) !=
			    Z_OK) {
				cube_err_set(err, CUBE_EINVAL,
					     "a SPDY header block with another "
					     "dictionary");
				return -1;
			}
			continue;
		}
		if (rc == Z_BUF_ERROR && s->in.avail_in == 0)
			return (long)have; /* all of it inflated */
		if (rc != Z_OK) {
			cube_err_set(err, CUBE_EINVAL, "a SPDY header block does not inflate: %s",
				     s->in.msg ? s->in.msg : "zlib error");
			return -1;
		}
		if (s->in.avail_in == 0 && s->in.avail_out != 0)
			return (long)have;
	}
}

/* Parses an inflated block into s->headers. */
static int parse_block(cube_spdy *s, const uint8_t *p, size_t len, cube_err *err)
{
	clear_headers(s);
	if (len < 4)
		return cube_err_set(err, CUBE_EINVAL, "a short SPDY header block");
	uint32_t n = get32(p);
	size_t off = 4;
	if (n > MAX_HEADERS)
		return cube_err_set(err, CUBE_EINVAL, "%u SPDY headers: too many", n);
	for (uint32_t i = 0; i < n; i++) {
		char *kv[2] = {NULL, NULL};
		for (int k = 0; k < 2; k++) {
			if (len - off < 4 || get32(p + off) > len - off - 4) {
				free(kv[0]);
				return cube_err_set(err, CUBE_EINVAL,
						    "a truncated SPDY header block");
			}
			uint32_t l = get32(p + off);
			off += 4;
			/* not strndup: the block is not a string (no NUL) */
			kv[k] = malloc((size_t)l + 1);
			if (kv[k]) {
				memcpy(kv[k], p + off, l);
				kv[k][l] = '\0';
			}
			if (!kv[k]) {
				free(kv[0]);
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			}
			off += l;
		}
		s->headers[s->n_headers++] = (cube_spdy_header){.name = kv[0], .value = kv[1]};
	}
	return 0;
}

int cube_spdy_next(cube_spdy *s, cube_spdy_frame *f, cube_err *err)
{
	for (;;) {
		if (s->consumed) {
			memmove(s->rbuf, s->rbuf + s->consumed, s->rlen - s->consumed);
			s->rlen -= s->consumed;
			s->consumed = 0;
		}
		if (s->rlen < 8)
			return 0;
		const uint8_t *p = s->rbuf;
		size_t len = get32(p + 4) & 0xffffff;
		if (len > CUBE_SPDY_MAX_FRAME)
			return cube_err_set(err, CUBE_EINVAL, "a SPDY frame of %zu bytes", len);
		if (s->rlen < 8 + len)
			return 0;
		*f = (cube_spdy_frame){.flags = p[4]};
		const uint8_t *d = p + 8;
		s->consumed = 8 + len;
		if (!(p[0] & 0x80)) {
			f->type = CUBE_SPDY_DATA;
			f->stream = get32(p) & 0x7fffffff;
			f->data = d;
			f->len = len;
			return 1;
		}
		int version = (p[0] & 0x7f) << 8 | p[1];
		if (version != 3)
			return cube_err_set(err, CUBE_EINVAL, "SPDY version %d (3 is spoken)",
					    version);
		f->type = p[2] << 8 | p[3];
		size_t need = 0, block = 0; /* fixed part; where a header block starts */
		switch (f->type) {
		case CUBE_SPDY_SYN_STREAM:
			need = block = 10;
			break;
		case CUBE_SPDY_SYN_REPLY:
		case CUBE_SPDY_HEADERS:
			need = block = 4;
			break;
		case CUBE_SPDY_RST_STREAM:
		case CUBE_SPDY_GOAWAY:
		case CUBE_SPDY_WINDOW_UPDATE:
			need = 8;
			break;
		case CUBE_SPDY_PING:
		case CUBE_SPDY_SETTINGS:
			need = 4;
			break;
		default:
			continue; /* an unknown control frame is ignored */
		}
		if (len < need)
			return cube_err_set(err, CUBE_EINVAL,
					    "a short SPDY control frame (type %d)", f->type);
		if (f->type == CUBE_SPDY_PING) {
			f->value = get32(d);
		} else if (f->type == CUBE_SPDY_GOAWAY) {
			f->stream = get32(d) & 0x7fffffff;
			f->value = get32(d + 4);
		} else if (f->type != CUBE_SPDY_SETTINGS) {
			f->stream = get32(d) & 0x7fffffff;
			if (f->type == CUBE_SPDY_RST_STREAM || f->type == CUBE_SPDY_WINDOW_UPDATE)
				f->value = get32(d + 4) &
					   (f->type == CUBE_SPDY_WINDOW_UPDATE ? 0x7fffffff
									       : 0xffffffff);
		}
		if (block) {
			long n = inflate_block(s, d + block, len - block, err);
			if (n < 0 || parse_block(s, s->hbuf, (size_t)n, err) < 0)
				return -1;
			f->headers = s->headers;
			f->n_headers = s->n_headers;
		}
		return 1;
	}
}

const char *cube_spdy_frame_header(const cube_spdy_frame *f, const char *name)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (!strcasecmp(f->headers[i].name, name))
			return f->headers[i].value;
	return NULL;
}

/* ---- sending ---- */

static void frame_head(uint8_t *h, bool control, uint32_t type_or_stream, uint8_t flags, size_t len)
{
	if (control) {
		h[0] = 0x80;
		h[1] = 3;
		h[2] = (uint8_t)(type_or_stream >> 8);
		h[3] = (uint8_t)type_or_stream;
	} else {
		put32(h, type_or_stream & 0x7fffffff);
	}
	put32(h + 4, (uint32_t)len);
	h[4] = flags;
}

static int send_locked(cube_spdy *s, const uint8_t *data, size_t len)
{
	return s->write(s->ud, data, len);
}

int cube_spdy_send_data(cube_spdy *s, uint32_t stream, uint8_t flags, const void *data, size_t len)
{
	if (len > 0xffffff)
		return -1;
	uint8_t *frame = malloc(8 + len);
	if (!frame)
		return -1;
	frame_head(frame, false, stream, flags, len);
	if (len)
		memcpy(frame + 8, data, len);
	pthread_mutex_lock(&s->mu);
	int rc = send_locked(s, frame, 8 + len);
	pthread_mutex_unlock(&s->mu);
	free(frame);
	return rc;
}

/* A control frame with `fixed` bytes, then (with headers) a block. */
static int send_headers(cube_spdy *s, int type, uint8_t flags, const uint8_t *fixed,
			size_t fixed_len, const cube_spdy_header *h, size_t n)
{
	size_t raw_len = 4;
	for (size_t i = 0; i < n; i++)
		raw_len += 8 + strlen(h[i].name) + strlen(h[i].value);
	uint8_t *raw = malloc(raw_len);
	if (!raw)
		return -1;
	put32(raw, (uint32_t)n);
	size_t off = 4;
	for (size_t i = 0; i < n; i++) {
		const char *kv[2] = {h[i].name, h[i].value};
		for (int k = 0; k < 2; k++) {
			size_t l = strlen(kv[k]);
			put32(raw + off, (uint32_t)l);
			memcpy(raw + off + 4, kv[k], l);
			off += 4 + l;
		}
	}
	pthread_mutex_lock(&s->mu);
	size_t cap = 8 + fixed_len + raw_len + raw_len / 2 + 64;
	uint8_t *frame = malloc(cap);
	int rc = -1;
	if (frame) {
		memcpy(frame + 8, fixed, fixed_len);
		s->out.next_in = raw;
		s->out.avail_in = (uInt)raw_len;
		size_t have = 8 + fixed_len;
		for (;;) {
			s->out.next_out = frame + have;
			s->out.avail_out = (uInt)(cap - have);
			int zr = deflate(&s->out, Z_SYNC_FLUSH);
			have = cap - s->out.avail_out;
			if (zr != Z_OK && zr != Z_BUF_ERROR)
				break;
			if (s->out.avail_out != 0) {
				frame_head(frame, true, (uint32_t)type, flags, have - 8);
				rc = send_locked(s, frame, have);
				break;
			}
			uint8_t *nb = realloc(frame, cap * 2);
			if (!nb)
				break;
			frame = nb;
			cap *= 2;
		}
	}
	pthread_mutex_unlock(&s->mu);
	free(frame);
	free(raw);
	return rc;
}

int cube_spdy_send_syn_stream(cube_spdy *s, uint32_t stream, uint8_t flags,
			      const cube_spdy_header *h, size_t n)
{
	uint8_t fixed[10] = {0};
	put32(fixed, stream & 0x7fffffff);
	return send_headers(s, CUBE_SPDY_SYN_STREAM, flags, fixed, sizeof(fixed), h, n);
}

int cube_spdy_send_syn_reply(cube_spdy *s, uint32_t stream, uint8_t flags,
			     const cube_spdy_header *h, size_t n)
{
	uint8_t fixed[4];
	put32(fixed, stream & 0x7fffffff);
	return send_headers(s, CUBE_SPDY_SYN_REPLY, flags, fixed, sizeof(fixed), h, n);
}

static int send_fixed(cube_spdy *s, int type, const uint8_t *body, size_t len)
{
	uint8_t frame[16];
	frame_head(frame, true, (uint32_t)type, 0, len);
	memcpy(frame + 8, body, len);
	pthread_mutex_lock(&s->mu);
	int rc = send_locked(s, frame, 8 + len);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int cube_spdy_send_rst(cube_spdy *s, uint32_t stream, uint32_t status)
{
	uint8_t b[8];
	put32(b, stream & 0x7fffffff);
	put32(b + 4, status);
	return send_fixed(s, CUBE_SPDY_RST_STREAM, b, 8);
}

int cube_spdy_send_ping(cube_spdy *s, uint32_t id)
{
	uint8_t b[4];
	put32(b, id);
	return send_fixed(s, CUBE_SPDY_PING, b, 4);
}

int cube_spdy_send_goaway(cube_spdy *s, uint32_t last_stream, uint32_t status)
{
	uint8_t b[8];
	put32(b, last_stream & 0x7fffffff);
	put32(b + 4, status);
	return send_fixed(s, CUBE_SPDY_GOAWAY, b, 8);
}
