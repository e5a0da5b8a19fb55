/* selector.h - label selectors and field selectors, as Kubernetes has them.
 *
 * Label selectors follow k8s.io/apimachinery/pkg/labels:
 *
 *   a=b, a==b, a!=b          equality (a!=b also matches objects without label a)
 *   a in (x,y), a notin (z)  set membership (notin also matches without label a)
 *   a, !a                    the label exists / does not exist
 *   a>3, a<3                 integer comparison (the label must parse as an int64)
 *
 * Requirements are separated by ',' and all must hold.  Keys are qualified
 * names ([prefix/]name), values are label values (at most 63 characters of
 * [-A-Za-z0-9_.], starting and ending alphanumeric, or empty).  Blanks
 * (' ', '\t', '\r', '\n') may stand around every token.  A selector can also
 * come from a metav1.LabelSelector object (matchLabels + matchExpressions) or
 * from a plain map such as a Service's .spec.selector.
 *
 * Field selectors follow k8s.io/apimachinery/pkg/fields: `f=v`, `f==v`,
 * `f!=v`, separated by ','; in values a backslash escapes ',', '=', '!' and
 * '\'.  A field that an object lacks reads as the empty string.
 *
 * Both kinds are immutable once created: any number of threads may match
 * with one selector at the same time.  Inputs longer than CUBE_SELECTOR_MAX
 * bytes are refused (CUBE_ETOOBIG); every other malformed input is CUBE_EINVAL
 * with a message that quotes the selector and names the byte position of the
 * offending text, e.g.
 *   label selector "a in (x": expected ',' or ')' at position 7, found end of string
 */
#ifndef CUBE_SELECTOR_H
#define CUBE_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

/* Longest selector string accepted by the parsers, in bytes. */
#define CUBE_SELECTOR_MAX (64 * 1024)

/* ---- label selectors ---------------------------------------------------------- */

typedef struct cube_labelsel cube_labelsel;

/* Parses the string syntax of labels.Parse.  "" (or only blanks) gives a
 * selector that matches everything.  Returns a new selector owned by the
 * caller, or NULL with err set (CUBE_EINVAL, CUBE_ETOOBIG, CUBE_ENOMEM). */
cube_labelsel *cube_labelsel_parse(const char *s, cube_err *err)
	__attribute__((warn_unused_result));

/* Converts a metav1.LabelSelector object ({"matchLabels": {...},
 * "matchExpressions": [{"key", "operator", "values"}]}) as
 * metav1.LabelSelectorAsSelector does: NULL or JSON null gives a selector
 * that matches nothing; {} (no labels, no expressions) one that matches
 * everything.  Operators are In, NotIn, Exists, DoesNotExist; In and NotIn
 * need at least one value, Exists and DoesNotExist none.  An unknown
 * operator, a bad key or value, or a field of the wrong JSON type is
 * CUBE_EINVAL with a message naming it.  Returns a new selector or NULL. */
cube_labelsel *cube_labelsel_from_json(const cJSON *label_selector, cube_err *err)
	__attribute__((warn_unused_result));

/* Converts a plain map of label -> value (a Service's .spec.selector) into
 * the selector "k1=v1,k2=v2,...".  NULL, JSON null and {} give a selector
 * that matches everything (callers decide what an empty map means to them).
 * Keys and values are validated; a non-string value is an error.  Returns a
 * new selector or NULL with err set. */
cube_labelsel *cube_labelsel_from_map(const cJSON *match_labels, cube_err *err)
	__attribute__((warn_unused_result));

/* True if the labels satisfy every requirement.  `labels` is a JSON object
 * of string values (an object's metadata.labels), or NULL for no labels;
 * members that are not strings count as absent.  A NULL selector matches
 * nothing.  Never fails; safe from many threads at once. */
bool cube_labelsel_matches(const cube_labelsel *s, const cJSON *labels);

/* True if the selector has no requirements (it matches every label set). */
bool cube_labelsel_is_everything(const cube_labelsel *s);

/* True if the selector matches no label set (from a null LabelSelector). */
bool cube_labelsel_is_nothing(const cube_labelsel *s);

/* The canonical form, as labels.Selector.String(): requirements sorted by key
 * (ties broken by their text), set values sorted and without duplicates,
 * e.g. "a=b,c!=d,e in (x,y),!f".  Everything and nothing both print as "".
 * Parsing the result gives an equal selector.  Returns a malloc'd string the
 * caller frees, NULL on ENOMEM. */
char *cube_labelsel_string(const cube_labelsel *s);

/* Frees the selector. Accepts NULL. */
void cube_labelsel_free(cube_labelsel *s);

/* ---- field selectors ------------------------------------------------------------ */

typedef struct cube_fieldsel cube_fieldsel;

/* Parses the syntax of fields.ParseSelector.  "" gives a selector that
 * matches everything; empty terms ("a=b,") are skipped.  Field names are
 * taken verbatim (no blanks are trimmed, as in Kubernetes).  Returns a new
 * selector or NULL with err set (CUBE_EINVAL, CUBE_ETOOBIG, CUBE_ENOMEM). */
cube_fieldsel *cube_fieldsel_parse(const char *s, cube_err *err)
	__attribute__((warn_unused_result));

/* Reads one field of the object being matched: returns its value as a
 * string (borrowed until the matching call returns), or NULL if the object
 * has no such field. */
typedef const char *(*cube_field_get_fn)(void *ud, const char *field);

/* True if every requirement holds, reading fields with get(ud, field).  An
 * absent field (NULL) reads as "", so "f!=x" matches it and "f=" does too.
 * A NULL selector matches everything (no field selector was given). */
bool cube_fieldsel_matches(const cube_fieldsel *s, cube_field_get_fn get, void *ud);

/* Like cube_fieldsel_matches, reading each field as a dotted path into obj
 * ("metadata.name", "spec.nodeName", "status.phase", "involvedObject.uid").
 * Strings read as themselves, booleans as "true"/"false", integral numbers
 * in decimal, other numbers as "%.17g"; a missing field, null, an object or
 * an array reads as "". */
bool cube_fieldsel_matches_json(const cube_fieldsel *s, const cJSON *obj);

/* The value v if the selector has a requirement field=v (or field==v), for
 * fast paths such as a lookup by metadata.name; else NULL.  If there are
 * several, the first in canonical order.  Borrowed from s. */
const char *cube_fieldsel_exact(const cube_fieldsel *s, const char *field);

/* Number of requirements (0 for everything). */
size_t cube_fieldsel_count(const cube_fieldsel *s);

/* The i-th requirement's field name in canonical order, so that a server can
 * reject unsupported fields with a message naming them; NULL if i is out of
 * range.  Borrowed from s. */
const char *cube_fieldsel_field(const cube_fieldsel *s, size_t i);

/* The canonical form: terms "f=v" / "f!=v" (== prints as =), values escaped
 * as fields.EscapeValue does ('\', ',' and '='), sorted by their text, joined
 * by ','.  Parsing the result gives an equal selector.  Returns a malloc'd
 * string the caller frees, NULL on ENOMEM. */
char *cube_fieldsel_string(const cube_fieldsel *s);

/* Frees the selector. Accepts NULL. */
void cube_fieldsel_free(cube_fieldsel *s);

#endif
