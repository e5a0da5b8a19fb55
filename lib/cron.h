/* cron.h - cron schedules as Kubernetes reads them: github.com/robfig/cron/v3
 * ParseStandard, and the next activation time after a given time.
 *
 *   minute hour day-of-month month day-of-week
 *
 * Each field takes "*" (or "?"), a number, a name (JAN..DEC, SUN..SAT, any
 * case), a range "a-b", a step "*" "/n", "a-b/n" or "a/n" (a to the field's
 * maximum), and comma-separated lists of those.  Day of week runs 0..6 with
 * 0 Sunday: robfig refuses 7, and so does Kubernetes' API server, so cube
 * does too.  When both day fields are restricted (neither starts with "*"
 * or "?"), a day matches if either does, as in Vixie cron; a "*" in one of
 * them makes the other alone decide.  The descriptors @yearly (@annually),
 * @monthly, @weekly, @daily (@midnight), @hourly and "@every <duration>"
 * are understood; a "TZ=zone " or "CRON_TZ=zone " prefix is parsed and
 * its zone kept (Kubernetes refuses it in spec.schedule; see tz).
 *
 * Error messages are robfig's, word for word, because Kubernetes' API
 * server shows them ("end of range (24) above maximum (23): 24").
 *
 * Pure functions; no allocation; thread-safe.  Times are UTC.
 */
#ifndef CUBE_CRON_H
#define CUBE_CRON_H

#include <stdint.h>
#include <time.h>

#include "error.h"

/* Set in a field when it was "*" or "?" (with no step over 1). */
#define CUBE_CRON_STAR (UINT64_C(1) << 63)

typedef struct cube_cron {
	/* bit v set: value v matches (months 1..12, days of month 1..31) */
	uint64_t minute, hour, dom, month, dow;
	int64_t every_s; /* "@every": the period in whole seconds (>= 1); else 0 */
	char tz[64];	 /* the TZ= / CRON_TZ= zone, "" if none */
} cube_cron;

/* Parses a schedule.  Returns 0, or -1 with err (CUBE_EINVAL) carrying
 * robfig's message. */
int cube_cron_parse(const char *spec, cube_cron *out, cube_err *err);

/* The first activation strictly after t (seconds since the epoch, UTC), or
 * 0 when the schedule has none within five years (e.g. "0 0 30 2 *"). */
time_t cube_cron_next(const cube_cron *c, time_t t);

#endif
