/* test_quantity.c - unit tests for lib/quantity.c.
 *
 * The tables come from Kubernetes' apimachinery quantity_test.go
 * (TestQuantityParse, TestQuantityString, TestQuantityParseEmit,
 * TestNegativeValueRoundsAwayFromZero, TestNewSet, TestMilliNewSet, TestAdd,
 * TestSub, TestQuantityCmp), restated as exact nano-unit values; the error
 * tests pin cube's own messages.  Where cube deliberately differs from
 * Kubernetes (range, inputs without digits) the test says so.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "quantity.h"

#define G 1000000000LL
/* units + nano/10^9, as an exact nano count */
#define NANO(units, frac) ((__int128)(units)*G + (frac))
#define KI 1024LL
#define MI (KI * KI)
#define GI (MI * KI)
#define TI (GI * KI)
#define PI (TI * KI)
#define EI (PI * KI)

#define DSI CUBE_QTY_DECIMAL_SI
#define BSI CUBE_QTY_BINARY_SI
#define DEX CUBE_QTY_DECIMAL_EXPONENT

static const char *i128s(__int128 v, char *buf)
{
	char tmp[48];
	int n = 0, k = 0;
	unsigned __int128 m =
		v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
	if (v < 0)
		buf[k++] = '-';
	do {
		tmp[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m);
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return buf;
}

/* Parses s, failing the test on an error. */
static cube_quantity P(const char *s)
{
	cube_quantity q = {0};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_quantity_parse(s, &q, &err);
	cr_assert_eq(rc, 0, "parse \"%s\" failed: %s", s, err.msg);
	return q;
}

static void expect_parse(const char *s, __int128 nano, int format)
{
	char a[48], b[48];
	cube_quantity q = P(s);
	cr_expect(q.nano == nano, "\"%s\": nano %s, want %s", s, i128s(q.nano, a), i128s(nano, b));
	cr_expect_eq((int)q.format, format, "\"%s\": format %d, want %d", s, q.format, format);
}

/* Also checks "+s" and "-s", as TestQuantityParse does for every row. */
static void expect_parse_signed(const char *s, __int128 nano, int format)
{
	char buf[128];
	expect_parse(s, nano, format);
	snprintf(buf, sizeof(buf), "+%s", s);
	expect_parse(buf, nano, format);
	snprintf(buf, sizeof(buf), "-%s", s);
	expect_parse(buf, -nano, format);
}

static void expect_error(const char *s, const char *msg)
{
	cube_quantity q = {.nano = 42, .format = BSI};
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_quantity_parse(s, &q, &err), -1, "\"%s\" parsed", s);
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(err.msg, msg);
	cr_expect(q.nano == 42 && q.format == BSI, "\"%s\": out written on error", s);
}

static void expect_format(cube_quantity q, const char *want)
{
	char buf[CUBE_QTY_STR_MAX], n[48];
	int len = cube_quantity_format(&q, buf, sizeof(buf));
	cr_expect_eq(len, (int)strlen(want), "%s/%d: length %d for \"%s\"", i128s(q.nano, n),
		     q.format, len, want);
	cr_expect_str_eq(buf, want, "%s/%d", i128s(q.nano, n), q.format);
}

/* The canonical string of s parsed. */
static void expect_emit(const char *s, const char *want)
{
	char buf[CUBE_QTY_STR_MAX];
	cube_quantity q = P(s);
	cr_assert_gt(cube_quantity_format(&q, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, want, "\"%s\"", s);
}

static void add_str(cube_quantity *a, const char *b)
{
	cube_quantity q = P(b);
	cube_quantity_add(a, &q);
}

static void sub_str(cube_quantity *a, const char *b)
{
	cube_quantity q = P(b);
	cube_quantity_sub(a, &q);
}

static cube_quantity Q(__int128 nano, int format)
{
	return (cube_quantity){.nano = nano, .format = (cube_qty_format)format};
}

/* ---- parsing --------------------------------------------------------------- */

Test(quantity, parse_decimal_si_suffixes)
{
	expect_parse_signed("1", NANO(1, 0), DSI);
	expect_parse_signed("5n", 5, DSI);
	expect_parse_signed("4u", 4000, DSI);
	expect_parse_signed("3m", 3000000, DSI);
	expect_parse_signed("9", NANO(9, 0), DSI);
	expect_parse_signed("8k", NANO(8000, 0), DSI);
	expect_parse_signed("50k", NANO(50000, 0), DSI);
	expect_parse_signed("7M", NANO(7000000, 0), DSI);
	expect_parse_signed("6G", NANO(6000000000LL, 0), DSI);
	expect_parse_signed("5T", NANO(5000000000000LL, 0), DSI);
	expect_parse_signed("40T", NANO(40000000000000LL, 0), DSI);
	expect_parse_signed("300T", NANO(300000000000000LL, 0), DSI);
	expect_parse_signed("2P", NANO(2000000000000000LL, 0), DSI);
	expect_parse_signed("1E", NANO(1000000000000000000LL, 0), DSI);
}

Test(quantity, parse_binary_si_suffixes)
{
	expect_parse_signed("1Ki", NANO(KI, 0), BSI);
	expect_parse_signed("8Ki", NANO(8 * KI, 0), BSI);
	expect_parse_signed("7Mi", NANO(7 * MI, 0), BSI);
	expect_parse_signed("6Gi", NANO(6 * GI, 0), BSI);
	expect_parse_signed("5Ti", NANO(5 * TI, 0), BSI);
	expect_parse_signed("4Pi", NANO(4 * PI, 0), BSI);
	expect_parse_signed("3Ei", NANO(3 * EI, 0), BSI);
	expect_parse_signed("10Ti", NANO(10 * TI, 0), BSI);
	expect_parse_signed("100Ti", NANO(100 * TI, 0), BSI);
}

Test(quantity, parse_decimal_exponents)
{
	expect_parse_signed("1E-3", 1000000, DEX);
	expect_parse_signed("1e3", NANO(1000, 0), DEX);
	expect_parse_signed("1E6", NANO(1000000, 0), DEX);
	expect_parse_signed("1e9", NANO(1000000000LL, 0), DEX);
	expect_parse_signed("1E12", NANO(1000000000000LL, 0), DEX);
	expect_parse_signed("1e13", NANO(10000000000000LL, 0), DEX);
	expect_parse_signed("1e14", NANO(100000000000000LL, 0), DEX);
	expect_parse_signed("1e15", NANO(1000000000000000LL, 0), DEX);
	expect_parse_signed("1E18", NANO(1000000000000000000LL, 0), DEX);
	expect_parse_signed("1.2e3", NANO(1200, 0), DEX);
	expect_parse_signed("1.3E+6", NANO(1300000, 0), DEX);
	expect_parse_signed("1.40e9", NANO(1400000000LL, 0), DEX);
	expect_parse_signed("1.53E12", NANO(1530000000000LL, 0), DEX);
	expect_parse_signed("1.6e15", NANO(1600000000000000LL, 0), DEX);
	expect_parse_signed("1.7E18", NANO(1700000000000000000LL, 0), DEX);
	expect_parse_signed("0.5e0", 500000000, DEX);
	expect_parse_signed("0.5e-1", 50000000, DEX);
	expect_parse_signed("0.5e-2", 5000000, DEX);
	expect_parse_signed("12e+6", NANO(12000000, 0), DEX);
	expect_parse_signed("1e03", NANO(1000, 0), DEX);
}

Test(quantity, parse_zero_keeps_suffix_format)
{
	static const struct {
		const char *in;
		int format;
	} t[] = {
		{"0", DSI},   {"0n", DSI}, {"0u", DSI},	 {"0m", DSI}, {"0Ki", BSI},   {"0k", DSI},
		{"0Mi", BSI}, {"0M", DSI}, {"0Gi", BSI}, {"0G", DSI}, {"0Ti", BSI},   {"0T", DSI},
		{"-0", DSI},  {"+0", DSI}, {"0e5", DEX}, {"00", DSI}, {"0.000", DSI},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(t); i++)
		expect_parse(t[i].in, 0, t[i].format);
}

Test(quantity, parse_fractions_look_like_floating_point)
{
	expect_parse_signed("100.035k", NANO(100035, 0), DSI);
	expect_parse_signed("0.001", 1000000, DSI);
	expect_parse_signed("0.0005k", 500000000, DSI);
	expect_parse_signed("0.005", 5000000, DSI);
	expect_parse_signed("0.05", 50000000, DSI);
	expect_parse_signed("0.5", 500000000, DSI);
	expect_parse_signed("0.00050k", 500000000, DSI);
	expect_parse_signed("0.00500", 5000000, DSI);
	expect_parse_signed("0.05000", 50000000, DSI);
	expect_parse_signed("0.50000", 500000000, DSI);
	expect_parse_signed("10.035M", NANO(10035000, 0), DSI);
	expect_parse_signed("9.01", NANO(9, 10000000), DSI);
	expect_parse_signed("8.1k", NANO(8100, 0), DSI);
	expect_parse_signed("7.123456M", NANO(7123456, 0), DSI);
	expect_parse_signed("6.987654321G", NANO(6987654321LL, 0), DSI);
	expect_parse_signed("5.444T", NANO(5444000000000LL, 0), DSI);
	expect_parse_signed("40.1T", NANO(40100000000000LL, 0), DSI);
	expect_parse_signed("300.2T", NANO(300200000000000LL, 0), DSI);
	expect_parse_signed("2.5P", NANO(2500000000000000LL, 0), DSI);
	expect_parse_signed("1.01E", NANO(1010000000000000000LL, 0), DSI);
}

/* Kubernetes rounds a finer-than-nano value away from zero to the next nano. */
Test(quantity, parse_rounds_sub_nano_up)
{
	expect_parse_signed("3.001n", 4, DSI);
	expect_parse_signed("1.1E-9", 2, DEX);
	expect_parse_signed("0.0000000001", 1, DSI);
	expect_parse_signed("0.0000000005", 1, DSI);
	expect_parse_signed("0.00000000050", 1, DSI);
	expect_parse_signed("0.5e-9", 1, DEX);
	expect_parse_signed("0.9n", 1, DSI);
	expect_parse_signed("0.00000012345", 124, DSI);
	expect_parse_signed("0.00000012354", 124, DSI);
	expect_parse_signed("1e-2147483647", 1, DEX);
	expect_parse_signed(".484785E-7466", 1, DEX);
	/* exact nano values are not rounded */
	expect_parse_signed("0.000000001", 1, DSI);
	expect_parse_signed("1.000000000000", NANO(1, 0), DSI);
}

Test(quantity, parse_fractional_binary)
{
	expect_parse_signed("100.035Ki", NANO(102435, 840000000), BSI);
	expect_parse_signed("0.5Mi", NANO(524288, 0), BSI);
	expect_parse_signed("0.05Gi", NANO(53687091, 200000000), BSI);
	expect_parse_signed("0.025Ti", NANO(27487790694LL, 400000000), BSI);
	/* 9.5000000001 * 2^30 = 10200547328.1073741824: rounded up at nano */
	expect_parse_signed("9.5000000001Gi", NANO(10200547328LL, 107374183), BSI);
	/* 0.111...1 (100 ones) * 1024 = 113.777...: only the nano ceiling counts */
	expect_parse("0.1111111111111111111111111111111111111111111111111111111111111111111111"
		     "111111111111111111111111111111Ki",
		     NANO(113, 777777778), BSI);
}

/* "Things written by trolls" in quantity_test.go, and what ".5" and "5." do. */
Test(quantity, parse_dot_forms_follow_kubernetes)
{
	expect_parse_signed(".5", 500000000, DSI);
	expect_parse_signed("5.", NANO(5, 0), DSI);
	expect_parse_signed(".001", 1000000, DSI);
	expect_parse_signed(".0001k", 100000000, DSI);
	expect_parse_signed("1.", NANO(1, 0), DSI);
	expect_parse_signed("1.G", NANO(1000000000LL, 0), DSI);
	/* 1.024e-9 rounds up to 2n, and a BinarySI value below 1 becomes DecimalSI */
	expect_parse_signed("0.000000000001Ki", 2, DSI);
	expect_parse_signed(".000001Ki", 1024000, DSI);
	/* 1.024 is not below 1: it stays BinarySI */
	expect_parse_signed(".001Ki", NANO(1, 24000000), BSI);
}

Test(quantity, parse_long_inputs)
{
	char buf[512];
	/* 300 leading zeros, then 1Ki */
	memset(buf, '0', 300);
	strcpy(buf + 300, "1Ki");
	expect_parse(buf, NANO(1024, 0), BSI);
	/* "1." and 300 zeros */
	strcpy(buf, "1.");
	memset(buf + 2, '0', 300);
	buf[302] = '\0';
	expect_parse(buf, NANO(1, 0), DSI);
	/* 0.000...1 with 300 zeros is tiny but non-zero: 1n */
	strcpy(buf, "0.");
	memset(buf + 2, '0', 300);
	strcpy(buf + 302, "1");
	expect_parse(buf, 1, DSI);
	expect_parse("0.0000000000000000000000000000000000000000000000000000000000000000000001Ei",
		     1, DSI);
	/* 0.5Ki is exactly 512; a 1 at the 80th decimal still rounds up a nano,
	 * though it lies past the digits that the binary product reads */
	strcpy(buf, "0.5");
	memset(buf + 3, '0', 76);
	strcpy(buf + 79, "1Ki");
	expect_parse(buf, NANO(512, 1), BSI);
}

/* Kubernetes keeps decimal values past 2^63-1 and caps BinarySI ones at
 * 2^63-1 silently ("9Ei" parses as 2^63-1); cube rejects both. */
Test(quantity, parse_range_is_int64_units)
{
	expect_parse("9223372036854775807", CUBE_QTY_NANO_MAX, DSI);
	expect_parse("-9223372036854775808", CUBE_QTY_NANO_MIN, DSI);
	expect_parse("9223372036854775807000000000n", CUBE_QTY_NANO_MAX, DSI);
	expect_parse("7Ei", NANO(7 * EI, 0), BSI);
	expect_parse("9.223372036854775807E", CUBE_QTY_NANO_MAX, DSI);
	expect_error("9223372036854775808",
		     "quantity \"9223372036854775808\": out of range (above 2^63-1 units)");
	expect_error("-9223372036854775809",
		     "quantity \"-9223372036854775809\": out of range (below -2^63 units)");
	expect_error(
		"9223372036854775807000000001n",
		"quantity \"9223372036854775807000000001n\": out of range (above 2^63-1 units)");
	expect_error("8Ei", "quantity \"8Ei\": out of range (above 2^63-1 units)");
	expect_error("9Ei", "quantity \"9Ei\": out of range (above 2^63-1 units)");
	expect_error("9223372036854775807Ki",
		     "quantity \"9223372036854775807Ki\": out of range (above 2^63-1 units)");
	expect_error("12E", "quantity \"12E\": out of range (above 2^63-1 units)");
	expect_error("1e19", "quantity \"1e19\": out of range (above 2^63-1 units)");
	expect_error("1e2147483647",
		     "quantity \"1e2147483647\": out of range (above 2^63-1 units)");
}

/* ---- errors ------------------------------------------------------------------ */

Test(quantity, error_unexpected_character)
{
	expect_error("12x", "quantity \"12x\": unexpected character 'x' at position 2");
	expect_error(" 1", "quantity \" 1\": unexpected character ' ' at position 0");
	expect_error("1 ", "quantity \"1 \": unexpected character ' ' at position 1");
	expect_error("1.5.5", "quantity \"1.5.5\": unexpected character '.' at position 3");
	expect_error("1.1.M", "quantity \"1.1.M\": unexpected character '.' at position 3");
	expect_error("1+1.0M", "quantity \"1+1.0M\": unexpected character '.' at position 3");
	expect_error("aoeu", "quantity \"aoeu\": unexpected character 'a' at position 0");
	expect_error("0.1am", "quantity \"0.1am\": unexpected character 'a' at position 3");
	expect_error("1e3.5", "quantity \"1e3.5\": unexpected character '.' at position 3");
	expect_error("Ki", "quantity \"Ki\": unexpected character 'K' at position 0");
	expect_error("1KI", "quantity \"1KI\": unexpected character 'I' at position 2");
	expect_error("1\x01", "quantity \"1\\x01\": unexpected character '\\x01' at position 1");
	expect_error("1'", "quantity \"1'\": unexpected character '\\x27' at position 1");
}

/* Kubernetes reads "", ".", "-" and "+" without digits as 0 (all but ""),
 * cube requires a digit. */
Test(quantity, error_expected_digit)
{
	expect_error("", "quantity \"\": expected a digit at position 0");
	expect_error(".", "quantity \".\": expected a digit at position 1");
	expect_error("-", "quantity \"-\": expected a digit at position 1");
	expect_error("+", "quantity \"+\": expected a digit at position 1");
	expect_error("-.", "quantity \"-.\": expected a digit at position 2");
	expect_error(".Ki", "quantity \".Ki\": unexpected character 'K' at position 1");
}

Test(quantity, error_unknown_suffix)
{
	expect_error("1K", "quantity \"1K\": unknown suffix \"K\" at position 1");
	expect_error("1i", "quantity \"1i\": unknown suffix \"i\" at position 1");
	expect_error(".5i", "quantity \".5i\": unknown suffix \"i\" at position 2");
	expect_error("-3.01i", "quantity \"-3.01i\": unknown suffix \"i\" at position 5");
	expect_error("0.1mi", "quantity \"0.1mi\": unknown suffix \"mi\" at position 3");
	expect_error("1Ki5", "quantity \"1Ki5\": unknown suffix \"Ki5\" at position 1");
	expect_error("1e", "quantity \"1e\": unknown suffix \"e\" at position 1");
	expect_error("-3.01e-", "quantity \"-3.01e-\": unknown suffix \"e-\" at position 5");
	expect_error("1Ee3", "quantity \"1Ee3\": unknown suffix \"Ee3\" at position 1");
	expect_error("1-5", "quantity \"1-5\": unknown suffix \"-5\" at position 1");
}

Test(quantity, error_exponent_out_of_int32)
{
	expect_error("1e4294967297",
		     "quantity \"1e4294967297\": exponent out of range at position 1");
	expect_error("0e2147483648",
		     "quantity \"0e2147483648\": exponent out of range at position 1");
	expect_error("1E-2147483648",
		     "quantity \"1E-2147483648\": exponent out of range at position 1");
	expect_error("1e99999999999999999999999",
		     "quantity \"1e99999999999999999999999\": exponent out of range at position 1");
	expect_parse("0e2147483647", 0, DEX);
	expect_parse("0e-2147483647", 0, DEX);
}

Test(quantity, error_message_quotes_input_safely)
{
	char buf[256];
	memset(buf, '1', 100);
	strcpy(buf + 100, "x");
	expect_error(
		buf,
		"quantity \"1111111111111111111111111111111111111111111111111111111111111111...\": "
		"unexpected character 'x' at position 100");
	expect_error("1\"", "quantity \"1\\\"\": unexpected character '\"' at position 1");
	expect_error("1\xc3\xa9",
		     "quantity \"1\\xc3\\xa9\": unexpected character '\\xc3' at position 1");

	cube_quantity q;
	cr_expect_eq(cube_quantity_parse("bad", &q, NULL), -1, "a NULL err is allowed");
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_quantity_parse(NULL, &q, &err), -1);
	cr_expect_eq(err.code, CUBE_EINVAL);
}

/* ---- Value and MilliValue ------------------------------------------------------- */

/* TestNegativeValueRoundsAwayFromZero */
Test(quantity, value_and_milli_round_away_from_zero)
{
	static const struct {
		const char *in;
		int64_t value, milli;
	} t[] = {
		{"-.484785E-7466", -1, -1},
		{".484785E-7466", 1, 1},
		{"-.484785E-1", -1, -49},
		{".484785E-1", 1, 49},
		{"-0.0005", -1, -1},
		{"0.0005", 1, 1},
		{"-1500m", -2, -1500},
		{"1500m", 2, 1500},
		{"-9.5000000001Gi", -10200547329LL, -10200547328108LL},
		{"9.5000000001Gi", 10200547329LL, 10200547328108LL},
		{"-1", -1, -1000},
		{"1", 1, 1000},
		{"0", 0, 0},
		{"100m", 1, 100},
		{"1n", 1, 1},
		{"1u", 1, 1},
		{"1001u", 1, 2},
		{"1.5Gi", 1610612736LL, 1610612736000LL},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(t); i++) {
		cube_quantity q = P(t[i].in);
		cr_expect_eq(cube_quantity_value(&q), t[i].value, "Value(%s)", t[i].in);
		cr_expect_eq(cube_quantity_milli(&q), t[i].milli, "MilliValue(%s)", t[i].in);
	}
}

Test(quantity, value_and_milli_saturate)
{
	cube_quantity max = P("9223372036854775807");
	cube_quantity min = P("-9223372036854775808");
	cr_expect_eq(cube_quantity_value(&max), INT64_MAX);
	cr_expect_eq(cube_quantity_value(&min), INT64_MIN);
	cr_expect_eq(cube_quantity_milli(&max), INT64_MAX);
	cr_expect_eq(cube_quantity_milli(&min), INT64_MIN);
	cube_quantity big = P("9223372036854775.808"); /* milli = INT64_MAX + 1 */
	cr_expect_eq(cube_quantity_milli(&big), INT64_MAX);
	cube_quantity fits = P("9223372036854775.807");
	cr_expect_eq(cube_quantity_milli(&fits), INT64_MAX);
	cube_quantity up = P("9223372036854775806.5");
	cr_expect_eq(cube_quantity_value(&up), INT64_MAX);
	/* a hand-made struct outside the range reads as clamped */
	cube_quantity huge = Q((__int128)1 << 120, DSI);
	cr_expect_eq(cube_quantity_value(&huge), INT64_MAX);
	cube_quantity tiny = Q(-((__int128)1 << 120), DSI);
	cr_expect_eq(cube_quantity_milli(&tiny), INT64_MIN);
}

/* TestScaledValue, TestNewSet and TestMilliNewSet, values side. */
Test(quantity, from_value_and_from_milli)
{
	cube_quantity q = cube_quantity_from_milli(1, DSI);
	cr_expect(q.nano == 1000000);
	cr_expect_eq(cube_quantity_value(&q), 1);
	cr_expect_eq(cube_quantity_milli(&q), 1);
	q = cube_quantity_from_value(1, BSI);
	cr_expect(q.nano == NANO(1, 0) && q.format == BSI);
	cr_expect_eq(cube_quantity_milli(&q), 1000);
	q = cube_quantity_from_value(INT64_MIN, DSI);
	cr_expect(q.nano == CUBE_QTY_NANO_MIN);
	q = cube_quantity_from_value(INT64_MAX, DEX);
	cr_expect(q.nano == CUBE_QTY_NANO_MAX && q.format == DEX);
	q = cube_quantity_from_milli(INT64_MAX, DSI);
	cr_expect_eq(cube_quantity_value(&q), 9223372036854776LL);
	cr_expect_eq(cube_quantity_milli(&q), INT64_MAX);
	q = cube_quantity_from_milli(INT64_MIN, DSI);
	cr_expect_eq(cube_quantity_value(&q), -9223372036854776LL);
}

/* ---- canonical strings ---------------------------------------------------------- */

/* TestQuantityString: the value, its canonical string, and its negation. */
Test(quantity, format_kubernetes_string_table)
{
	static const struct {
		long long units, nano;
		int format;
		const char *want;
	} t[] = {
		{GI, 0, BSI, "1Gi"},
		{300 * MI, 0, BSI, "300Mi"},
		{6 * KI, 0, BSI, "6Ki"},
		{1001 * GI, 0, BSI, "1001Gi"},
		{TI, 0, BSI, "1Ti"},
		{5, 0, BSI, "5"},
		{0, 500000000, BSI, "500m"},
		{1000000000, 0, DSI, "1G"},
		{0, 1000000, DSI, "1m"},
		{0, 80000000, DSI, "80m"},
		{1, 80000000, DSI, "1080m"},
		{300000000, 0, DSI, "300M"},
		{1000000000000LL, 0, DSI, "1T"},
		{1000000000000000000LL, 0, DSI, "1E"},
		{1234567000000LL, 0, DSI, "1234567M"},
		{1234, 567000000, BSI, "1234567m"},
		{3000, 0, DSI, "3k"},
		{1025, 0, BSI, "1025"},
		{2000, 0, BSI, "2000"},
		{0, 0, DSI, "0"},
		{0, 0, BSI, "0"},
		{0, 0, DEX, "0"},
		{1000000000, 0, DEX, "1e9"},
		{0, 1000000, DEX, "1e-3"},
		{0, 1, DEX, "1e-9"},
		{0, 80000000, DEX, "80e-3"},
		{300000000, 0, DEX, "300e6"},
		{1000000000000LL, 0, DEX, "1e12"},
		{1000, 0, DEX, "1e3"},
		{3000, 0, DEX, "3e3"},
		{0, 1, DSI, "1n"},
		{0, 80, DSI, "80n"},
		{0, 1080, DSI, "1080n"},
		{0, 1000, DSI, "1u"},
		{0, 80000, DSI, "80u"},
		{0, 1080000, DSI, "1080u"},
		{0, 100000, DSI, "100u"},
		{0, 500000000, DSI, "500m"},
		{1000, 0, DSI, "1k"},
	};
	char neg[64];
	for (size_t i = 0; i < CUBE_ARRAY_LEN(t); i++) {
		cube_quantity q = Q(NANO(t[i].units, t[i].nano), t[i].format);
		expect_format(q, t[i].want);
		/* the canonical string parses back to the same value */
		cube_quantity back = P(t[i].want);
		cr_expect(back.nano == q.nano, "%s does not round-trip", t[i].want);
		if (q.nano == 0)
			continue;
		snprintf(neg, sizeof(neg), "-%s", t[i].want);
		expect_format(Q(-q.nano, t[i].format), neg);
	}
}

/* TestQuantityString's alternates and TestQuantityParseEmit: non-canonical
 * spellings print canonically. */
Test(quantity, format_canonicalises_parsed_strings)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"1Ki", "1Ki"},
		{"1Mi", "1Mi"},
		{"1Gi", "1Gi"},
		{"1024Mi", "1Gi"},
		{"307200Ki", "300Mi"},
		{"1025024Mi", "1001Gi"},
		{"1024Gi", "1Ti"},
		{"1000M", "1G"},
		{"0.001T", "1G"},
		{"1000u", "1m"},
		{"1.08", "1080m"},
		{"1080000000n", "1080m"},
		{"1.5", "1500m"},
		{"1.5Gi", "1536Mi"},
		{"0.001e0", "1e-3"},
		{"1000e-12", "1e-9"},
		{".001e12", "1e9"},
		{"00", "0"},
		{"5000m", "5"},
		{".001Ki", "1024m"},
		{".000001Ki", "1024u"},
		{".000000001Ki", "1024n"},
		{".000000000001Ki", "2n"},
		{"0.5Ki", "512"},
		{"1.1Ki", "1126400m"},
		{"1.5Ki", "1536"},
		{"100.035Ki", "102435840m"},
		{"0.5Mi", "512Ki"},
		{"1e3", "1e3"},
		{"1000", "1k"},
		{"12e+6", "12e6"},
		{"0.1e1", "1"},
		{"-0", "0"},
		{"7Ei", "7Ei"},
		{"4096Pi", "4Ei"},
		{"9223372036854775807", "9223372036854775807"},
	};
	char neg[64];
	for (size_t i = 0; i < CUBE_ARRAY_LEN(t); i++) {
		expect_emit(t[i].in, t[i].want);
		if (strcmp(t[i].want, "0") == 0 || t[i].in[0] == '-')
			continue;
		char in[64];
		snprintf(in, sizeof(in), "-%s", t[i].in);
		snprintf(neg, sizeof(neg), "-%s", t[i].want);
		expect_emit(in, neg);
	}
	expect_emit("8191Pi", "8191Pi");
	expect_emit("-9223372036854775808", "-9223372036854775808");
	expect_emit("-8Ei", "-8Ei");
}

/* Found by the fuzzer's fixed-point law: Kubernetes prints a whole BinarySI
 * value that is not a multiple of 1024 without a suffix ("960000"), and that
 * string reads back as DecimalSI, whose canonical form differs ("960k").
 * The value survives; the string is stable from the second round on. */
Test(quantity, format_binary_without_suffix_reparses_as_decimal)
{
	char s1[CUBE_QTY_STR_MAX], s2[CUBE_QTY_STR_MAX];
	cube_quantity q = P("937.5Ki");
	cr_assert_eq(q.format, BSI);
	cr_assert_eq(cube_quantity_format(&q, s1, sizeof(s1)), 6);
	cr_expect_str_eq(s1, "960000");
	cube_quantity back = P(s1);
	cr_expect(back.nano == q.nano && back.format == DSI);
	cr_assert_gt(cube_quantity_format(&back, s2, sizeof(s2)), 0);
	cr_expect_str_eq(s2, "960k");
	expect_emit("960k", "960k");
	expect_format(Q(NANO(2000, 0), BSI), "2000");
	expect_format(Q(NANO(-2000, 0), BSI), "-2000");
}

/* TestNewSet and TestMilliNewSet: strings of constructed quantities. A format
 * outside the enum prints as DecimalExponent. */
Test(quantity, format_constructed_quantities)
{
	expect_format(cube_quantity_from_value(1, DSI), "1");
	expect_format(cube_quantity_from_value(1000, DSI), "1k");
	expect_format(cube_quantity_from_value(1234000, DSI), "1234k");
	expect_format(cube_quantity_from_value(1024, BSI), "1Ki");
	expect_format(cube_quantity_from_value(1000000, (cube_qty_format)42), "1e6");
	expect_format(cube_quantity_from_value(1024 * 1024, BSI), "1Mi");
	expect_format(cube_quantity_from_milli(1, DSI), "1m");
	expect_format(cube_quantity_from_milli(1000, DSI), "1");
	expect_format(cube_quantity_from_milli(1234000, DSI), "1234");
	expect_format(cube_quantity_from_milli(1024, BSI), "1024m");
	expect_format(cube_quantity_from_milli(1000000, (cube_qty_format)42), "1e3");
	expect_format(cube_quantity_from_milli(1024 * 1024, BSI), "1048576m");
	expect_format(cube_quantity_from_value(INT64_MIN, BSI), "-8Ei");
	expect_format(cube_quantity_from_value(INT64_MAX, BSI), "9223372036854775807");
	expect_format(cube_quantity_from_milli(INT64_MIN, DEX), "-9223372036854775808e-3");
}

Test(quantity, format_buffer_size)
{
	char buf[CUBE_QTY_STR_MAX];
	cube_quantity q = P("1536Mi");
	cr_expect_eq(cube_quantity_format(&q, buf, 7), 6);
	cr_expect_str_eq(buf, "1536Mi");
	memset(buf, 'z', sizeof(buf));
	cr_expect_eq(cube_quantity_format(&q, buf, 6), -1);
	cr_expect_eq(buf[0], '\0');
	cr_expect_eq(cube_quantity_format(&q, NULL, 0), -1);
	/* the longest strings fit CUBE_QTY_STR_MAX */
	q = Q(CUBE_QTY_NANO_MIN + 1, DSI);
	cr_expect_eq(cube_quantity_format(&q, buf, sizeof(buf)), 30);
	cr_expect_str_eq(buf, "-9223372036854775807999999999n");
	q = Q(CUBE_QTY_NANO_MIN + 1, DEX);
	cr_expect_eq(cube_quantity_format(&q, buf, sizeof(buf)), 32);
	cr_expect_str_eq(buf, "-9223372036854775807999999999e-9");
}

/* ---- comparison and arithmetic --------------------------------------------------- */

Test(quantity, cmp)
{
	static const struct {
		const char *a, *b;
		int want;
	} t[] = {
		{"0", "0", 0},	  {"100m", "50m", 1}, {"50m", "100m", -1}, {"10000T", "100Gi", 1},
		{"1k", "1e3", 0}, {"1e3", "1000", 0}, {"1Ki", "1024", 0},  {"-1", "0", -1},
		{"1n", "0", 1},	  {"0Ki", "-0", 0},   {"1Gi", "1G", 1},	   {"-1Gi", "-1G", -1},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(t); i++) {
		cube_quantity a = P(t[i].a), b = P(t[i].b);
		cr_expect_eq(cube_quantity_cmp(&a, &b), t[i].want, "cmp(%s, %s)", t[i].a, t[i].b);
		cr_expect_eq(cube_quantity_cmp(&b, &a), -t[i].want, "cmp(%s, %s)", t[i].b, t[i].a);
	}
}

/* TestAdd, and TestQuantityAddZeroPreservesSuffix. */
Test(quantity, add)
{
	cube_quantity a = Q(NANO(10, 0), DSI), b = Q(NANO(10, 0), DSI);
	cube_quantity_add(&a, &b);
	cr_expect(a.nano == NANO(20, 0) && a.format == DSI);
	a = Q(NANO(10, 0), DSI);
	b = Q(NANO(1, 0), BSI);
	cube_quantity_add(&a, &b);
	cr_expect(a.nano == NANO(11, 0) && a.format == DSI);
	a = Q(NANO(10, 0), BSI);
	b = Q(NANO(1, 0), DSI);
	cube_quantity_add(&a, &b);
	cr_expect(a.nano == NANO(11, 0) && a.format == BSI);
	a = Q(0, DSI);
	b = Q(NANO(50, 0), DSI);
	cube_quantity_add(&a, &b);
	cr_expect(a.nano == NANO(50, 0));

	const char *keep[] = {"100m", "1Gi"};
	for (size_t i = 0; i < 2; i++) {
		cube_quantity v = P(keep[i]), zero = P("0");
		cube_quantity_add(&v, &zero);
		expect_format(v, keep[i]);
		zero = P("0");
		add_str(&zero, keep[i]);
		expect_format(zero, keep[i]);
	}
	a = P("1.5Gi");
	add_str(&a, "512Mi");
	expect_format(a, "2Gi");
	a = P("250m");
	add_str(&a, "750m");
	expect_format(a, "1");
}

/* TestSub, and TestQuantitySubZeroPreservesSuffix. */
Test(quantity, sub)
{
	cube_quantity a = Q(NANO(10, 0), DSI), b = Q(NANO(10, 0), DSI);
	cube_quantity_sub(&a, &b);
	cr_expect(a.nano == 0);
	a = Q(NANO(10, 0), DSI);
	b = Q(NANO(1, 0), BSI);
	cube_quantity_sub(&a, &b);
	cr_expect(a.nano == NANO(9, 0) && a.format == DSI);
	a = Q(NANO(10, 0), BSI);
	b = Q(NANO(1, 0), DSI);
	cube_quantity_sub(&a, &b);
	cr_expect(a.nano == NANO(9, 0) && a.format == BSI);
	a = Q(0, DSI);
	b = Q(NANO(50, 0), DSI);
	cube_quantity_sub(&a, &b);
	cr_expect(a.nano == NANO(-50, 0));

	const char *keep[] = {"100m", "1Gi"};
	const char *negs[] = {"-100m", "-1Gi"};
	for (size_t i = 0; i < 2; i++) {
		cube_quantity v = P(keep[i]), zero = P("0");
		cube_quantity_sub(&v, &zero);
		expect_format(v, keep[i]);
		zero = P("0");
		sub_str(&zero, keep[i]);
		expect_format(zero, negs[i]);
	}
	a = P("2Gi");
	sub_str(&a, "512Mi");
	expect_format(a, "1536Mi");
	a = P("1");
	sub_str(&a, "1n");
	expect_format(a, "999999999n");
}

Test(quantity, add_sub_saturate_at_the_range)
{
	cube_quantity a = Q(CUBE_QTY_NANO_MAX, DSI), one = Q(1, DSI);
	cube_quantity_add(&a, &one);
	cr_expect(a.nano == CUBE_QTY_NANO_MAX);
	a = Q(CUBE_QTY_NANO_MIN, DSI);
	cube_quantity_sub(&a, &one);
	cr_expect(a.nano == CUBE_QTY_NANO_MIN);
	a = Q(CUBE_QTY_NANO_MIN, DSI);
	cube_quantity b = Q(CUBE_QTY_NANO_MIN, DSI);
	cube_quantity_sub(&a, &b);
	cr_expect(a.nano == 0);
	/* hand-made out-of-range operands are clamped, not overflowed */
	a = Q(((__int128)1 << 126), DSI);
	b = Q(((__int128)1 << 126), DSI);
	cube_quantity_add(&a, &b);
	cr_expect(a.nano == CUBE_QTY_NANO_MAX);
}

/* TestAddSubRoundTrip: adding then subtracting the same values cancels. */
Test(quantity, add_sub_round_trip)
{
	uint64_t x = 88172645463325252ULL;
	int64_t vals[100];
	cube_quantity sum = Q(0, DSI);
	for (int i = 0; i < 100; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vals[i] = (int64_t)(x >> 8); /* < 2^56: a sum of 100 stays in range */
		cube_quantity v = i % 2 ? cube_quantity_from_milli(vals[i], DSI)
					: cube_quantity_from_value(vals[i] >> 8, BSI);
		cube_quantity_add(&sum, &v);
	}
	cr_expect(sum.nano != 0);
	for (int i = 0; i < 100; i++) {
		cube_quantity v = i % 2 ? cube_quantity_from_milli(vals[i], DSI)
					: cube_quantity_from_value(vals[i] >> 8, BSI);
		cube_quantity_sub(&sum, &v);
	}
	cr_expect(sum.nano == 0);
}

/* ---- JSON --------------------------------------------------------------------------- */

static void expect_json(const char *json, __int128 nano, int format, const char *str)
{
	cJSON *v = cJSON_Parse(json);
	cr_assert_not_null(v, "%s", json);
	cube_quantity q;
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_quantity_parse_json(v, &q, &err), 0, "%s: %s", json, err.msg);
	char a[48];
	cr_expect(q.nano == nano, "%s: nano %s", json, i128s(q.nano, a));
	cr_expect_eq((int)q.format, format, "%s", json);
	expect_format(q, str);
	cJSON_Delete(v);
}

static void expect_json_error(const char *json, const char *msg)
{
	cJSON *v = cJSON_Parse(json);
	cr_assert_not_null(v, "%s", json);
	cube_quantity q;
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_quantity_parse_json(v, &q, &err), -1, "%s parsed", json);
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(err.msg, msg);
	cJSON_Delete(v);
}

/* TestJSONWhitespace, plus numbers: Kubernetes accepts both. */
Test(quantity, parse_json)
{
	expect_json("\"100m\"", 100000000, DSI, "100m");
	expect_json("\"1.5Gi\"", NANO(1610612736, 0), BSI, "1536Mi");
	expect_json("\" 1\"", NANO(1, 0), DSI, "1");
	expect_json("\"1 \"", NANO(1, 0), DSI, "1");
	expect_json("1", NANO(1, 0), DSI, "1");
	expect_json("10", NANO(10, 0), DSI, "10");
	expect_json("-1", NANO(-1, 0), DSI, "-1");
	expect_json("0.5", 500000000, DSI, "500m");
	expect_json("0.1", 100000000, DSI, "100m"); /* not 0.1000000000000000055... rounded up */
	expect_json("100000", NANO(100000, 0), DSI, "100k");
	expect_json("1e3", NANO(1000, 0), DSI, "1k");
	expect_json("0.00001", 10000, DSI, "10u");
	expect_json("4294967296", NANO(4 * GI, 0), DSI, "4294967296");
	expect_json_error("1e20", "quantity \"1e+20\": out of range (above 2^63-1 units)");
	expect_json_error("\"12x\"", "quantity \"12x\": unexpected character 'x' at position 2");
	expect_json_error("\"\"", "quantity \"\": expected a digit at position 0");
	expect_json_error("null", "quantity: expected a JSON string or number");
	expect_json_error("{}", "quantity: expected a JSON string or number");
	expect_json_error("true", "quantity: expected a JSON string or number");
}
