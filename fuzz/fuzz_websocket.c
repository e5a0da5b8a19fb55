/* fuzz_websocket.c - libFuzzer target for lib/websocket.c's reading side:
 * arbitrary bytes fed to a server connection (which expects masked
 * frames) and to a client one (unmasked), split at a point the input
 * chooses.  Beyond "no crash, no sanitizer report, no leak": every message
 * cube_ws_next returns is a data message (text or binary) within the size
 * limit, and an error leaves a message.  The connections write to a
 * closed pipe (pongs, closes): that must fail quietly, never crash.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "websocket.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void run(const uint8_t *data, size_t size, bool client, size_t split, int fd)
{
	cube_ws *ws = cube_ws_new(fd, client, NULL, 0);
	if (!ws)
		return;
	for (int part = 0; part < 2; part++) {
		size_t off = part ? split : 0, end = part ? size : split;
		cube_ws_feed(ws, data + off, end - off);
		for (;;) {
			cube_ws_msg m;
			int code = 0;
			cube_err err = CUBE_ERR_INIT;
			int rc = cube_ws_next(ws, &m, &code, &err);
			if (rc == 1) {
				CHECK(m.opcode == CUBE_WS_TEXT || m.opcode == CUBE_WS_BINARY);
				CHECK(m.len <= CUBE_WS_MAX_MESSAGE);
				continue;
			}
			if (rc < 0) {
				CHECK(err.msg[0]);
				part = 2;
			}
			if (rc == 2)
				CHECK(code >= 0 && code <= 65535);
			break;
		}
	}
	cube_ws_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		int p[2];
		signal(SIGPIPE, SIG_IGN);
		if (pipe(p) < 0)
			return 0;
		close(p[0]); /* writes fail with EPIPE */
		fd = p[1];
	}
	if (size < 1)
		return 0;
	size_t split = data[0] % (size);
	run(data + 1, size - 1, false, split < size - 1 ? split : 0, fd);
	run(data + 1, size - 1, true, split < size - 1 ? split : 0, fd);
	return 0;
}
