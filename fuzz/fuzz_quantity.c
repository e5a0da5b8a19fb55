/* fuzz_quantity.c - libFuzzer target for lib/quantity.c.
 *
 * Beyond "no crash, no sanitizer report, no leak", every input that parses
 * must satisfy the laws Kubernetes' own tests check, and abort() otherwise:
 *   - the canonical string fits CUBE_QTY_STR_MAX, re-parses to the same
 *     value, and is a fixed point (formatting the re-parse gives it again;
 *     for BinarySI, from the second round on: see check_format());
 *   - "+" and "-" in front of an unsigned input give the value and its
 *     negation, and the negation prints as "-" + the positive string;
 *   - Value and MilliValue are the value rounded away from zero;
 *   - a + b - b == a, a - a == 0, and cmp agrees with the sign of a - b;
 *   - a JSON string parses as the plain string does.
 * Rejected inputs must leave CUBE_EINVAL and a "quantity ..." message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quantity.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* Formats q, re-parses the string and checks the value survived; returns the
 * re-parsed quantity. */
static cube_quantity round_trip(const cube_quantity *q, char out[CUBE_QTY_STR_MAX])
{
	int n = cube_quantity_format(q, out, CUBE_QTY_STR_MAX);
	CHECK(n > 0 && (size_t)n == strlen(out));
	char small[CUBE_QTY_STR_MAX];
	CHECK(cube_quantity_format(q, small, (size_t)n) == -1 && small[0] == '\0');

	cube_quantity back;
	cube_err err = CUBE_ERR_INIT;
	CHECK(cube_quantity_parse(out, &back, &err) == 0);
	CHECK(back.nano == q->nano);
	return back;
}

/* The canonical string of q.  Re-parsing it keeps the string, except that a
 * BinarySI value printed without a binary suffix ("2000", as Kubernetes
 * prints it) re-parses as DecimalSI ("2k"); from there it is a fixed point. */
static void check_format(const cube_quantity *q, char out[CUBE_QTY_STR_MAX])
{
	char s2[CUBE_QTY_STR_MAX], s3[CUBE_QTY_STR_MAX];
	cube_quantity b = round_trip(q, out);
	cube_quantity c = round_trip(&b, s2);
	round_trip(&c, s3);
	CHECK(strcmp(s2, s3) == 0);
	if (q->format != CUBE_QTY_BINARY_SI)
		CHECK(strcmp(out, s2) == 0);
	else if (strcmp(out, s2) != 0)
		CHECK(b.format == CUBE_QTY_DECIMAL_SI && strchr(out, 'i') == NULL);
}

/* v / unit rounded away from zero, saturated: the reference for Value and
 * MilliValue, computed differently (on magnitudes). */
static int64_t away(__int128 v, int64_t unit)
{
	unsigned __int128 m =
		v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
	unsigned __int128 r = (m + (unsigned __int128)unit - 1) / (unsigned __int128)unit;
	if (v >= 0)
		return r > INT64_MAX ? INT64_MAX : (int64_t)r;
	return r > (unsigned __int128)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - (uint64_t)r);
}

static void check_laws(const char *s, const cube_quantity *q)
{
	char str[CUBE_QTY_STR_MAX];
	check_format(q, str);
	CHECK(q->nano >= CUBE_QTY_NANO_MIN && q->nano <= CUBE_QTY_NANO_MAX);
	CHECK(cube_quantity_value(q) == away(q->nano, 1000000000));
	CHECK(cube_quantity_milli(q) == away(q->nano, 1000000));

	/* Signs, for an input without one. */
	if (s[0] != '+' && s[0] != '-' && strlen(s) < 8192) {
		char *p = malloc(strlen(s) + 2);
		CHECK(p);
		cube_quantity r;
		cube_err err = CUBE_ERR_INIT;
		p[0] = '+';
		strcpy(p + 1, s);
		CHECK(cube_quantity_parse(p, &r, &err) == 0 && r.nano == q->nano &&
		      r.format == q->format);
		p[0] = '-';
		CHECK(cube_quantity_parse(p, &r, &err) == 0 && r.nano == -q->nano &&
		      r.format == q->format);
		free(p);
		char neg[CUBE_QTY_STR_MAX];
		CHECK(cube_quantity_format(&r, neg, sizeof(neg)) > 0);
		if (q->nano != 0)
			CHECK(neg[0] == '-' && strcmp(neg + 1, str) == 0);
		else
			CHECK(strcmp(neg, "0") == 0);
	}

	/* Arithmetic against a fixed, awkward operand. */
	cube_quantity b = {.nano = -1536000000001, .format = CUBE_QTY_BINARY_SI};
	cube_quantity a = *q;
	cube_quantity_add(&a, &b);
	if (q->nano + b.nano >= CUBE_QTY_NANO_MIN) {
		CHECK(a.nano == q->nano + b.nano);
		CHECK(cube_quantity_cmp(&a, q) < 0 && cube_quantity_cmp(q, &a) > 0);
		cube_quantity_sub(&a, &b);
		CHECK(a.nano == q->nano && cube_quantity_cmp(&a, q) == 0);
		CHECK(a.format == (q->nano == 0 ? b.format : q->format));
	} else {
		CHECK(a.nano == CUBE_QTY_NANO_MIN);
	}
	a = *q;
	cube_quantity_sub(&a, q);
	CHECK(a.nano == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	cube_quantity q;
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_quantity_parse(s, &q, &err);
	if (rc == 0) {
		check_laws(s, &q);
	} else {
		CHECK(rc == -1 && err.code == CUBE_EINVAL);
		CHECK(strncmp(err.msg, "quantity", 8) == 0);
	}

	cJSON *j = cJSON_CreateString(s);
	if (j) {
		cube_quantity jq;
		cube_err jerr = CUBE_ERR_INIT;
		int jrc = cube_quantity_parse_json(j, &jq, &jerr);
		/* JSON strings are trimmed; equal to the plain parse otherwise. */
		if (rc == 0)
			CHECK(jrc == 0 && jq.nano == q.nano && jq.format == q.format);
		else if (jrc == 0)
			CHECK(size > 0 && s[0] &&
			      (strchr(" \t\n\v\f\r", s[0]) ||
			       strchr(" \t\n\v\f\r", s[strlen(s) - 1])));
		cJSON_Delete(j);
	}
	if (rc == 0 && q.nano % 1000000000 == 0 && q.nano > -((__int128)1 << 53) * 1000000000 &&
	    q.nano < ((__int128)1 << 53) * 1000000000) {
		/* Whole numbers below 2^53 survive a JSON number exactly. */
		j = cJSON_CreateNumber((double)cube_quantity_value(&q));
		if (j) {
			cube_quantity jq;
			CHECK(cube_quantity_parse_json(j, &jq, NULL) == 0 && jq.nano == q.nano);
			CHECK(jq.format == CUBE_QTY_DECIMAL_SI);
			cJSON_Delete(j);
		}
	}
	free(s);
	return 0;
}
