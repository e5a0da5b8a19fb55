/* yaml.h - YAML manifests to cJSON and back, read the way kubectl reads them.
 *
 * kubectl turns YAML into JSON with sigs.k8s.io/yaml on top of go-yaml v2;
 * cube does the same with libyaml underneath, so that a manifest means the
 * same thing to cubectl as to kubectl:
 *
 *   - mappings become objects (keys in document order; a repeated key keeps
 *     its first position and its last value), sequences become arrays;
 *   - a stream holds documents separated by `---`; documents that are empty
 *     or null (`~`, `null`) are skipped, as kubectl's stream visitor skips them;
 *   - anchors and aliases are expanded (an alias copies its anchor's value);
 *     merge keys `<<` copy a mapping's (or a sequence of mappings') entries in,
 *     with go-yaml v2's rule that a later entry overwrites an earlier one;
 *   - plain scalars are typed by YAML 1.1 resolution as go-yaml v2 does it:
 *       null:  "", ~, null, Null, NULL
 *       bool:  true/True/TRUE, false/False/FALSE, yes/Yes/YES, no/No/NO,
 *              on/On/ON, off/Off/OFF, y/Y, n/N
 *       int:   decimal, 0x hex, 0o or leading-0 octal, 0b binary, with an
 *              optional sign and `_` separators ("1_000"); "08" and "09" are
 *              not octal and read as the float 8 and 9
 *       float: 1.5, .5, 1e3, +1.5E-3, .inf, -.Inf, .nan (no base-60)
 *       anything else, including timestamps, is a string;
 *   - quoted and block (| and >) scalars are always strings;
 *   - the tags !!str, !!int, !!float, !!bool, !!null, !!timestamp and
 *     !!binary are honoured as go-yaml honours them (`!!int "12"` is 12,
 *     `!!float 1` is 1.0, `!!int abc` is an error, !!binary is base64-decoded);
 *     any other tag leaves a scalar a string and is ignored on collections;
 *   - keys that are not strings become strings as sigs.k8s.io/yaml makes
 *     them: ints in decimal (`0x10` -> "16"), floats as Go's %g of a float32
 *     (`1.0` -> "1", `.inf` -> ".inf"), booleans "true"/"false" (so `y:` is
 *     the key "true", as in kubectl); null keys, integers over 2^63-1 and
 *     collections as keys are errors, as they are for kubectl.
 *
 * Where cube differs, deliberately:
 *   - numbers are cJSON doubles, so integers beyond 2^53 lose precision, and
 *     .inf/.nan are kept as doubles (kubectl refuses them when it converts to
 *     JSON; cJSON prints them as null);
 *   - strings cannot hold NUL bytes (cJSON strings are C strings): a "\0"
 *     escape, or !!binary data that is not UTF-8 text, is an error;
 *   - nesting deeper than CUBE_YAML_MAX_DEPTH is an error (cJSON's own limit).
 *
 * Alias expansion is bounded against "billion laughs" documents: go-yaml's
 * rule (once a document has decoded more than 1000 nodes, of which more than
 * 100 came from aliases, the share of aliased nodes may not pass 99%, falling
 * to 10% as the document grows from 400,000 to 4,000,000 nodes) and, because
 * cube copies where Go shares, a cap on the string bytes aliases copy:
 * CUBE_YAML_ALIAS_BYTES_MIN or 8 times the input's length, whichever is
 * larger.  Either failure is CUBE_ETOOBIG, "document contains excessive
 * aliasing".
 *
 * Everything here is re-entrant; nothing keeps a pointer it was given.
 */
#ifndef CUBE_YAML_H
#define CUBE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

/* Deepest nesting of mappings and sequences accepted (and emitted). */
#define CUBE_YAML_MAX_DEPTH 1000

/* Aliases may copy this many string bytes whatever the input's size. */
#define CUBE_YAML_ALIAS_BYTES_MIN (4u << 20)

/* Parses a YAML stream of one or more documents.  Returns a new JSON array
 * (the caller's) with one element per non-empty document, in order; an empty
 * stream gives an empty array.  text need not be NUL-terminated; it may be
 * NULL when len is 0.
 *
 * On error returns NULL and fills err: CUBE_EINVAL for malformed YAML, with a
 * message that names the line and column (1-based) and libyaml's problem,
 * e.g. "yaml: line 3, column 5: mapping values are not allowed in this
 * context", or the node that could not be decoded ("yaml: line 2, column 4:
 * unknown anchor 'x' referenced"); CUBE_ETOOBIG for excessive aliasing or
 * nesting; CUBE_ENOMEM. */
cJSON *cube_yaml_parse_all(const char *text, size_t len, cube_err *err)
	__attribute__((warn_unused_result));

/* One document: returns the stream's only non-empty document (a new tree, the
 * caller's), or a JSON null if there is none.  A second non-empty document is
 * an error (CUBE_EINVAL, naming where it starts); other errors as above. */
cJSON *cube_yaml_parse(const char *text, size_t len, cube_err *err)
	__attribute__((warn_unused_result));

/* Writes doc as YAML, the way kubectl -o yaml prints it (go-yaml v2 over
 * libyaml's emitter): block style with 2-space indents, sequences in a
 * mapping not indented, keys in the object's order, empty collections as {}
 * and [], strings plain unless they would read back as something else (then
 * "double-quoted", e.g. "true", "8080", "") or cannot be plain (then
 * 'single-quoted'), multi-line strings as | blocks, integral numbers below
 * 2^64 as integers, other numbers in Go's %g, .inf/-.inf/.nan.  Invalid
 * UTF-8 in a string is replaced by U+FFFD.  The text ends with a newline.
 *
 * Returns a malloc'd NUL-terminated string (the caller frees it), or NULL on
 * ENOMEM or if doc is NULL or nested deeper than CUBE_YAML_MAX_DEPTH.
 * cube_yaml_parse() of the result gives doc back (numbers as doubles). */
char *cube_yaml_emit(const cJSON *doc) __attribute__((warn_unused_result));

/* Standard base64 as Go's StdEncoding.DecodeString reads it (YAML's !!binary,
 * JSON []byte fields such as a Secret's data): '\r' and '\n' are skipped,
 * padding is required.  Returns a malloc'd buffer (NUL-added) and its length
 * in *out_len, or NULL: *bad tells a decoding error from ENOMEM. */
char *cube_base64_decode(const char *s, size_t n, size_t *out_len, bool *bad);

#endif

/* libyaml's own header is also called yaml.h, and this file shadows it on the
 * -Ilib include path.  lib/yaml.c sets CUBE_YAML_WANT_LIBYAML and includes
 * <yaml.h> (found here through the path), which then continues the search
 * past lib/ to libyaml's header.  Nobody else sees libyaml's names. */
#if defined(CUBE_YAML_WANT_LIBYAML) && !defined(YAML_H)
#include_next <yaml.h>
#endif
