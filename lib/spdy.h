/* spdy.h - SPDY/3.1 framing, as Kubernetes' streaming protocols speak it
 * (moby/spdystream): kubectl port-forward opens, per local connection, an
 * error stream and a data stream (SYN_STREAM with the headers streamType,
 * port and requestID) on one SPDY connection, either tunnelled in the
 * binary messages of a WebSocket (subprotocol SPDY/3.1+portforward.k8s.io)
 * or directly on the TCP connection after `Upgrade: SPDY/3.1`.
 *
 * Frames (draft 3.1, all big-endian, an 8-byte header each):
 *   control  1 | version 15 | type 16 | flags 8 | length 24 | data
 *   data     0 | stream 31         | flags 8 | length 24 | data
 * Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are {count, {name len,
 * name, value len, value}...} with 32-bit lengths, compressed by one zlib
 * stream per direction for the whole connection, primed with SPDY/3's
 * dictionary and flushed (Z_SYNC_FLUSH) after each block.
 *
 * A cube_spdy connection is a parser over bytes fed to it (from whatever
 * carries them) and a writer through a callback; it keeps the two zlib
 * states.  Reading is for one thread; the senders are thread-safe (a
 * mutex keeps frames whole and the compressor in order).  Flow control
 * (WINDOW_UPDATE) is not enforced either way, as spdystream does not. */
#ifndef CUBE_SPDY_H
#define CUBE_SPDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum {
	CUBE_SPDY_DATA = 0, /* a data frame (not a control type) */
	CUBE_SPDY_SYN_STREAM = 1,
	CUBE_SPDY_SYN_REPLY = 2,
	CUBE_SPDY_RST_STREAM = 3,
	CUBE_SPDY_SETTINGS = 4,
	CUBE_SPDY_PING = 6,
	CUBE_SPDY_GOAWAY = 7,
	CUBE_SPDY_HEADERS = 8,
	CUBE_SPDY_WINDOW_UPDATE = 9,
};

#define CUBE_SPDY_FLAG_FIN 0x01
#define CUBE_SPDY_FLAG_UNIDIRECTIONAL 0x02

/* RST_STREAM status codes used here */
#define CUBE_SPDY_PROTOCOL_ERROR 1
#define CUBE_SPDY_INVALID_STREAM 2
#define CUBE_SPDY_REFUSED_STREAM 3
#define CUBE_SPDY_CANCEL 5

/* The largest frame payload accepted (port-forward data frames are 32 KiB
 * at most; spdystream writes no more). */
#define CUBE_SPDY_MAX_FRAME (1u << 20)

/* A name: value pair of a header block (a value may hold several, NUL-
 * separated; names are lower case on the wire). */
typedef struct cube_spdy_header {
	char *name;
	char *value;
} cube_spdy_header;

/* One frame as cube_spdy_next hands it out; pointers valid until the next
 * call. */
typedef struct cube_spdy_frame {
	int type;	     /* CUBE_SPDY_DATA or a control type (unknown ones are skipped) */
	uint8_t flags;	     /* FIN, UNIDIRECTIONAL */
	uint32_t stream;     /* DATA, SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE */
	uint32_t value;	     /* RST_STREAM/GOAWAY status, PING id, WINDOW_UPDATE delta, GOAWAY last
				stream */
	const uint8_t *data; /* DATA: the payload */
	size_t len;
	const cube_spdy_header *headers; /* SYN_STREAM, SYN_REPLY, HEADERS: decoded */
	size_t n_headers;
} cube_spdy_frame;

/* The value of header `name` (case-insensitive) in f, or NULL. */
const char *cube_spdy_frame_header(const cube_spdy_frame *f, const char *name);

/* Where a connection's bytes go: returns 0 or -1 (the peer is gone). */
typedef int (*cube_spdy_write_fn)(void *ud, const uint8_t *data, size_t len);

typedef struct cube_spdy cube_spdy;

/* A connection writing through write(ud, ...). NULL on ENOMEM. */
cube_spdy *cube_spdy_new(cube_spdy_write_fn write, void *ud);

/* Frees it. Accepts NULL. */
void cube_spdy_free(cube_spdy *s);

/* Adds bytes read from the peer. 0, or -1 on ENOMEM. */
int cube_spdy_feed(cube_spdy *s, const void *data, size_t len);

/* Takes the next whole frame out of what was fed: 1 with *f, 0 if more
 * bytes are needed, -1 (err) on a protocol error (a version other than 3,
 * a frame over CUBE_SPDY_MAX_FRAME, a short control frame, a header block
 * that does not inflate or parse).  After -1 the connection is unusable
 * (the compression state is lost): send GOAWAY and close. */
int cube_spdy_next(cube_spdy *s, cube_spdy_frame *f, cube_err *err);

/* The senders: one whole frame each, through write. Thread-safe. 0 or -1. */
int cube_spdy_send_data(cube_spdy *s, uint32_t stream, uint8_t flags, const void *data, size_t len);
/* SYN_STREAM / SYN_REPLY / HEADERS with the header pairs (names lower
 * case; n pairs). */
int cube_spdy_send_syn_stream(cube_spdy *s, uint32_t stream, uint8_t flags,
			      const cube_spdy_header *h, size_t n);
int cube_spdy_send_syn_reply(cube_spdy *s, uint32_t stream, uint8_t flags,
			     const cube_spdy_header *h, size_t n);
int cube_spdy_send_rst(cube_spdy *s, uint32_t stream, uint32_t status);
int cube_spdy_send_ping(cube_spdy *s, uint32_t id);
int cube_spdy_send_goaway(cube_spdy *s, uint32_t last_stream, uint32_t status);

#endif
