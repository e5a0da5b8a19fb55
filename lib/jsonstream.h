/* jsonstream.h - decoder for newline-delimited JSON streams.
 *
 * Both etcd's watch gateway and the Kubernetes watch API send one JSON
 * document per line over a long-lived HTTP body that arrives in arbitrary
 * pieces.  Feed the pieces as they come; the callback runs once per complete
 * line, in order.  Blank lines are skipped (keep-alives).  A line longer than
 * `max_line` or one that is not JSON stops the stream with an error naming
 * the line number and byte offset, so a broken peer never grows memory
 * without bound or desynchronises the reader.
 */
#ifndef CUBE_JSONSTREAM_H
#define CUBE_JSONSTREAM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

typedef struct cube_jsonstream cube_jsonstream;

/* Called for each document. `doc` is borrowed: it is deleted when the
 * callback returns.  Return 0 to go on, -1 (with err filled) to stop. */
typedef int (*cube_jsonstream_fn)(void *ud, const cJSON *doc, cube_err *err);

/* Returns a new decoder (NULL on ENOMEM). max_line 0 means 16 MiB. */
cube_jsonstream *cube_jsonstream_new(size_t max_line, cube_jsonstream_fn fn, void *ud);

/* Frees the decoder. Accepts NULL. */
void cube_jsonstream_free(cube_jsonstream *s);

/* Consumes `len` bytes.  Returns 0, or -1 with err: CUBE_EPROTO for a line
 * that is not JSON, CUBE_ETOOBIG for an overlong line, or whatever the
 * callback returned.  After an error the decoder refuses further input. */
int cube_jsonstream_feed(cube_jsonstream *s, const char *data, size_t len, cube_err *err);

/* Ends the stream.  A final line without its newline is decoded if it is
 * complete JSON; a truncated one is CUBE_EPROTO ("stream ended mid-line").
 * Returns 0 or -1 with err. */
int cube_jsonstream_finish(cube_jsonstream *s, cube_err *err);

/* Number of documents delivered so far. */
size_t cube_jsonstream_count(const cube_jsonstream *s);

#endif
