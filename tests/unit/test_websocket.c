/* test_websocket.c - lib/websocket.c: the accept key, protocol choice,
 * frame parsing and encoding, and a connection over a socketpair
 * (fragments, pings answered, close answered, masking each way). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "websocket.h"

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A frame as a peer sends it (masked with `key` when mask). */
static size_t frame(uint8_t *buf, bool fin, int op, const void *payload, size_t len, bool mask)
{
	size_t h = cube_ws_header(buf, fin, op, len, mask ? key : NULL);
	memcpy(buf + h, payload, len);
	if (mask)
		for (size_t i = 0; i < len; i++)
			buf[h + i] ^= key[i & 3];
	return h + len;
}

Test(websocket, accept_key_is_rfc_6455s_example)
{
	char out[32];
	cr_assert_eq(cube_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out, sizeof(out)), 0);
	cr_expect_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	cr_expect_eq(cube_ws_accept_key("x", out, 10), -1);
}

Test(websocket, protocol_choice_follows_the_servers_preference)
{
	const char *const sup[] = {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL};
	cr_expect_str_eq(cube_ws_pick_protocol("v4.channel.k8s.io,v5.channel.k8s.io", sup),
			 "v5.channel.k8s.io");
	cr_expect_str_eq(cube_ws_pick_protocol(" v4.channel.k8s.io ", sup), "v4.channel.k8s.io");
	cr_expect_null(cube_ws_pick_protocol("v4.channel.k8s.iox, base64.channel.k8s.io", sup));
	cr_expect_null(cube_ws_pick_protocol("", sup));
	cr_expect_null(cube_ws_pick_protocol(NULL, sup));
}

Test(websocket, parse_rfc_examples_and_partial_input)
{
	/* RFC 6455 5.7: a masked "Hello" */
	uint8_t m[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
	cube_ws_frame f;
	for (size_t cut = 0; cut < sizeof(m); cut++)
		cr_expect_eq(cube_ws_parse(m, cut, true, 1000, &f, NULL), 0, "cut at %zu", cut);
	cr_assert_eq(cube_ws_parse(m, sizeof(m), true, 1000, &f, NULL), (long)sizeof(m));
	cr_expect(f.fin);
	cr_expect_eq(f.opcode, CUBE_WS_TEXT);
	cr_expect_eq(f.len, 5);
	cr_expect_eq(memcmp(f.payload, "Hello", 5), 0);
	/* unmasked "Hello" from a server */
	uint8_t u[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
	cr_expect_eq(cube_ws_parse(u, sizeof(u), false, 1000, &f, NULL), 7);
}

Test(websocket, parse_refuses_what_breaks_the_protocol)
{
	cube_ws_frame f;
	cube_err err = CUBE_ERR_INIT;
	uint8_t unmasked[] = {0x82, 0x01, 'x'};
	cr_expect_eq(cube_ws_parse(unmasked, 3, true, 100, &f, &err), -1);
	cr_expect(strstr(err.msg, "unmasked"), "%s", err.msg);
	uint8_t rsv[] = {0xC2, 0x00};
	cr_expect_eq(cube_ws_parse(rsv, 2, false, 100, &f, &err), -1);
	uint8_t op3[] = {0x83, 0x00};
	cr_expect_eq(cube_ws_parse(op3, 2, false, 100, &f, &err), -1);
	cr_expect(strstr(err.msg, "opcode"), "%s", err.msg);
	uint8_t frag_ping[] = {0x09, 0x00};
	cr_expect_eq(cube_ws_parse(frag_ping, 2, false, 100, &f, &err), -1);
	uint8_t long_ping[] = {0x89, 126, 0, 126};
	cr_expect_eq(cube_ws_parse(long_ping, 4, false, 1000, &f, &err), -1);
	uint8_t big[] = {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0};
	cr_expect_eq(cube_ws_parse(big, sizeof(big), false, 1000, &f, &err), -1);
	cr_expect_eq(err.code, CUBE_ETOOBIG);
	uint8_t huge[] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
	cr_expect_eq(cube_ws_parse(huge, sizeof(huge), false, (size_t)-1, &f, &err), -1);
}

Test(websocket, header_lengths_switch_at_126_and_65536)
{
	uint8_t h[14];
	cr_expect_eq(cube_ws_header(h, true, 2, 125, NULL), 2);
	cr_expect_eq(h[1], 125);
	cr_expect_eq(cube_ws_header(h, true, 2, 126, NULL), 4);
	cr_expect(h[1] == 126 && h[2] == 0 && h[3] == 126);
	cr_expect_eq(cube_ws_header(h, true, 2, 65535, NULL), 4);
	cr_expect_eq(cube_ws_header(h, true, 2, 65536, NULL), 10);
	cr_expect(h[1] == 127 && h[7] == 1 && h[8] == 0);
	cr_expect_eq(cube_ws_header(h, false, 0, 5, key), 6);
	cr_expect(h[0] == 0x00 && h[1] == 0x85 && !memcmp(h + 2, key, 4));
}

/* Reads one frame a connection wrote to fd (from the other end). */
static int read_frame(int fd, bool masked, uint8_t *payload, size_t *len)
{
	static uint8_t buf[200000];
	size_t have = 0;
	for (;;) {
		cube_ws_frame f;
		long n = cube_ws_parse(buf, have, masked, sizeof(buf), &f, NULL);
		if (n > 0) {
			memcpy(payload, f.payload, f.len);
			*len = f.len;
			return f.opcode;
		}
		if (n < 0)
			return -1;
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

Test(websocket, a_server_connection_assembles_answers_pings_and_closes)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cube_ws *ws = cube_ws_new(sv[0], false, NULL, 0);
	uint8_t buf[512];
	size_t n = 0;
	n += frame(buf + n, false, CUBE_WS_BINARY, "\x00He", 3, true);
	n += frame(buf + n, true, CUBE_WS_PING, "hi", 2, true);
	n += frame(buf + n, true, CUBE_WS_CONT, "llo", 3, true);
	cube_ws_feed(ws, buf, n - 2); /* the last two bytes come later */
	cube_ws_msg m;
	int code = 0;
	cr_expect_eq(cube_ws_next(ws, &m, &code, NULL), 0);
	uint8_t got[256];
	size_t len;
	cr_expect_eq(read_frame(sv[1], false, got, &len), CUBE_WS_PONG);
	cr_expect(len == 2 && !memcmp(got, "hi", 2));
	cube_ws_feed(ws, buf + n - 2, 2);
	cr_assert_eq(cube_ws_next(ws, &m, &code, NULL), 1);
	cr_expect_eq(m.opcode, CUBE_WS_BINARY);
	cr_expect(m.len == 6 && !memcmp(m.data, "\x00Hello", 6));
	/* a channel message goes out unmasked, [ch][data] */
	cr_expect_eq(cube_ws_write_channel(ws, 1, "out", 3, NULL), 0);
	cr_expect_eq(read_frame(sv[1], false, got, &len), CUBE_WS_BINARY);
	cr_expect(len == 4 && !memcmp(got, "\x01out", 4));
	/* a continuation with no message: refused */
	n = frame(buf, true, CUBE_WS_CONT, "x", 1, true);
	cube_ws_feed(ws, buf, n);
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_ws_next(ws, &m, &code, &err), -1);
	cube_ws_free(ws);
	/* a close is answered with the same code, once */
	ws = cube_ws_new(sv[0], false, NULL, 0);
	n = frame(buf, true, CUBE_WS_CLOSE, "\x03\xe9", 2, true);
	cube_ws_feed(ws, buf, n);
	cr_expect_eq(cube_ws_next(ws, &m, &code, NULL), 2);
	cr_expect_eq(code, 1001);
	cr_expect(cube_ws_closing(ws));
	cr_expect_eq(read_frame(sv[1], false, got, &len), CUBE_WS_CLOSE);
	cr_expect(len == 2 && got[0] == 0x03 && got[1] == 0xe9);
	cr_expect_eq(cube_ws_write_channel(ws, 1, "late", 4, NULL), -1);
	cube_ws_free(ws);
	close(sv[0]);
	close(sv[1]);
}

Test(websocket, a_client_masks_and_the_server_reads_it_back)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cube_ws *client = cube_ws_new(sv[0], true, NULL, 0);
	cube_ws *server = cube_ws_new(sv[1], false, NULL, 0);
	static char big[100000];
	memset(big, 'z', sizeof(big));
	cr_assert_eq(cube_ws_write_channel(client, 0, big, sizeof(big), NULL), 0);
	cube_ws_msg m;
	cr_assert_eq(cube_ws_read(server, &m, NULL, NULL), 1);
	cr_expect_eq(m.len, sizeof(big) + 1);
	cr_expect_eq(m.data[0], 0);
	cr_expect_eq(memcmp(m.data + 1, big, sizeof(big)), 0);
	/* the peer going away is an error for a blocking read */
	close(sv[0]);
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_ws_read(server, &m, NULL, &err), -1);
	cr_expect(strstr(err.msg, "closed"), "%s", err.msg);
	cube_ws_free(client);
	cube_ws_free(server);
	close(sv[1]);
}
