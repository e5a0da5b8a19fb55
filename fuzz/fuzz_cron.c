/* fuzz_cron.c - libFuzzer target for lib/cron.c.
 *
 * Beyond "no crash, no sanitizer report, no leak": a refused schedule
 * leaves CUBE_EINVAL and a message; an accepted one gives, from a few fixed
 * times, a next activation that is later, falls on a whole minute (or the
 * @every period), matches every field, and is the next one again when asked
 * from the second before it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool matches(const cube_cron *c, time_t t)
{
	struct tm tm;
	CHECK(gmtime_r(&t, &tm));
	bool dom = (c->dom >> tm.tm_mday) & 1, dow = (c->dow >> tm.tm_wday) & 1;
	bool day = (c->dom & CUBE_CRON_STAR) || (c->dow & CUBE_CRON_STAR) ? dom && dow : dom || dow;
	return tm.tm_sec == 0 && ((c->minute >> tm.tm_min) & 1) && ((c->hour >> tm.tm_hour) & 1) &&
	       ((c->month >> (tm.tm_mon + 1)) & 1) && day;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cube_cron c;
	cube_err err = CUBE_ERR_INIT;
	if (cube_cron_parse(s, &c, &err) < 0) {
		CHECK(err.code == CUBE_EINVAL && err.msg[0]);
		free(s);
		return 0;
	}
	static const time_t froms[] = {0, 1773483630 /* 2026-03-14T10:20:30Z */,
				       1835395199 /* 2028-02-28T23:59:59Z */};
	for (size_t i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		time_t n = cube_cron_next(&c, froms[i]);
		if (c.every_s > 0) {
			CHECK(n == froms[i] + c.every_s);
			continue;
		}
		if (n == 0)
			continue; /* none within five years */
		CHECK(n > froms[i]);
		CHECK(matches(&c, n));
		CHECK(cube_cron_next(&c, n - 1) == n);
	}
	free(s);
	return 0;
}
