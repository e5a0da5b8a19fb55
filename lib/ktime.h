/* ktime.h - time as Kubernetes writes it: RFC 3339 in UTC, to the second
 * ("2026-11-26T01:02:03Z", metav1.Time) or the microsecond (MicroTime).
 *
 * Pure functions; no allocation.  Parsing accepts what the API carries:
 * "Z" or a "+hh:mm"/"-hh:mm" offset, and an optional fraction of a second.
 */
#ifndef CUBE_KTIME_H
#define CUBE_KTIME_H

#include <stdbool.h>
#include <time.h>

/* Writes t (seconds since the epoch) as "YYYY-MM-DDThh:mm:ssZ". */
void cube_time_format(time_t t, char *buf, size_t size);

/* The wall clock now, as cube_time_format writes it. */
void cube_time_now(char *buf, size_t size);

/* Parses an RFC 3339 time into seconds since the epoch (fractions kept).
 * Returns false (leaving *out alone) for NULL or anything malformed. */
bool cube_time_parse(const char *s, double *out);

/* The wall clock in seconds since the epoch, with sub-second precision. */
double cube_time_wall(void);

#endif
