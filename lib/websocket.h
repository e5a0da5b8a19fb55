/* websocket.h - RFC 6455 WebSocket: the handshakes and the framing, for
 * the streaming subresources (pods/exec, pods/portforward).
 *
 * Kubernetes' channel protocols (v4/v5.channel.k8s.io) ride on binary
 * messages whose first byte names the channel: 0 stdin, 1 stdout,
 * 2 stderr, 3 the closing Status, 4 terminal resize, and in v5 255 for
 * "the client closed channel <byte 2>".
 *
 * A cube_ws wraps one connected socket, either side.  Reading is for one
 * thread at a time and never blocks by itself: cube_ws_fill() does one
 * read() into the connection's buffer and cube_ws_next() takes whole
 * messages out of it (answering pings, noting a close).  Writing is
 * thread-safe (a mutex keeps frames whole), so a session may read on one
 * thread and write from several.  A client masks what it sends and
 * expects unmasked frames; a server the other way round.
 *
 * The library never closes the socket: its owner does (after
 * cube_ws_free), which lets an HTTP server keep the connection's life.
 */
#ifndef CUBE_WEBSOCKET_H
#define CUBE_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "httpd.h"

enum {
	CUBE_WS_CONT = 0x0,
	CUBE_WS_TEXT = 0x1,
	CUBE_WS_BINARY = 0x2,
	CUBE_WS_CLOSE = 0x8,
	CUBE_WS_PING = 0x9,
	CUBE_WS_PONG = 0xA,
};

/* The largest message cube_ws_next assembles (stdin chunks and resize
 * messages are far smaller); a bigger one is a protocol error. */
#define CUBE_WS_MAX_MESSAGE (1u << 20)

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key:
 * base64(sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) into out
 * (29 bytes with the NUL). -1 if size is too small. */
int cube_ws_accept_key(const char *key, char *out, size_t size);

/* The first protocol of `offered` (a Sec-WebSocket-Protocol header value,
 * comma-separated, may be NULL) that is in `supported` (NULL-terminated,
 * in the server's order of preference), or NULL. */
const char *cube_ws_pick_protocol(const char *offered, const char *const *supported);

/* One frame, parsed in place: the payload points into the buffer given to
 * cube_ws_parse (unmasked there). */
typedef struct cube_ws_frame {
	bool fin;
	int opcode;
	uint8_t *payload;
	size_t len;
} cube_ws_frame;

/* Parses the frame at buf[0..len): returns the bytes it takes (> 0), 0 if
 * the frame is not complete yet, -1 (err) if it breaks the protocol (a
 * reserved bit, an unknown opcode, a fragmented or long control frame, a
 * masked frame where none is expected or the reverse, a payload over
 * max_payload). */
long cube_ws_parse(uint8_t *buf, size_t len, bool expect_masked, size_t max_payload,
		   cube_ws_frame *f, cube_err *err);

/* Writes a frame header for a payload of `len` into hdr (at least 14
 * bytes); with `mask` (4 bytes, a client's) the mask key is included and
 * the caller masks the payload. Returns the header's length. */
size_t cube_ws_header(uint8_t *hdr, bool fin, int opcode, uint64_t len, const uint8_t *mask);

/* ---- a connection ------------------------------------------------------------------ */

typedef struct cube_ws cube_ws;

/* Wraps the connected socket fd (blocking or not; writes wait for room).
 * `client`: we are the client (mask what we send). `pre`: bytes already
 * read from the socket past the handshake (copied). NULL on ENOMEM. */
cube_ws *cube_ws_new(int fd, bool client, const void *pre, size_t pre_len);

/* Frees it (the socket stays open). Accepts NULL. */
void cube_ws_free(cube_ws *ws);

int cube_ws_fd(const cube_ws *ws);

/* Adds bytes to the read buffer as if read from the socket (tests, fuzzing). */
int cube_ws_feed(cube_ws *ws, const void *data, size_t len);

/* One read() from the socket into the buffer: > 0 bytes read, 0 at EOF,
 * -1 on an error (EAGAIN included: poll first). */
long cube_ws_fill(cube_ws *ws);

/* A whole data message: opcode (TEXT or BINARY) and its payload (owned by
 * the connection, valid until the next call). */
typedef struct cube_ws_msg {
	int opcode;
	const uint8_t *data;
	size_t len;
} cube_ws_msg;

/* Takes the next whole data message out of the buffer: 1 with *m, 0 if
 * more bytes are needed, 2 when the peer sent a close frame (we answer it
 * with a close of our own; *close_code is its code or 1005), -1 (err) on a
 * protocol error.  Pings are answered with pongs on the way. */
int cube_ws_next(cube_ws *ws, cube_ws_msg *m, int *close_code, cube_err *err);

/* Blocking: fills until a message, a close (returns 2) or EOF/error (-1;
 * EOF says "connection closed" in err). */
int cube_ws_read(cube_ws *ws, cube_ws_msg *m, int *close_code, cube_err *err);

/* Sends one unfragmented frame. Thread-safe. 0 or -1 (err). */
int cube_ws_write(cube_ws *ws, int opcode, const void *data, size_t len, cube_err *err);

/* Sends the binary message [channel][data...]. Thread-safe. */
int cube_ws_write_channel(cube_ws *ws, uint8_t channel, const void *data, size_t len,
			  cube_err *err);

/* Sends a close frame with `code` (once; later calls do nothing). */
int cube_ws_close(cube_ws *ws, uint16_t code, cube_err *err);

/* Ends a session politely: sends a close frame with `code` (unless one
 * was sent) and reads, discarding data messages, until the peer's close,
 * EOF, an error or timeout_ms.  The socket stays open. */
void cube_ws_finish(cube_ws *ws, uint16_t code, int timeout_ms);

/* True once we have sent our close frame. */
bool cube_ws_closing(const cube_ws *ws);

/* ---- the server's side --------------------------------------------------------------- */

/* Does the request ask for a WebSocket (Upgrade: websocket, with a
 * Sec-WebSocket-Key)? */
bool cube_ws_requested(cube_httpd_req *r);

/* The protocol of `supported` (NULL-terminated, by preference) the
 * WebSocket upgrade asks for; NULL after answering 400 (not an upgrade:
 * "Upgrade request required (cube's <what> speaks WebSocket)", or none of
 * the protocols offered). */
const char *cube_ws_negotiate(cube_httpd_req *r, const char *const *supported, const char *what);

/* A session's work: runs on a thread of its own with the connection
 * (read it there; write from anywhere). */
typedef void (*cube_ws_session_fn)(void *ud, cube_ws *ws);

/* Answers the request's upgrade (101 with Sec-WebSocket-Accept and
 * `proto` as Sec-WebSocket-Protocol, NULL: none) and, once switched, runs
 * run(ud, ws) on a new thread; after it the session is ended politely
 * (cube_ws_finish), done(ud) frees what is the caller's and the
 * connection is closed.  When no 101 can be answered (a bad key) it
 * answers 400 "a bad WebSocket handshake" itself; then, or when the
 * thread cannot be made, done(ud) is called without run.  0 or -1. */
int cube_ws_serve(cube_httpd_req *r, const char *proto, cube_ws_session_fn run,
		  void (*done)(void *ud), void *ud);

/* ---- the client's handshake ----------------------------------------------------------- */

/* The answer to a handshake that did not switch protocols. */
typedef struct cube_ws_refusal {
	int status; /* the HTTP status (0: none read) */
	char *body; /* its body (malloc'd), may be NULL */
} cube_ws_refusal;

/* On the connected socket fd: sends `GET target` with the upgrade headers,
 * Host `host`, Sec-WebSocket-Protocol `protocols` and the extra header
 * lines (each "Name: value", NULL-terminated list, may be NULL), then
 * reads the answer.  On 101 with a valid Sec-WebSocket-Accept returns a
 * client connection (any bytes after the answer are kept) and the chosen
 * protocol in proto.  Otherwise NULL with err, and `refused` (if not
 * NULL) holds the status and body of a non-101 answer (free its body). */
cube_ws *cube_ws_client_handshake(int fd, const char *host, const char *target,
				  const char *protocols, const char *const *headers, char *proto,
				  size_t proto_size, cube_ws_refusal *refused, cube_err *err);

#endif
