/* imageref.c - image references (see imageref.h), after Docker's
 * distribution/reference grammar. */
#include "imageref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+ */
static bool valid_component(const char *s, size_t n)
{
	if (!n || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_lower_alnum(s[i]))
			continue;
		if (s[i] == '.' || s[i] == '-') {
			if (s[i] == '.' && !is_lower_alnum(s[i + 1]))
				return false;
			continue;
		}
		if (s[i] == '_') {
			if (s[i + 1] == '_')
				i++;
			if (!is_lower_alnum(s[i + 1]))
				return false;
			continue;
		}
		return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (!n || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

/* host[:port]: host labels of letters, digits, '.', '-' (or an [IPv6]);
 * the port all digits. */
static bool valid_domain(const char *d, size_t n)
{
	size_t host = n;
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (d[i] == ':' && !(d[0] == '[' && !memchr(d + i, ']', n - i)))
			colon = d + i;
	if (colon) {
		host = (size_t)(colon - d);
		size_t pl = n - host - 1;
		if (!pl || strspn(colon + 1, "0123456789") < pl)
			return false;
	}
	if (!host)
		return false;
	if (d[0] == '[')
		return d[host - 1] == ']';
	/* labels: alphanumerics and '-', starting and ending alphanumeric */
	size_t start = 0;
	for (size_t i = 0; i <= host; i++) {
		if (i < host && d[i] != '.') {
			if (!(isalnum((unsigned char)d[i]) || d[i] == '-'))
				return false;
			continue;
		}
		if (i == start || !isalnum((unsigned char)d[start]) ||
		    !isalnum((unsigned char)d[i - 1]))
			return false;
		start = i + 1;
	}
	return true;
}

int cube_imageref_parse(const char *s, cube_imageref *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !s[0])
		return cube_err_set(err, CUBE_EINVAL, "invalid reference format: empty image name");
	if (strlen(s) >= CUBE_IMAGEREF_MAX)
		return cube_err_set(err, CUBE_EINVAL, "invalid reference format: name too long");
	char buf[CUBE_IMAGEREF_MAX];
	snprintf(buf, sizeof(buf), "%s", s);
	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		const char *dg = at + 1;
		if (strncmp(dg, "sha256:", 7) || strlen(dg) != 71 ||
		    strspn(dg + 7, "0123456789abcdef") != 64)
			return cube_err_set(
				err, CUBE_EINVAL,
				"invalid reference format: \"%s\" is not a sha256 digest", dg);
		snprintf(out->digest, sizeof(out->digest), "%s", dg);
	}
	/* The tag is after the last ':' that follows the last '/'. */
	char *slash = strrchr(buf, '/');
	char *colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!valid_tag(colon + 1))
			return cube_err_set(err, CUBE_EINVAL,
					    "invalid reference format: tag \"%s\"", colon + 1);
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	const char *name = buf;
	const char *first_slash = strchr(buf, '/');
	if (first_slash) {
		size_t dl = (size_t)(first_slash - buf);
		bool is_domain = memchr(buf, '.', dl) || memchr(buf, ':', dl) ||
				 (dl == 9 && !strncmp(buf, "localhost", 9));
		for (size_t i = 0; !is_domain && i < dl; i++)
			is_domain = isupper((unsigned char)buf[i]);
		if (is_domain) {
			if (!valid_domain(buf, dl))
				return cube_err_set(err, CUBE_EINVAL,
						    "invalid reference format: domain \"%.*s\"",
						    (int)dl, buf);
			snprintf(out->domain, sizeof(out->domain), "%.*s", (int)dl, buf);
			name = first_slash + 1;
		}
	}
	if (!out->domain[0])
		snprintf(out->domain, sizeof(out->domain), "docker.io");
	/* Validate each path component. */
	const char *p = name;
	while (true) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!valid_component(p, n))
			return cube_err_set(
				err, CUBE_EINVAL,
				"invalid reference format: repository name \"%s\" must be "
				"lowercase",
				name);
		if (!e)
			break;
		p = e + 1;
	}
	bool library = !strcmp(out->domain, "docker.io") && !strchr(name, '/');
	if (strlen(name) + (library ? 8 : 0) >= sizeof(out->path))
		return cube_err_set(err, CUBE_EINVAL, "invalid reference format: name too long");
	memcpy(out->path, "library/", library ? 8 : 0);
	memcpy(out->path + (library ? 8 : 0), name, strlen(name) + 1); /* length checked above */
	if (!out->tag[0] && !out->digest[0])
		snprintf(out->tag, sizeof(out->tag), "latest");
	return 0;
}

int cube_imageref_string(const cube_imageref *r, char *buf, size_t size)
{
	if (r->digest[0])
		return snprintf(buf, size, "%s/%s@%s", r->domain, r->path, r->digest);
	return snprintf(buf, size, "%s/%s:%s", r->domain, r->path, r->tag);
}

int cube_imageref_familiar(const cube_imageref *r, char *buf, size_t size)
{
	const char *path = r->path;
	bool hub = !strcmp(r->domain, "docker.io");
	/* Keep docker.io when the path would read as a domain ("docker.io/a.b/c"). */
	size_t first = strcspn(path, "/");
	if (hub && path[first] == '/' &&
	    (memchr(path, '.', first) || memchr(path, ':', first) ||
	     (first == 9 && !strncmp(path, "localhost", 9))))
		hub = false;
	if (hub && !strncmp(path, "library/", 8) && !strchr(path + 8, '/'))
		path += 8; /* only "library/x", as Docker's FamiliarName */
	char name[2 * CUBE_IMAGEREF_MAX];
	snprintf(name, sizeof(name), "%s%s%s", hub ? "" : r->domain, hub ? "" : "/", path);
	if (r->digest[0])
		return snprintf(buf, size, "%s@%s", name, r->digest);
	return snprintf(buf, size, "%s:%s", name, r->tag);
}

const char *cube_imageref_default_pull_policy(const char *image)
{
	cube_imageref r;
	/* As Kubernetes: a reference that does not parse has no tag. */
	if (cube_imageref_parse(image, &r, NULL) < 0)
		return "IfNotPresent";
	return !strcmp(r.tag, "latest") ? "Always" : "IfNotPresent";
}
