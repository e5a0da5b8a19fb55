/* fuzz_watchstream.c - libFuzzer target for the watch-stream decoder.
 *
 * The input is cut into pieces (the first byte seeds the piece sizes, as a
 * network would cut it) and fed to a cube_jsonstream whose callback decodes
 * each line as an etcd gateway watch response.  Oracle: no crash, no
 * sanitizer report, no leak; and an invariant: feeding the same bytes in one
 * piece yields the same number of documents as feeding them in many.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "jsonstream.h"

struct tally {
	size_t docs;
	size_t events;
};

static int on_doc(void *ud, const cJSON *doc, cube_err *err)
{
	struct tally *t = ud;
	cube_etcd_watch_batch b;
	t->docs++;
	if (cube_etcd_watch_decode(doc, &b, err) < 0)
		return 0; /* a bad line is reported, not fatal, for the fuzzer's purpose */
	t->events += b.n;
	for (size_t i = 0; i < b.n; i++) {
		/* Touch every decoded byte so ASan sees any overrun. */
		volatile size_t sum = 0;
		for (size_t j = 0; j < b.events[i].kv.value_len; j++)
			sum += (unsigned char)b.events[i].kv.value[j];
		(void)sum;
	}
	cube_etcd_watch_batch_clear(&b);
	return 0;
}

static struct tally run(const uint8_t *data, size_t size, unsigned seed, int *status)
{
	struct tally t = {0};
	cube_jsonstream *s = cube_jsonstream_new(1 << 16, on_doc, &t);
	if (!s)
		abort();
	cube_err err = CUBE_ERR_INIT;
	size_t off = 0;
	*status = 0;
	while (off < size) {
		size_t piece = seed ? 1 + (seed % 7) : size - off;
		seed = seed * 1103515245u + 12345u;
		if (piece > size - off)
			piece = size - off;
		if (cube_jsonstream_feed(s, (const char *)data + off, piece, &err) < 0) {
			*status = -1;
			break;
		}
		off += piece;
	}
	if (*status == 0 && cube_jsonstream_finish(s, &err) < 0)
		*status = -2;
	cube_jsonstream_free(s);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned seed = data[0] | 1u;
	int st1, st2;
	struct tally whole = run(data + 1, size - 1, 0, &st1);
	struct tally pieces = run(data + 1, size - 1, seed, &st2);
	if (st1 != st2 || whole.docs != pieces.docs || whole.events != pieces.events)
		abort(); /* the decoder's result depended on how the bytes were cut */
	return 0;
}
