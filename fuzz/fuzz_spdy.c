/* fuzz_spdy.c - libFuzzer target for lib/spdy.c's reading side: arbitrary
 * bytes fed to a connection in two parts (split where the input's first
 * byte says).  Beyond "no crash, no sanitizer report, no leak": a frame
 * stays within the size limit, its headers are whole strings, and an
 * error leaves a message.  Answers (pings) go to a writer that fails. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spdy.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static int broken(void *ud, const uint8_t *data, size_t len)
{
	(void)ud;
	(void)data;
	(void)len;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t split = data[0] % size;
	data++;
	size--;
	if (split > size)
		split = size;
	cube_spdy *s = cube_spdy_new(broken, NULL);
	if (!s)
		return 0;
	for (int part = 0; part < 2; part++) {
		cube_spdy_feed(s, data + (part ? split : 0), part ? size - split : split);
		for (;;) {
			cube_spdy_frame f;
			cube_err err = CUBE_ERR_INIT;
			int rc = cube_spdy_next(s, &f, &err);
			if (rc < 0) {
				CHECK(err.msg[0]);
				part = 2;
				break;
			}
			if (rc == 0)
				break;
			CHECK(f.len <= CUBE_SPDY_MAX_FRAME);
			for (size_t i = 0; i < f.n_headers; i++)
				CHECK(strlen(f.headers[i].name) + strlen(f.headers[i].value) <
				      (1u << 20));
			if (f.type == CUBE_SPDY_PING)
				cube_spdy_send_ping(s, f.value);
		}
	}
	cube_spdy_free(s);
	return 0;
}
