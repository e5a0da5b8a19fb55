/* test_spdy.c - lib/spdy.c: frames as spdystream writes them, header
 * blocks through the SPDY/3 dictionary both ways (a sender and a reader
 * sharing nothing but the bytes), data split at every byte, and the
 * errors a broken peer gets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "spdy.h"

/* A capture of what a connection writes. */
typedef struct wire {
	uint8_t buf[65536];
	size_t len;
	bool broken;
} wire;

static int capture(void *ud, const uint8_t *data, size_t len)
{
	wire *w = ud;
	if (w->broken || w->len + len > sizeof(w->buf))
		return -1;
	memcpy(w->buf + w->len, data, len);
	w->len += len;
	return 0;
}

static const cube_spdy_header data_headers[] = {
	{"streamtype", "data"},
	{"port", "8080"},
	{"requestid", "0"},
};

Test(spdy, syn_stream_headers_round_trip_through_the_dictionary)
{
	wire w = {0};
	cube_spdy *tx = cube_spdy_new(capture, &w), *rx = cube_spdy_new(capture, &w);
	cr_assert(tx && rx);
	cr_assert_eq(cube_spdy_send_syn_stream(tx, 1, CUBE_SPDY_FLAG_FIN, data_headers, 3), 0);
	cr_assert_eq(cube_spdy_send_syn_stream(tx, 3, 0, data_headers, 2), 0);
	/* the frame head: control, version 3, type 1, flags FIN */
	cr_expect_eq(w.buf[0], 0x80);
	cr_expect_eq(w.buf[1], 3);
	cr_expect_eq(w.buf[3], CUBE_SPDY_SYN_STREAM);
	cr_expect_eq(w.buf[4], CUBE_SPDY_FLAG_FIN);
	cr_assert_eq(cube_spdy_feed(rx, w.buf, w.len), 0);
	cube_spdy_frame f;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_spdy_next(rx, &f, &err), 1, "%s", err.msg);
	cr_expect_eq(f.type, CUBE_SPDY_SYN_STREAM);
	cr_expect_eq(f.stream, 1);
	cr_expect_eq(f.flags, CUBE_SPDY_FLAG_FIN);
	cr_expect_eq(f.n_headers, 3);
	cr_expect_str_eq(cube_spdy_frame_header(&f, "streamType"), "data");
	cr_expect_str_eq(cube_spdy_frame_header(&f, "port"), "8080");
	cr_expect_str_eq(cube_spdy_frame_header(&f, "requestid"), "0");
	/* the second block depends on the first one's compression state */
	cr_assert_eq(cube_spdy_next(rx, &f, &err), 1, "%s", err.msg);
	cr_expect_eq(f.stream, 3);
	cr_expect_eq(f.n_headers, 2);
	cr_expect_null(cube_spdy_frame_header(&f, "requestid"));
	cr_expect_eq(cube_spdy_next(rx, &f, &err), 0);
	cube_spdy_free(tx);
	cube_spdy_free(rx);
}

Test(spdy, frames_split_at_every_byte_come_out_whole)
{
	wire w = {0};
	cube_spdy *tx = cube_spdy_new(capture, &w);
	cr_assert_not_null(tx);
	cr_assert_eq(cube_spdy_send_syn_reply(tx, 5, 0, data_headers, 1), 0);
	cr_assert_eq(cube_spdy_send_data(tx, 5, 0, "hello", 5), 0);
	cr_assert_eq(cube_spdy_send_data(tx, 5, CUBE_SPDY_FLAG_FIN, NULL, 0), 0);
	cr_assert_eq(cube_spdy_send_ping(tx, 7), 0);
	cr_assert_eq(cube_spdy_send_rst(tx, 5, CUBE_SPDY_CANCEL), 0);
	cr_assert_eq(cube_spdy_send_goaway(tx, 5, 0), 0);
	for (size_t split = 0; split <= w.len; split++) {
		wire sink = {0};
		cube_spdy *rx = cube_spdy_new(capture, &sink);
		cube_spdy_frame f;
		cube_err err = CUBE_ERR_INIT;
		int types[8], n = 0;
		char data[16] = "";
		for (int part = 0; part < 2; part++) {
			cube_spdy_feed(rx, w.buf + (part ? split : 0),
				       part ? w.len - split : split);
			int rc;
			while ((rc = cube_spdy_next(rx, &f, &err)) == 1 && n < 8) {
				types[n++] = f.type;
				if (f.type == CUBE_SPDY_DATA && f.len)
					memcpy(data, f.data, f.len);
				if (f.type == CUBE_SPDY_SYN_REPLY)
					cr_expect_str_eq(cube_spdy_frame_header(&f, "streamtype"),
							 "data");
				if (f.type == CUBE_SPDY_PING)
					cr_expect_eq(f.value, 7);
				if (f.type == CUBE_SPDY_RST_STREAM)
					cr_expect(f.stream == 5 && f.value == CUBE_SPDY_CANCEL);
				if (f.type == CUBE_SPDY_DATA && !f.len)
					cr_expect(f.stream == 5 && f.flags == CUBE_SPDY_FLAG_FIN);
			}
			cr_assert_eq(rc, 0, "split %zu: %s", split, err.msg);
		}
		cr_assert_eq(n, 6, "split %zu", split);
		int want[] = {CUBE_SPDY_SYN_REPLY, CUBE_SPDY_DATA,	 CUBE_SPDY_DATA,
			      CUBE_SPDY_PING,	   CUBE_SPDY_RST_STREAM, CUBE_SPDY_GOAWAY};
		for (int i = 0; i < 6; i++)
			cr_expect_eq(types[i], want[i], "split %zu frame %d", split, i);
		cr_expect_str_eq(data, "hello");
		cube_spdy_free(rx);
	}
	cube_spdy_free(tx);
}

Test(spdy, a_broken_peer_gets_errors)
{
	wire w = {0};
	cube_spdy *rx = cube_spdy_new(capture, &w);
	cube_spdy_frame f;
	cube_err err = CUBE_ERR_INIT;
	/* version 2 */
	const uint8_t v2[] = {0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1};
	cube_spdy_feed(rx, v2, sizeof(v2));
	cr_expect_eq(cube_spdy_next(rx, &f, &err), -1);
	cr_expect(strstr(err.msg, "version 2"), "%s", err.msg);
	cube_spdy_free(rx);
	/* a header block that is not zlib */
	rx = cube_spdy_new(capture, &w);
	const uint8_t junk[] = {0x80, 3, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1, 'j', 'u', 'n', 'k'};
	cube_spdy_feed(rx, junk, sizeof(junk));
	err = (cube_err)CUBE_ERR_INIT;
	cr_expect_eq(cube_spdy_next(rx, &f, &err), -1);
	cr_expect(strstr(err.msg, "inflate"), "%s", err.msg);
	cube_spdy_free(rx);
	/* a short RST_STREAM, then a frame past the limit */
	rx = cube_spdy_new(capture, &w);
	const uint8_t shortrst[] = {0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1};
	cube_spdy_feed(rx, shortrst, sizeof(shortrst));
	cr_expect_eq(cube_spdy_next(rx, &f, &err), -1);
	cube_spdy_free(rx);
	rx = cube_spdy_new(capture, &w);
	const uint8_t huge[] = {0, 0, 0, 1, 0, 0xff, 0xff, 0xff};
	cube_spdy_feed(rx, huge, sizeof(huge));
	cr_expect_eq(cube_spdy_next(rx, &f, &err), -1);
	cube_spdy_free(rx);
	/* an unknown control type is skipped */
	rx = cube_spdy_new(capture, &w);
	const uint8_t unknown[] = {0x80, 3, 0, 10, 0, 0, 0, 1, 'x', 0x80, 3,
				   0,	 6, 0, 0,  0, 4, 0, 0, 0,   9};
	cube_spdy_feed(rx, unknown, sizeof(unknown));
	cr_expect_eq(cube_spdy_next(rx, &f, &err), 1);
	cr_expect(f.type == CUBE_SPDY_PING && f.value == 9);
	cube_spdy_free(rx);
	/* a writer that fails makes the senders fail */
	w.broken = true;
	cube_spdy *tx = cube_spdy_new(capture, &w);
	cr_expect_eq(cube_spdy_send_ping(tx, 1), -1);
	cr_expect_eq(cube_spdy_send_syn_reply(tx, 1, 0, data_headers, 3), -1);
	cube_spdy_free(tx);
}
