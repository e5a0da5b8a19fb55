/* validate.c - DNS-1123 / DNS-1035 names, path segments and label values,
 * with Kubernetes' own error messages. */
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SUBDOMAIN_MSG                                                                             \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
	"or "                                                                                     \
	"'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "  \
	"used "                                                                                   \
	"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                  \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and "                                                                                     \
	"must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex " \
	"used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define DNS1035_MSG                                                                               \
	"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with " \
	"an "                                                                                     \
	"alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "      \
	"'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define LABEL_VALUE_MSG                                                                          \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
	"or "                                                                                    \
	"'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "       \
	"'my_value',  or '12345', regex used for validation is "                                 \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static bool say(char *msg, size_t size, const char *text)
{
	if (msg && size)
		snprintf(msg, size, "%s", text);
	return false;
}

static bool too_long(char *msg, size_t size, size_t max)
{
	if (msg && size)
		snprintf(msg, size, "must be no more than %zu characters", max);
	return false;
}

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool cube_valid_dns1123_label(const char *s, char *msg, size_t size)
{
	size_t n = strlen(s);
	if (n > CUBE_DNS1123_LABEL_MAX)
		return too_long(msg, size, CUBE_DNS1123_LABEL_MAX);
	return label_ok(s, n) ? true : say(msg, size, LABEL_MSG);
}

bool cube_valid_dns1123_subdomain(const char *s, char *msg, size_t size)
{
	size_t n = strlen(s);
	if (n > CUBE_DNS1123_SUBDOMAIN_MAX)
		return too_long(msg, size, CUBE_DNS1123_SUBDOMAIN_MAX);
	if (n == 0)
		return say(msg, size, SUBDOMAIN_MSG);
	const char *p = s;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_ok(p, len))
			return say(msg, size, SUBDOMAIN_MSG);
		if (!dot)
			return true;
		p = dot + 1;
	}
}

bool cube_valid_dns1035_label(const char *s, char *msg, size_t size)
{
	size_t n = strlen(s);
	if (n > CUBE_DNS1123_LABEL_MAX)
		return too_long(msg, size, CUBE_DNS1123_LABEL_MAX);
	if (n == 0 || !(s[0] >= 'a' && s[0] <= 'z') || !label_ok(s, n))
		return say(msg, size, DNS1035_MSG);
	return true;
}

bool cube_valid_path_segment(const char *s, char *msg, size_t size)
{
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return say(msg, size, "may not be '.' or '..'");
	if (strchr(s, '/'))
		return say(msg, size, "may not contain '/'");
	if (strchr(s, '%'))
		return say(msg, size, "may not contain '%'");
	return true;
}

bool cube_valid_label_value(const char *s, char *msg, size_t size)
{
	size_t n = strlen(s);
	if (n == 0)
		return true;
	if (n > CUBE_DNS1123_LABEL_MAX)
		return too_long(msg, size, CUBE_DNS1123_LABEL_MAX);
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return say(msg, size, LABEL_VALUE_MSG);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!isalnum((unsigned char)c) && c != '-' && c != '_' && c != '.')
			return say(msg, size, LABEL_VALUE_MSG);
	}
	return true;
}
