/* quantity.c - Kubernetes resource quantities: parsing, the int64 accessors,
 * arithmetic and the canonical string.
 *
 * A quantity is an exact count of nano-units in an __int128, so there is no
 * floating point and no big-number library: the range (int64 base units, i.e.
 * below 10^28 nano) leaves the 128-bit integer a margin of 10^10.  Parsing
 * reads the digits as text and builds the value with bounds checked before
 * every multiplication, so arbitrarily long inputs ("0.000...01", "000...1")
 * cost linear time and cannot overflow.  Formatting follows apimachinery's
 * CanonicalizeBytes (quantity.go, amount.go, suffix.go) case by case.
 */
#include "quantity.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NANO_PER_UNIT 1000000000
#define NANO_PER_MILLI 1000000

/* Exponent bounds of the e<int> suffix: Kubernetes keeps the exponent in an
 * int32 it later negates, so it accepts exactly [-MaxInt32, MaxInt32]. */
#define EXP_MAX 2147483647LL

/* At most this many digits of a decimal fraction matter when it is multiplied
 * by 2^b, b <= 60: see frac_times_pow2(). */
#define FRAC_DIGITS 64

/* Input shown in error messages: longer inputs are cut and end in "...". */
#define QUOTE_MAX 64

typedef unsigned __int128 u128;

/* ---- error messages ----------------------------------------------------------- */

/* Writes s[0..len) into out, quoted for a message: printable ASCII as is,
 * anything else (and " and \) escaped, cut at QUOTE_MAX input bytes. */
static void quote(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < len && i < QUOTE_MAX && n + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[n++] = (char)c;
		} else {
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
		}
	}
	if (len > QUOTE_MAX && n + 4 <= size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* Sets CUBE_EINVAL with `quantity "<s>": <detail>`. Returns -1. */
static int __attribute__((format(printf, 4, 5)))
qty_err(cube_err *err, const char *s, size_t len, const char *fmt, ...)
{
	if (!err)
		return -1;
	char q[4 * QUOTE_MAX + 8];
	char detail[CUBE_ERR_MSG_MAX];
	va_list ap;
	quote(s, len, q, sizeof(q));
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return cube_err_set(err, CUBE_EINVAL, "quantity \"%s\": %s", q, detail);
}

/* A byte as a message shows it: 'x', or '\xHH' if it is not printable. */
static void char_name(unsigned char c, char out[8])
{
	if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
		snprintf(out, 8, "'%c'", c);
	else
		snprintf(out, 8, "'\\x%02x'", c);
}

static int unexpected(cube_err *err, const char *s, size_t len, size_t pos)
{
	if (pos >= len)
		return qty_err(err, s, len, "expected a digit at position %zu", pos);
	char c[8];
	char_name((unsigned char)s[pos], c);
	return qty_err(err, s, len, "unexpected character %s at position %zu", c, pos);
}

/* ---- suffixes ------------------------------------------------------------------ */

/* The fixed suffixes, for parsing and printing alike. */
static const struct suffix {
	const char *text;
	cube_qty_format format;
	int exp; /* power of 10 (DecimalSI) or of 2 (BinarySI) */
} suffixes[] = {
	{"n", CUBE_QTY_DECIMAL_SI, -9}, {"u", CUBE_QTY_DECIMAL_SI, -6},
	{"m", CUBE_QTY_DECIMAL_SI, -3}, {"", CUBE_QTY_DECIMAL_SI, 0},
	{"k", CUBE_QTY_DECIMAL_SI, 3},	{"M", CUBE_QTY_DECIMAL_SI, 6},
	{"G", CUBE_QTY_DECIMAL_SI, 9},	{"T", CUBE_QTY_DECIMAL_SI, 12},
	{"P", CUBE_QTY_DECIMAL_SI, 15}, {"E", CUBE_QTY_DECIMAL_SI, 18},
	{"Ki", CUBE_QTY_BINARY_SI, 10}, {"Mi", CUBE_QTY_BINARY_SI, 20},
	{"Gi", CUBE_QTY_BINARY_SI, 30}, {"Ti", CUBE_QTY_BINARY_SI, 40},
	{"Pi", CUBE_QTY_BINARY_SI, 50}, {"Ei", CUBE_QTY_BINARY_SI, 60},
};

static const struct suffix *suffix_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strlen(suffixes[i].text) == len && memcmp(suffixes[i].text, s, len) == 0)
			return &suffixes[i];
	return NULL;
}

static const char *suffix_text(cube_qty_format f, int exp)
{
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (suffixes[i].format == f && suffixes[i].exp == exp)
			return suffixes[i].text;
	return NULL;
}

/* The characters Kubernetes' scanner takes as a suffix before an optional
 * signed integer ("Ki", "e", "E-"); the suffix is then looked up whole. */
static bool is_suffix_char(char c)
{
	return c && strchr("eEinumkKMGTP", c);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "e" or "E", an optional sign, then one digit or more. */
static bool is_exponent(const char *s, size_t len)
{
	size_t i = 1;
	if (len < 2 || (s[0] != 'e' && s[0] != 'E'))
		return false;
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* ---- value ---------------------------------------------------------------------- */

/* The digits of the number, integer part then fraction, read as one string. */
typedef struct digits {
	const char *a; /* integer part */
	size_t alen;
	const char *b; /* fraction */
	size_t blen;
} digits;

static int digit_at(const digits *d, size_t k)
{
	return (k < d->alen ? d->a[k] : d->b[k - d->alen]) - '0';
}

/* Multiplies the fraction 0.f[0]f[1]...f[FRAC_DIGITS-1] by 2^b in place and
 * returns the integer part that carries out of it.
 *
 * Why FRAC_DIGITS digits of a longer fraction F suffice: write F = H + L with
 * H its first t digits and 0 <= L < 10^-t.  The fractional part of H*2^b is a
 * multiple of 2^min(b,t)/10^t, so when non-zero it is at most 1 - 2^b/10^t
 * (for t >= b), while L*2^b < 2^b/10^t: adding L*2^b never reaches the next
 * integer.  floor(F*2^b) = floor(H*2^b) for t >= b, and F*2^b is an integer
 * only if L = 0 and H*2^b is one. */
static int64_t frac_times_pow2(unsigned char f[FRAC_DIGITS], int b)
{
	int64_t acc = 0;
	for (; b > 0; b -= 10) {
		int step = b >= 10 ? 10 : b;
		unsigned carry = 0;
		for (int j = FRAC_DIGITS - 1; j >= 0; j--) {
			unsigned x = ((unsigned)f[j] << step) + carry;
			f[j] = (unsigned char)(x % 10);
			carry = x / 10;
		}
		acc = (acc << step) + carry;
	}
	return acc;
}

/* Computes the magnitude in nano-units of D * 10^exp10 * 2^exp2 (D the digit
 * string), rounded up to the next nano if inexact.  Returns 0, or -1 if the
 * magnitude exceeds `limit` (and then *out is unset). */
static int magnitude(const digits *dg, int64_t exp10, int exp2, u128 limit, u128 *out)
{
	size_t n = dg->alen + dg->blen, lo = 0, hi = n;
	while (lo < n && digit_at(dg, lo) == 0)
		lo++;
	if (lo == n) {
		*out = 0;
		return 0;
	}
	while (digit_at(dg, hi - 1) == 0)
		hi--;
	/* value = D * 10^x * 2^exp2 nano, D = digits [lo, hi), no leading or
	 * trailing zeros.  Lengths are far below 2^62, so int64 does not wrap. */
	int64_t d = (int64_t)(hi - lo);
	int64_t x = exp10 - (int64_t)dg->blen + (int64_t)(n - hi) + 9;
	int64_t n_int = d + x; /* digits of D * 10^x before the point */
	if (n_int > 28)
		return -1; /* >= 10^28 nano: past 2^63 units whatever exp2 */

	/* The integer part I, at most 28 digits: fits easily. */
	u128 ipart = 0;
	for (int64_t k = 0; k < n_int; k++)
		ipart = ipart * 10 + (u128)(k < d ? digit_at(dg, lo + (size_t)k) : 0);

	/* The fraction: its digits follow the integer part's (after -n_int
	 * zeros when n_int < 0). */
	int64_t m = n_int >= d ? 0 : d - n_int;
	int64_t carry = 0;
	bool inexact = m > 0;
	if (m > 0 && exp2 > 0) {
		unsigned char f[FRAC_DIGITS];
		for (int64_t j = 0; j < FRAC_DIGITS; j++) {
			int64_t p = n_int + j; /* index into D */
			f[j] = (unsigned char)(j < m && p >= 0 ? digit_at(dg, lo + (size_t)p) : 0);
		}
		carry = frac_times_pow2(f, exp2);
		inexact = m > FRAC_DIGITS;
		for (int j = 0; j < FRAC_DIGITS && !inexact; j++)
			inexact = f[j] != 0;
	}

	if (ipart > (limit >> exp2))
		return -1;
	u128 v = (ipart << exp2) + (u128)carry + (inexact ? 1 : 0);
	if (v > limit)
		return -1;
	*out = v;
	return 0;
}

/* Parses s[0..len) (no NUL needed); the grammar is in quantity.h. */
static int parse_n(const char *s, size_t len, cube_quantity *out, cube_err *err)
{
	size_t i = 0;
	bool neg = false;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	digits dg = {.a = s + i};
	while (i < len && is_digit(s[i]))
		i++;
	dg.alen = (size_t)(s + i - dg.a);
	dg.b = s + i;
	if (i < len && s[i] == '.') {
		dg.b = s + ++i;
		while (i < len && is_digit(s[i]))
			i++;
		dg.blen = (size_t)(s + i - dg.b);
	}
	if (dg.alen == 0 && dg.blen == 0)
		return unexpected(err, s, len, i);

	/* The suffix, scanned as Kubernetes scans it, then looked up whole. */
	size_t suf = i;
	while (i < len && is_suffix_char(s[i]))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < len && is_digit(s[i]))
		i++;
	if (i < len)
		return unexpected(err, s, len, i);

	cube_qty_format format;
	int64_t exp10 = 0;
	int exp2 = 0;
	const struct suffix *sx = suffix_lookup(s + suf, len - suf);
	if (sx) {
		format = sx->format;
		if (format == CUBE_QTY_BINARY_SI)
			exp2 = sx->exp;
		else
			exp10 = sx->exp;
	} else if (is_exponent(s + suf, len - suf)) {
		size_t j = suf + 1;
		bool eneg = s[j] == '-';
		if (s[j] == '+' || s[j] == '-')
			j++;
		for (; j < len && exp10 <= EXP_MAX; j++)
			exp10 = exp10 * 10 + (s[j] - '0');
		if (exp10 > EXP_MAX)
			return qty_err(err, s, len, "exponent out of range at position %zu", suf);
		if (eneg)
			exp10 = -exp10;
		format = CUBE_QTY_DECIMAL_EXPONENT;
	} else {
		return qty_err(err, s, len, "unknown suffix \"%.*s\" at position %zu",
			       (int)(len - suf), s + suf, suf);
	}

	u128 limit = neg ? (u128)0 - (u128)CUBE_QTY_NANO_MIN : (u128)CUBE_QTY_NANO_MAX;
	u128 mag;
	if (magnitude(&dg, exp10, exp2, limit, &mag) < 0)
		return qty_err(err, s, len, "out of range (%s units)",
			       neg ? "below -2^63" : "above 2^63-1");
	/* Kubernetes: a BinarySI value between 0 and 1 becomes DecimalSI at
	 * parse time ("This avoids rounding and hopefully confusion, too"). */
	if (format == CUBE_QTY_BINARY_SI && mag > 0 && mag < NANO_PER_UNIT)
		format = CUBE_QTY_DECIMAL_SI;
	out->nano = neg ? -(__int128)mag : (__int128)mag;
	out->format = format;
	return 0;
}

int cube_quantity_parse(const char *s, cube_quantity *out, cube_err *err)
{
	if (!s || !out)
		return cube_err_set(err, CUBE_EINVAL, "quantity: no input");
	return parse_n(s, strlen(s), out, err);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int cube_quantity_parse_json(const cJSON *v, cube_quantity *out, cube_err *err)
{
	if (!out)
		return cube_err_set(err, CUBE_EINVAL, "quantity: no output");
	if (cJSON_IsString(v) && v->valuestring) {
		const char *s = v->valuestring;
		size_t len = strlen(s);
		while (len > 0 && is_blank(*s)) {
			s++;
			len--;
		}
		while (len > 0 && is_blank(s[len - 1]))
			len--;
		return parse_n(s, len, out, err);
	}
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d))
			return cube_err_set(err, CUBE_EINVAL, "quantity: JSON number out of range");
		/* The shortest "%e" spelling that reads back as d: "1e-01", not
		 * "1.0000000000000001e-01".  It is in the quantity grammar as long
		 * as LC_NUMERIC is "C" (cube never calls setlocale). */
		char buf[48];
		for (int prec = 0; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*e", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		cube_quantity q;
		if (parse_n(buf, strlen(buf), &q, err) < 0)
			return -1;
		/* Kubernetes reads the number's text, typically plain ("100000",
		 * "0.5"), so DecimalSI: that text is gone, "%e" is ours. */
		q.format = CUBE_QTY_DECIMAL_SI;
		*out = q;
		return 0;
	}
	return cube_err_set(err, CUBE_EINVAL, "quantity: expected a JSON string or number");
}

/* ---- accessors and arithmetic ------------------------------------------------------ */

static __int128 clamp(__int128 v)
{
	if (v > CUBE_QTY_NANO_MAX)
		return CUBE_QTY_NANO_MAX;
	if (v < CUBE_QTY_NANO_MIN)
		return CUBE_QTY_NANO_MIN;
	return v;
}

/* nano / unit rounded away from zero, saturated to int64. */
static int64_t scaled(__int128 nano, int64_t unit)
{
	nano = clamp(nano);
	__int128 r = nano / unit;
	if (nano % unit != 0)
		r += nano > 0 ? 1 : -1;
	if (r > INT64_MAX)
		return INT64_MAX;
	if (r < INT64_MIN)
		return INT64_MIN;
	return (int64_t)r;
}

int64_t cube_quantity_milli(const cube_quantity *q)
{
	return scaled(q->nano, NANO_PER_MILLI);
}

int64_t cube_quantity_value(const cube_quantity *q)
{
	return scaled(q->nano, NANO_PER_UNIT);
}

cube_quantity cube_quantity_from_milli(int64_t milli, cube_qty_format f)
{
	return (cube_quantity){.nano = (__int128)milli * NANO_PER_MILLI, .format = f};
}

cube_quantity cube_quantity_from_value(int64_t v, cube_qty_format f)
{
	return (cube_quantity){.nano = (__int128)v * NANO_PER_UNIT, .format = f};
}

int cube_quantity_cmp(const cube_quantity *a, const cube_quantity *b)
{
	return (a->nano > b->nano) - (a->nano < b->nano);
}

/* Both operands are clamped first, so the sum (below 2^95) cannot overflow. */
void cube_quantity_add(cube_quantity *a, const cube_quantity *b)
{
	if (a->nano == 0)
		a->format = b->format;
	a->nano = clamp(clamp(a->nano) + clamp(b->nano));
}

void cube_quantity_sub(cube_quantity *a, const cube_quantity *b)
{
	if (a->nano == 0)
		a->format = b->format;
	a->nano = clamp(clamp(a->nano) - clamp(b->nano));
}

/* ---- canonical string ---------------------------------------------------------------- */

/* Appends v in decimal to out; returns the number of bytes written. */
static size_t put_int(char *out, __int128 v)
{
	char tmp[48];
	size_t n = 0, k = 0;
	u128 m = v < 0 ? (u128)0 - (u128)v : (u128)v;
	if (v < 0)
		out[k++] = '-';
	do {
		tmp[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m);
	while (n)
		out[k++] = tmp[--n];
	return k;
}

int cube_quantity_format(const cube_quantity *q, char *buf, size_t size)
{
	char s[CUBE_QTY_STR_MAX + 16];
	size_t n = 0;
	__int128 nano = clamp(q->nano);
	cube_qty_format f = q->format;
	if (f != CUBE_QTY_DECIMAL_SI && f != CUBE_QTY_BINARY_SI && f != CUBE_QTY_DECIMAL_EXPONENT)
		f = CUBE_QTY_DECIMAL_EXPONENT; /* Kubernetes' default for an unknown format */

	if (nano == 0) {
		s[n++] = '0';
	} else if (f == CUBE_QTY_BINARY_SI && nano > -1024LL * NANO_PER_UNIT &&
		   nano < 1024LL * NANO_PER_UNIT) {
		f = CUBE_QTY_DECIMAL_SI; /* small values print in decimal, as in Kubernetes */
	} else if (f == CUBE_QTY_BINARY_SI && nano % NANO_PER_UNIT != 0) {
		f = CUBE_QTY_DECIMAL_SI; /* fractions would be rounded: keep them exact */
	}

	if (nano != 0 && f == CUBE_QTY_BINARY_SI) {
		/* Whole units, |v| <= 2^63 = 8Ei: at most six factors of 1024. */
		__int128 v = nano / NANO_PER_UNIT;
		int exp = 0;
		while ((v >= 1024 || v <= -1024) && v % 1024 == 0) {
			v /= 1024;
			exp += 10;
		}
		n += put_int(s + n, v);
		const char *sfx = suffix_text(CUBE_QTY_BINARY_SI, exp);
		size_t sl = sfx ? strlen(sfx) : 0;
		memcpy(s + n, sfx ? sfx : "", sl);
		n += sl;
	} else if (nano != 0) {
		/* mantissa * 10^exp with the largest exp that is a multiple of 3
		 * and keeps the mantissa integral (AsCanonicalBytes). */
		__int128 m = nano;
		int exp = -9;
		while (m % 10 == 0) {
			m /= 10;
			exp++;
		}
		while (exp % 3 != 0) {
			m *= 10; /* |m| < 10^28 here: no overflow */
			exp--;
		}
		n += put_int(s + n, m);
		const char *sfx =
			f == CUBE_QTY_DECIMAL_SI ? suffix_text(CUBE_QTY_DECIMAL_SI, exp) : NULL;
		if (sfx) {
			memcpy(s + n, sfx, strlen(sfx));
			n += strlen(sfx);
		} else if (exp != 0) {
			/* DecimalExponent, or DecimalSI past "E" (unreachable in range). */
			n += (size_t)snprintf(s + n, sizeof(s) - n, "e%d", exp);
		}
	}
	s[n] = '\0';
	if (n + 1 > size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	memcpy(buf, s, n + 1);
	return (int)n;
}
