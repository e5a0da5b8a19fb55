/* cron.c - cron schedules (robfig/cron v3 ParseStandard) and their next
 * activation time; see cron.h.  The parser follows robfig's parser.go step
 * by step so that what it accepts, and what it says about what it refuses,
 * is the same; next() follows SpecSchedule.Next (field by field, from the
 * month down, wrapping to the next year at most five times). */
#include "cron.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct bounds {
	unsigned min, max;
	const char *const *names; /* index + names_base = value */
	unsigned names_base;
} bounds;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};
static const bounds field_bounds[5] = {{0, 59, NULL, 0},
				       {0, 23, NULL, 0},
				       {1, 31, NULL, 0},
				       {1, 12, month_names, 1},
				       {0, 6, day_names, 0}};

/* ---- Go's texts ------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned min, c = p[0];
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		len = 2, min = 0x80, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		len = 3, min = 0x800, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		len = 4, min = 0x10000, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	return c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? 0 : len;
}

/* strconv.Quote into buf (truncated to size): valid UTF-8 kept, control
 * bytes and invalid bytes escaped. */
static void go_quote(const char *s, char *buf, size_t size)
{
	size_t o = 0, n = strlen(s);
#define PUT(str)                                                        \
	do {                                                            \
		for (const char *q_ = (str); *q_ && o + 1 < size; q_++) \
			buf[o++] = *q_;                                 \
	} while (0)
	PUT("\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (c >= 0x80 && l) {
			for (size_t k = 0; k < l && o + 1 < size; k++)
				buf[o++] = s[i + k];
			i += l;
			continue;
		}
		static const char esc_from[] = "\a\b\f\n\r\t\v\"\\";
		static const char esc_to[] = "abfnrtv\"\\";
		const char *e = c ? strchr(esc_from, c) : NULL;
		if (e) {
			tmp[0] = '\\', tmp[1] = esc_to[e - esc_from], tmp[2] = '\0';
			PUT(tmp);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			PUT(tmp);
		} else {
			tmp[0] = (char)c, tmp[1] = '\0';
			PUT(tmp);
		}
		i++;
	}
	PUT("\"");
#undef PUT
	if (size)
		buf[o < size ? o : size - 1] = '\0';
}

/* strconv.Atoi for a 64-bit int, with Go's error text. */
static int go_atoi(const char *s, long long *out, cube_err *err, const char *ctx)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	bool ok = *p != '\0';
	for (const char *c = p; *c; c++)
		ok &= isdigit((unsigned char)*c) != 0;
	char q[160];
	go_quote(s, q, sizeof(q));
	if (!ok)
		return cube_err_set(err, CUBE_EINVAL,
				    "failed to parse int from %.100s: strconv.Atoi: parsing %s: "
				    "invalid syntax",
				    ctx, q);
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return cube_err_set(err, CUBE_EINVAL,
				    "failed to parse int from %.100s: strconv.Atoi: parsing %s: "
				    "value out of range",
				    ctx, q);
	*out = v;
	return 0;
}

/* mustParseInt */
static int cron_int(const char *s, unsigned long long *out, cube_err *err)
{
	long long v = 0;
	if (go_atoi(s, &v, err, s) < 0)
		return -1;
	if (v < 0)
		return cube_err_set(err, CUBE_EINVAL, "negative number (%lld) not allowed: %.100s",
				    v, s);
	*out = (unsigned long long)v;
	return 0;
}

/* parseIntOrName */
static int cron_int_or_name(const char *s, const bounds *r, unsigned long long *out, cube_err *err)
{
	for (unsigned i = 0; r->names && r->names[i]; i++) {
		if (!strcasecmp(s, r->names[i])) {
			*out = i + r->names_base;
			return 0;
		}
	}
	return cron_int(s, out, err);
}

/* getRange for one comma-separated part (len bytes at part): ORs its bits
 * into *bits.  A part over 255 bytes can only be a number padded with
 * zeros that Go would read; cube refuses it as out of range. */
static int cron_range(const char *part, size_t len, const bounds *r, uint64_t *bits, cube_err *err)
{
	char buf[256], expr[256];
	if (len >= sizeof(buf))
		return cube_err_set(
			err, CUBE_EINVAL,
			"failed to parse int from %.100s: strconv.Atoi: parsing \"%.100s\": "
			"value out of range",
			part, part);
	snprintf(expr, sizeof(expr), "%.*s", (int)len, part);
	snprintf(buf, sizeof(buf), "%s", expr);
	int nslash = 0, nhyphen = 0;
	for (const char *c = buf; *c; c++)
		nslash += *c == '/';
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	char *second_slash = slash ? strchr(slash + 1, '/') : NULL;
	if (second_slash)
		*second_slash = '\0';
	for (const char *c = buf; *c; c++)
		nhyphen += *c == '-';
	unsigned long long start, end, step = 1;
	uint64_t extra = 0;
	bool single = nhyphen == 0;
	char *hy = strchr(buf, '-');
	if (hy)
		*hy = '\0';
	if (!strcmp(buf, "*") || !strcmp(buf, "?")) {
		start = r->min;
		end = r->max;
		extra = CUBE_CRON_STAR;
	} else {
		if (cron_int_or_name(buf, r, &start, err) < 0)
			return -1;
		if (nhyphen == 0) {
			end = start;
		} else if (nhyphen == 1) {
			if (cron_int_or_name(hy + 1, r, &end, err) < 0)
				return -1;
		} else {
			return cube_err_set(err, CUBE_EINVAL, "too many hyphens: %.150s", expr);
		}
	}
	if (nslash == 1) {
		if (cron_int(slash + 1, &step, err) < 0)
			return -1;
		if (single) /* "N/step" means "N-max/step" */
			end = r->max;
		if (step > 1)
			extra = 0;
	} else if (nslash > 1) {
		return cube_err_set(err, CUBE_EINVAL, "too many slashes: %.150s", expr);
	}
	if (start < r->min)
		return cube_err_set(err, CUBE_EINVAL,
				    "beginning of range (%llu) below minimum (%u): %.150s", start,
				    r->min, expr);
	if (end > r->max)
		return cube_err_set(err, CUBE_EINVAL,
				    "end of range (%llu) above maximum (%u): %.150s", end, r->max,
				    expr);
	if (start > end)
		return cube_err_set(err, CUBE_EINVAL,
				    "beginning of range (%llu) beyond end of range (%llu): %.150s",
				    start, end, expr);
	if (step == 0)
		return cube_err_set(err, CUBE_EINVAL,
				    "step of range should be a positive number: %.150s", expr);
	for (unsigned long long v = start; v <= end; v += step)
		*bits |= UINT64_C(1) << v;
	*bits |= extra;
	return 0;
}

/* time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, Go's error texts;
 * the value in nanoseconds in *ns. */
static int go_duration(const char *orig, double *ns, char *msg, size_t n)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {{"ns", 1},	  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
		     {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},	   {"h", 3600e9}};
	char q[200];
	go_quote(orig, q, sizeof(q));
	const char *s = orig;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	*ns = 0;
	if (!strcmp(s, "0"))
		return 0;
	if (!*s)
		goto invalid;
	while (*s) {
		if (!(*s == '.' || isdigit((unsigned char)*s)))
			goto invalid;
		const char *d = s;
		double v = 0, scale = 1;
		while (isdigit((unsigned char)*s))
			v = v * 10 + (*s++ - '0');
		bool pre = s != d, post = false;
		if (*s == '.') {
			s++;
			const char *fd = s;
			while (isdigit((unsigned char)*s)) {
				scale /= 10;
				v += (*s++ - '0') * scale;
			}
			post = s != fd;
		}
		if (!pre && !post)
			goto invalid;
		const char *u = s;
		while (*s && *s != '.' && !isdigit((unsigned char)*s))
			s++;
		if (s == u) {
			snprintf(msg, n, "time: missing unit in duration %s", q);
			return -1;
		}
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == (size_t)(s - u) &&
			    !strncmp(u, units[i].name, (size_t)(s - u)))
				mult = units[i].ns;
		if (mult == 0) {
			snprintf(msg, n, "time: unknown unit \"%.*s\" in duration %s",
				 (int)(s - u < 60 ? s - u : 60), u, q);
			return -1;
		}
		*ns += v * mult;
		if (*ns > 9223372036854775807.0)
			goto invalid; /* Go: overflow */
	}
	if (neg)
		*ns = -*ns;
	return 0;
invalid:
	snprintf(msg, n, "time: invalid duration %s", q);
	return -1;
}

/* ---- parse ---------------------------------------------------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Bits lo..hi (hi < 63). */
#define ALL(lo, hi) (((UINT64_C(1) << ((hi) + 1)) - 1) & ~((UINT64_C(1) << (lo)) - 1))

static int descriptor(const char *spec, cube_cron *c, cube_err *err)
{
	uint64_t any_dom = ALL(1, 31) | CUBE_CRON_STAR, any_month = ALL(1, 12) | CUBE_CRON_STAR;
	uint64_t any_dow = ALL(0, 6) | CUBE_CRON_STAR, any_hour = ALL(0, 23) | CUBE_CRON_STAR;
	c->minute = 1;
	c->hour = 1;
	c->dom = any_dom;
	c->month = any_month;
	c->dow = any_dow;
	if (!strcmp(spec, "@yearly") || !strcmp(spec, "@annually")) {
		c->dom = UINT64_C(1) << 1;
		c->month = UINT64_C(1) << 1;
	} else if (!strcmp(spec, "@monthly")) {
		c->dom = UINT64_C(1) << 1;
	} else if (!strcmp(spec, "@weekly")) {
		c->dow = 1;
	} else if (!strcmp(spec, "@daily") || !strcmp(spec, "@midnight")) {
		/* midnight every day */
	} else if (!strcmp(spec, "@hourly")) {
		c->hour = any_hour;
	} else if (has_prefix(spec, "@every ")) {
		char msg[300];
		double ns;
		if (go_duration(spec + 7, &ns, msg, sizeof(msg)) < 0)
			return cube_err_set(err, CUBE_EINVAL, "failed to parse duration %.100s: %s",
					    spec, msg);
		/* Every(): at least a second, whole seconds. */
		c->every_s = ns < 1e9 ? 1 : (int64_t)(ns / 1e9);
	} else {
		return cube_err_set(err, CUBE_EINVAL, "unrecognized descriptor: %.200s", spec);
	}
	return 0;
}

int cube_cron_parse(const char *spec, cube_cron *out, cube_err *err)
{
	cube_cron c = {0};
	if (!spec || !spec[0])
		return cube_err_set(err, CUBE_EINVAL, "empty spec string");
	if (has_prefix(spec, "TZ=") || has_prefix(spec, "CRON_TZ=")) {
		/* Go slices spec[eq+1:i] up to the first blank and panics without
		 * one; Kubernetes' validation recovers the panic into this text.
		 * The zone itself is not looked up here (no zone database). */
		const char *sp = strchr(spec, ' ');
		if (!sp)
			return cube_err_set(err, CUBE_EINVAL,
					    "invalid schedule format: runtime error: slice bounds "
					    "out of range");
		const char *eq = strchr(spec, '=');
		snprintf(c.tz, sizeof(c.tz), "%.*s", (int)(sp - eq - 1), eq + 1);
		spec = sp;
		while (isspace((unsigned char)*spec))
			spec++;
	}
	if (spec[0] == '@') {
		/* The descriptor is the rest of the spec (trimmed after a zone,
		 * as Go's strings.TrimSpace(spec[i:]) does). */
		char d[200];
		size_t len = strlen(spec);
		while (c.tz[0] && len && isspace((unsigned char)spec[len - 1]))
			len--;
		snprintf(d, sizeof(d), "%.*s", (int)(len < 199 ? len : 199), spec);
		if (descriptor(d, &c, err) < 0)
			return -1;
		*out = c;
		return 0;
	}
	const char *fields[5];
	size_t lens[5];
	int count = 0;
	char joined[400] = "";
	size_t jl = 0;
	for (const char *p = spec; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		int k = snprintf(joined + jl, sizeof(joined) - jl, "%s%.*s", count ? " " : "",
				 (int)(p - s), s);
		if (k > 0)
			jl = jl + (size_t)k < sizeof(joined) ? jl + (size_t)k : sizeof(joined) - 1;
		if (count < 5) {
			fields[count] = s;
			lens[count] = (size_t)(p - s);
		}
		count++;
	}
	if (count != 5)
		return cube_err_set(err, CUBE_EINVAL,
				    "expected exactly 5 fields, found %d: [%.300s]", count, joined);
	uint64_t *bits[5] = {&c.minute, &c.hour, &c.dom, &c.month, &c.dow};
	for (int i = 0; i < 5; i++) {
		/* strings.Split: empty parts are parts too ("1,,2" fails on ""). */
		const char *part = fields[i], *end = fields[i] + lens[i];
		for (;;) {
			const char *comma = memchr(part, ',', (size_t)(end - part));
			const char *stop = comma ? comma : end;
			if (cron_range(part, (size_t)(stop - part), &field_bounds[i], bits[i],
				       err) < 0)
				return -1;
			if (!comma)
				break;
			part = comma + 1;
		}
	}
	*out = c;
	return 0;
}

/* ---- next ------------------------------------------------------------------------------ */

static bool day_matches(const cube_cron *c, const struct tm *tm)
{
	bool dom = (c->dom >> tm->tm_mday) & 1, dow = (c->dow >> tm->tm_wday) & 1;
	if ((c->dom & CUBE_CRON_STAR) || (c->dow & CUBE_CRON_STAR))
		return dom && dow;
	return dom || dow;
}

static void norm(struct tm *tm)
{
	time_t t = timegm(tm);
	gmtime_r(&t, tm);
}

time_t cube_cron_next(const cube_cron *c, time_t t)
{
	if (c->every_s > 0)
		return t + c->every_s;
	struct tm tm;
	t += 1; /* the upcoming second */
	if (!gmtime_r(&t, &tm))
		return 0;
	int year_limit = tm.tm_year + 5;
	bool added = false;
wrap:
	if (tm.tm_year > year_limit)
		return 0;
	while (!((c->month >> (tm.tm_mon + 1)) & 1)) {
		if (!added) {
			added = true;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		}
		tm.tm_mon++;
		norm(&tm);
		if (tm.tm_mon == 0)
			goto wrap;
	}
	while (!day_matches(c, &tm)) {
		if (!added) {
			added = true;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		}
		tm.tm_mday++;
		norm(&tm);
		if (tm.tm_mday == 1)
			goto wrap;
	}
	while (!((c->hour >> tm.tm_hour) & 1)) {
		if (!added) {
			added = true;
			tm.tm_min = tm.tm_sec = 0;
		}
		tm.tm_hour++;
		norm(&tm);
		if (tm.tm_hour == 0)
			goto wrap;
	}
	while (!((c->minute >> tm.tm_min) & 1)) {
		if (!added) {
			added = true;
			tm.tm_sec = 0;
		}
		tm.tm_min++;
		norm(&tm);
		if (tm.tm_min == 0)
			goto wrap;
	}
	/* The standard parser's seconds field is {0}. */
	if (tm.tm_sec != 0) {
		added = true;
		tm.tm_sec = 60;
		norm(&tm);
		goto wrap; /* a new minute: check it from the month down */
	}
	return timegm(&tm);
}
