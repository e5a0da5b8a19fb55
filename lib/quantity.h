/* quantity.h - Kubernetes resource quantities ("100m", "1.5Gi", "1e3").
 *
 * The semantics are those of k8s.io/apimachinery/pkg/api/resource.Quantity:
 * ParseQuantity, Value, MilliValue, Cmp, Add, Sub and String.  The grammar is
 *
 *   <quantity> ::= <sign>? <number> <suffix>
 *   <number>   ::= <digits> | <digits> "." <digits>? | "." <digits>
 *   <suffix>   ::= "" | n | u | m | k | M | G | T | P | E        (DecimalSI)
 *                | Ki | Mi | Gi | Ti | Pi | Ei                    (BinarySI)
 *                | ("e" | "E") <sign>? <digits>                   (DecimalExponent)
 *
 * so ".5" and "5." are valid (0.5 and 5, as in Kubernetes), while "", "K",
 * "1i", "1.5.5" and " 1" are not.  The suffix decides the format that
 * cube_quantity_format() prints the value in.
 *
 * A value is held exactly as a count of nano-units in a signed 128-bit
 * integer.  Nano is Kubernetes' finest precision: a parsed value with finer
 * digits is rounded away from zero to the next nano ("0.9n" is 1n, "-1e-20" is
 * -1n), as Kubernetes does, so that asking for a little gets something.
 *
 * Range: every cube_quantity holds a value whose base units fit an int64,
 * [-2^63, 2^63-1] (CUBE_QTY_NANO_MIN..CUBE_QTY_NANO_MAX nano-units).  Parsing
 * rejects values outside it; add and sub saturate at its ends.  Kubernetes
 * itself keeps larger decimal values (and caps BinarySI ones at 2^63-1
 * silently); cube prefers a clear error to either.
 *
 * Values are plain structs: no allocation, nothing to free, copy freely.
 * No function here keeps a pointer it was given.  A hand-built struct whose
 * `nano` lies outside the range is read as if clamped to it.
 */
#ifndef CUBE_QUANTITY_H
#define CUBE_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

typedef enum cube_qty_format {
	CUBE_QTY_DECIMAL_SI,	   /* 12M = 12 * 10^6; also the format of suffix-less numbers */
	CUBE_QTY_BINARY_SI,	   /* 12Mi = 12 * 2^20 */
	CUBE_QTY_DECIMAL_EXPONENT, /* 12e6 */
} cube_qty_format;

typedef struct cube_quantity {
	__int128 nano;		/* the value * 10^9, exact */
	cube_qty_format format; /* how cube_quantity_format() prints it */
} cube_quantity;

/* The range of `nano` (INT64_MIN and INT64_MAX base units). */
#define CUBE_QTY_NANO_MAX ((__int128)INT64_MAX * 1000000000)
#define CUBE_QTY_NANO_MIN ((__int128)INT64_MIN * 1000000000)

/* Buffer size that always holds cube_quantity_format()'s output: at most a
 * sign, 28 digits and a 3-byte suffix ("-9223372036854775807999999999n"). */
#define CUBE_QTY_STR_MAX 40

/* Parses a quantity string (see the grammar above) into *out.  Returns 0, or
 * -1 with CUBE_EINVAL and a message naming the text and the 0-based position
 * of the fault: `quantity "12x": unexpected character 'x' at position 2`,
 * `quantity "1K": unknown suffix "K" at position 1`, `quantity "-": expected
 * a digit at position 1`, or `quantity "9Ei": out of range ...`.  *out is
 * written only on success.  Whitespace anywhere is an error. */
int cube_quantity_parse(const char *s, cube_quantity *out, cube_err *err)
	__attribute__((warn_unused_result));

/* Like cube_quantity_parse, for a JSON value as Kubernetes decodes one: a
 * string ("100m"; surrounding ASCII blanks are ignored, as Kubernetes'
 * UnmarshalJSON trims them) or a number (100, 0.5).  cJSON keeps only the
 * double of a number, not its text, so a number is read from the shortest
 * decimal that gives back that double (0.1 is 100m, not 100000001n), and is
 * always DecimalSI (Kubernetes would make the JSON text 1e3 DecimalExponent);
 * integers past 2^53 are as exact as the double.  Returns 0, or -1 with
 * CUBE_EINVAL for any other JSON type (null included) or an invalid or
 * out-of-range value. */
int cube_quantity_parse_json(const cJSON *v, cube_quantity *out, cube_err *err)
	__attribute__((warn_unused_result));

/* MilliValue: the value * 1000, rounded away from zero to an integer (so the
 * ceiling for positive values; Kubernetes rounds negative ones the same way),
 * saturating at INT64_MAX / INT64_MIN.  Cannot fail. */
int64_t cube_quantity_milli(const cube_quantity *q);

/* Value: the value rounded away from zero to an integer ("1500m" is 2, "-0.5"
 * is -1), saturating at INT64_MAX / INT64_MIN.  Cannot fail. */
int64_t cube_quantity_value(const cube_quantity *q);

/* Writes the canonical string of Kubernetes' String() into buf, NUL
 * terminated: the largest suffix of q's format that keeps the value exact and
 * integral ("1536Mi", "1Gi", "500m", "1k", "1e3", "100u"); zero is "0".  A
 * BinarySI value that is not a whole number of units, or lies strictly
 * between -1024 and 1024, prints as DecimalSI ("500m", "5").  A format outside
 * the enum prints as DecimalExponent, as in Kubernetes.  Returns the length
 * written, or -1 if buf (of `size` bytes) is too small; CUBE_QTY_STR_MAX is
 * always enough.  On -1, buf holds an empty string if size > 0. */
int cube_quantity_format(const cube_quantity *q, char *buf, size_t size);

/* A quantity of milli / 1000 (from_milli) or v (from_value) units in format f.
 * Every int64 fits, so these cannot fail.  No format change happens here: a
 * BinarySI quantity of 1024 milli prints as "1024m" by the rule above. */
cube_quantity cube_quantity_from_milli(int64_t milli, cube_qty_format f);
cube_quantity cube_quantity_from_value(int64_t v, cube_qty_format f);

/* Returns -1, 0 or 1 as *a is less than, equal to or greater than *b.  The
 * formats are ignored: "1k" equals "1e3" equals "1000". */
int cube_quantity_cmp(const cube_quantity *a, const cube_quantity *b);

/* *a += *b and *a -= *b.  The result keeps a's format, except that a zero *a
 * takes b's format (as Kubernetes' Add and Sub do, so that 0 + "1Gi" prints
 * "1Gi").  The result saturates at CUBE_QTY_NANO_MIN / CUBE_QTY_NANO_MAX.
 * Cannot fail. */
void cube_quantity_add(cube_quantity *a, const cube_quantity *b);
void cube_quantity_sub(cube_quantity *a, const cube_quantity *b);

#endif
