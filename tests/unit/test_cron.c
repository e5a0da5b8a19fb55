/* Unit tests: cron schedules (cron.h), parsed as robfig/cron v3 parses them
 * for Kubernetes, and their next activation times (UTC). */
#include <criterion/criterion.h>
#include <string.h>

#include "cron.h"
#include "ktime.h"

static time_t at(const char *rfc3339)
{
	double t = 0;
	cr_assert(cube_time_parse(rfc3339, &t), "bad time %s", rfc3339);
	return (time_t)t;
}

/* The next activation of `spec` after `from`, as RFC 3339 ("never" if none). */
static const char *next_of(const char *spec, const char *from)
{
	static char buf[32];
	cube_cron c;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_cron_parse(spec, &c, &err), 0, "%s: %s", spec, err.msg);
	time_t n = cube_cron_next(&c, at(from));
	if (!n)
		return "never";
	cube_time_format(n, buf, sizeof(buf));
	return buf;
}

static void refused(const char *spec, const char *msg)
{
	cube_cron c;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_cron_parse(spec, &c, &err), -1, "%s was accepted", spec);
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert_str_eq(err.msg, msg, "%s", spec);
}

Test(cron, every_minute_goes_to_the_next_whole_minute)
{
	cr_assert_str_eq(next_of("* * * * *", "2026-03-10T10:00:30Z"), "2026-03-10T10:01:00Z");
	cr_assert_str_eq(next_of("* * * * *", "2026-03-10T10:00:00Z"), "2026-03-10T10:01:00Z");
	cr_assert_str_eq(next_of("* * * * *", "2026-12-31T23:59:59Z"), "2027-01-01T00:00:00Z");
}

Test(cron, steps_ranges_and_lists)
{
	cr_assert_str_eq(next_of("*/15 * * * *", "2026-03-10T10:07:00Z"), "2026-03-10T10:15:00Z");
	cr_assert_str_eq(next_of("*/15 * * * *", "2026-03-10T10:45:00Z"), "2026-03-10T11:00:00Z");
	cr_assert_str_eq(next_of("0 9-17/4 * * *", "2026-03-10T09:00:00Z"), "2026-03-10T13:00:00Z");
	cr_assert_str_eq(next_of("0 9-17/4 * * *", "2026-03-10T17:00:00Z"), "2026-03-11T09:00:00Z");
	cr_assert_str_eq(next_of("5/20 * * * *", "2026-03-10T10:06:00Z"), "2026-03-10T10:25:00Z");
	cr_assert_str_eq(next_of("5/20 * * * *", "2026-03-10T10:45:00Z"), "2026-03-10T11:05:00Z");
	cr_assert_str_eq(next_of("1,31,59 * * * *", "2026-03-10T10:31:00Z"),
			 "2026-03-10T10:59:00Z");
	cr_assert_str_eq(next_of("10-12 * * * *", "2026-03-10T10:12:00Z"), "2026-03-10T11:10:00Z");
}

Test(cron, month_and_weekday_names_any_case)
{
	/* 2026-03-14 is a Saturday. */
	cr_assert_str_eq(next_of("30 2 * * MON-FRI", "2026-03-14T00:00:00Z"),
			 "2026-03-16T02:30:00Z");
	cr_assert_str_eq(next_of("30 2 * * mon-fri", "2026-03-14T00:00:00Z"),
			 "2026-03-16T02:30:00Z");
	cr_assert_str_eq(next_of("0 0 1 JAN,jul *", "2026-03-14T00:00:00Z"),
			 "2026-07-01T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 1 Dec *", "2026-12-01T00:00:00Z"), "2027-12-01T00:00:00Z");
	/* Sunday is 0 (and SUN). */
	cr_assert_str_eq(next_of("0 0 * * 0", "2026-03-14T00:00:00Z"), "2026-03-15T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 * * SUN", "2026-03-14T00:00:00Z"), "2026-03-15T00:00:00Z");
}

Test(cron, day_of_month_or_day_of_week_when_both_are_restricted)
{
	/* 13th of the month OR a Friday: from Sat 2026-03-14 the first is Fri 03-20. */
	cr_assert_str_eq(next_of("0 0 13 * FRI", "2026-03-14T00:00:00Z"), "2026-03-20T00:00:00Z");
	/* From Sat 2026-06-06: Friday 06-12 first, then Saturday the 13th. */
	cr_assert_str_eq(next_of("0 0 13 * FRI", "2026-06-06T00:00:00Z"), "2026-06-12T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 13 * FRI", "2026-06-12T00:00:00Z"), "2026-06-13T00:00:00Z");
	/* A star in either field makes it AND: the 13th only, or Fridays only. */
	cr_assert_str_eq(next_of("0 0 13 * *", "2026-03-14T00:00:00Z"), "2026-04-13T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 * * FRI", "2026-03-14T00:00:00Z"), "2026-03-20T00:00:00Z");
	/* "*" + "/1" keeps the star; "*" + "/2" does not (robfig's starBit). */
	cr_assert_str_eq(next_of("0 0 13 * */1", "2026-03-14T00:00:00Z"), "2026-04-13T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 13 * */2", "2026-03-14T00:00:00Z"), "2026-03-15T00:00:00Z");
}

Test(cron, descriptors)
{
	const char *from = "2026-03-14T10:20:30Z"; /* a Saturday */
	cr_assert_str_eq(next_of("@yearly", from), "2027-01-01T00:00:00Z");
	cr_assert_str_eq(next_of("@annually", from), "2027-01-01T00:00:00Z");
	cr_assert_str_eq(next_of("@monthly", from), "2026-04-01T00:00:00Z");
	cr_assert_str_eq(next_of("@weekly", from), "2026-03-15T00:00:00Z");
	cr_assert_str_eq(next_of("@daily", from), "2026-03-15T00:00:00Z");
	cr_assert_str_eq(next_of("@midnight", from), "2026-03-15T00:00:00Z");
	cr_assert_str_eq(next_of("@hourly", from), "2026-03-14T11:00:00Z");
	cr_assert_str_eq(next_of("@every 90s", from), "2026-03-14T10:22:00Z");
	cr_assert_str_eq(next_of("@every 1h30m", from), "2026-03-14T11:50:30Z");
	cr_assert_str_eq(next_of("@every 10ms", from), "2026-03-14T10:20:31Z");
}

Test(cron, leap_days_and_impossible_dates)
{
	cr_assert_str_eq(next_of("0 0 29 2 *", "2026-03-14T00:00:00Z"), "2028-02-29T00:00:00Z");
	cr_assert_str_eq(next_of("0 0 30 2 *", "2026-03-14T00:00:00Z"), "never");
	cr_assert_str_eq(next_of("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
}

Test(cron, tz_prefix_is_parsed_and_kept)
{
	cube_cron c;
	cr_assert_eq(cube_cron_parse("CRON_TZ=Europe/Paris 0 0 * * *", &c, NULL), 0);
	cr_assert_str_eq(c.tz, "Europe/Paris");
	cr_assert_eq(cube_cron_parse("TZ=UTC @daily", &c, NULL), 0);
	cr_assert_str_eq(c.tz, "UTC");
}

Test(cron, bad_schedules_name_what_is_wrong)
{
	refused("", "empty spec string");
	refused("*/5 * * *", "expected exactly 5 fields, found 4: [*/5 * * *]");
	refused("0 0 * * * *", "expected exactly 5 fields, found 6: [0 0 * * * *]");
	refused("0 24 * * *", "end of range (24) above maximum (23): 24");
	refused("0 0 0 * *", "beginning of range (0) below minimum (1): 0");
	refused("0 0 * 13 *", "end of range (13) above maximum (12): 13");
	refused("0 0 * * 7", "end of range (7) above maximum (6): 7");
	refused("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1");
	refused("*/0 * * * *", "step of range should be a positive number: */0");
	refused("x * * * *",
		"failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
	refused("1-2-3 * * * *", "too many hyphens: 1-2-3");
	refused("1/2/3 * * * *", "too many slashes: 1/2/3");
	refused("1,,2 * * * *",
		"failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax");
	refused("0 0 * FOO *",
		"failed to parse int from FOO: strconv.Atoi: parsing \"FOO\": invalid syntax");
	refused("99999999999999999999 * * * *",
		"failed to parse int from 99999999999999999999: strconv.Atoi: parsing "
		"\"99999999999999999999\": value out of range");
	refused("@fortnightly", "unrecognized descriptor: @fortnightly");
	refused("@every 5x",
		"failed to parse duration @every 5x: time: unknown unit \"x\" in duration \"5x\"");
	refused("@every ", "failed to parse duration @every : time: invalid duration \"\"");
	refused("TZ=UTC", "invalid schedule format: runtime error: slice bounds out of range");
}
