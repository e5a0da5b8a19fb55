/* Unit tests: RFC 3339 times (ktime.h). */
#include <criterion/criterion.h>

#include "ktime.h"

Test(ktime, formats_utc_seconds)
{
	char buf[32];
	cube_time_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	cube_time_format(1795654923, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-11-26T01:02:03Z");
}

Test(ktime, parses_what_it_formats_and_offsets_and_fractions)
{
	double t = -1;
	cr_assert(cube_time_parse("2026-11-26T01:02:03Z", &t));
	cr_assert_eq(t, 1795654923.0);
	cr_assert(cube_time_parse("2026-11-26T02:02:03+01:00", &t));
	cr_assert_eq(t, 1795654923.0);
	cr_assert(cube_time_parse("2026-11-26T00:32:03-00:30", &t));
	cr_assert_eq(t, 1795654923.0);
	cr_assert(cube_time_parse("2026-11-26T01:02:03.250000Z", &t));
	cr_assert_float_eq(t, 1795654923.25, 1e-6);
}

Test(ktime, refuses_malformed_times)
{
	double t = 7;
	const char *bad[] = {NULL,
			     "",
			     "2026-11-26",
			     "2026-11-26T01:02:03",
			     "2026-13-26T01:02:03Z",
			     "2026-11-26T25:02:03Z",
			     "2026-11-26 01:02:03Z",
			     "2026-11-26T01:02:03.Z",
			     "2026-11-26T01:02:03Zjunk",
			     "2026-11-26T01:02:03+1:00",
			     "20x6-11-26T01:02:03Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!cube_time_parse(bad[i], &t), "accepted %s", bad[i] ? bad[i] : "NULL");
	cr_assert_eq(t, 7);
}
