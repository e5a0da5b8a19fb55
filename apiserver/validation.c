/* validation.c - Kubernetes v1.32 validation of the kinds cube serves (see
 * validation.h for the contract).
 *
 * Each validate_* function mirrors one Go function of k8s.io/kubernetes
 * (pkg/apis/core/validation, apps/validation, batch/validation,
 * networking/validation, coordination/validation) or k8s.io/apimachinery
 * (api/validation, apis/meta/v1/validation, util/validation), in the same
 * order, with the same field paths and the same message bodies, so that the
 * causes come out in the order Kubernetes finds them.  Where Go iterates a
 * map (labels, annotations, resource lists, secret data) the order is random
 * in Kubernetes; here it is the JSON order.
 *
 * Values in messages are rendered as field.Error.ErrorBody does with Go's
 * fmt: strings quoted as strconv.Quote does, integers bare, and the composite
 * values Kubernetes passes (label maps, label selectors, int-or-strings,
 * service ports, string slices) as %#v prints them.  A few values are Go
 * structs that embed pointers or whole pod templates; those are rendered
 * shortened ("core.PodTemplateSpec{...}") and say so where they are built.
 *
 * Causes go to an api_causes list; allocation failure is remembered and
 * reported once (-1) at the end, so each rule stays a single line.
 *
 * Known differences from a v1.32 API server, all deliberate:
 *  - values Kubernetes prints as Go structs holding pointers or whole specs
 *    are shortened: "core.PodTemplateSpec{...}" (Job template immutability),
 *    "v1.OwnerReference{...}", "core.LocalObjectReference{...}", a set
 *    rollingUpdate pointer in a strategy (an address in Go), and an integer
 *    resource's resource.Quantity (its canonical string here);
 *  - the pod update Forbidden message ends without Kubernetes' cmp.Diff;
 *  - a quantity that does not parse is a decode error (400) in Kubernetes and
 *    an Invalid cause here; wrong JSON types are otherwise ignored here (400
 *    in Kubernetes);
 *  - healthCheckNodePort is checked only when set (cube allocates node ports
 *    after validation); time zone names are checked for form only;
 *  - resourceVersion, uid and creationTimestamp on update are the store's
 *    business (it fills them from the stored object, as Kubernetes' does);
 *  - names follow cube's resource table (Leases: path segments; Kubernetes
 *    wants DNS subdomains), except StatefulSets (DNS labels, as Kubernetes);
 *  - not checked: Windows and AppArmor/seccomp/sysctl security options,
 *    resource claims, hugepage sizes, image volumes, the fc and flocker
 *    volume sources, secret contents (dockercfg JSON, base64), managed
 *    fields, and the topology-spread matchLabelKeys.
 */
#include "validation.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cron.h"
#include "obj.h"
#include "quantity.h"
#include "selector.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the cause list ------------------------------------------------------------------- */

void api_causes_clear(api_causes *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

typedef struct V {
	api_causes *out;
	int added;
	bool oom;
} V;

/* Copies src into dst of `size` bytes, cut to fit. */
static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void add_cause(V *v, const char *reason, const char *field, const char *message)
{
	if (v->oom)
		return;
	api_causes *c = v->out;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		api_cause *nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv) {
			v->oom = true;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	api_cause *e = &c->v[c->n++];
	copy_cut(e->reason, sizeof(e->reason), reason);
	copy_cut(e->field, sizeof(e->field), field);
	copy_cut(e->message, sizeof(e->message), message);
	v->added++;
}

/* ---- field paths ------------------------------------------------------------------------ */

/* A field.Path rendered as its String(): "spec.containers[0].image". */
typedef struct fp {
	char s[256];
} fp;

/* Appends parts to a path, cutting at the buffer's end (the cause's field is
 * cut to the same size anyway). */
static void fp_cat(fp *p, const char *a, const char *b, const char *c)
{
	size_t n = strlen(p->s);
	const char *parts[3] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		for (const char *t = parts[i]; t && *t && n + 1 < sizeof(p->s); t++)
			p->s[n++] = *t;
	}
	p->s[n] = '\0';
}

static fp F(const char *root)
{
	fp p;
	p.s[0] = '\0';
	fp_cat(&p, root, NULL, NULL);
	return p;
}

/* Child: "a" + ".b"; a child of the empty root is just "b". */
static fp C(fp p, const char *name)
{
	fp_cat(&p, p.s[0] ? "." : NULL, name, NULL);
	return p;
}

static fp I(fp p, int i)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", i);
	fp_cat(&p, "[", n, "]");
	return p;
}

static fp K(fp p, const char *key)
{
	fp_cat(&p, "[", key, "]");
	return p;
}

/* ---- Go value rendering ------------------------------------------------------------------- */

/* A rendered value; long values are cut (the message is cut at 512 anyway). */
typedef struct gv {
	char s[1024];
} gv;

typedef struct gb {
	char *s;
	size_t n, size;
} gb;

static void gb_add(gb *b, const char *t, size_t len)
{
	if (b->n + 1 >= b->size)
		return;
	size_t room = b->size - 1 - b->n;
	if (len > room)
		len = room;
	memcpy(b->s + b->n, t, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static void gb_str(gb *b, const char *t)
{
	gb_add(b, t, strlen(t));
}

static void gb_fmt(gb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gb_fmt(gb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (k > 0)
		gb_add(b, tmp, (size_t)k < sizeof(tmp) ? (size_t)k : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 sequence at p (of at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned min;
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* strconv.Quote: printable characters as they are, the rest escaped.  Valid
 * non-ASCII UTF-8 is taken as printable (Go would escape the few unprintable
 * code points above 0x7f as \u; cube does not carry Unicode tables). */
static void gb_quote(gb *b, const char *s)
{
	gb_str(b, "\"");
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t l = utf8_len((const unsigned char *)s + i, n - i);
			if (l) {
				gb_add(b, s + i, l);
				i += l;
			} else {
				gb_fmt(b, "\\x%02x", c);
				i++;
			}
			continue;
		}
		switch (c) {
		case '\a':
			gb_str(b, "\\a");
			break;
		case '\b':
			gb_str(b, "\\b");
			break;
		case '\f':
			gb_str(b, "\\f");
			break;
		case '\n':
			gb_str(b, "\\n");
			break;
		case '\r':
			gb_str(b, "\\r");
			break;
		case '\t':
			gb_str(b, "\\t");
			break;
		case '\v':
			gb_str(b, "\\v");
			break;
		case '"':
			gb_str(b, "\\\"");
			break;
		case '\\':
			gb_str(b, "\\\\");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				gb_fmt(b, "\\x%02x", c);
			else
				gb_add(b, (const char *)&c, 1);
		}
		i++;
	}
	gb_str(b, "\"");
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static bool isset(const cJSON *v)
{
	return v && !cJSON_IsNull(v);
}

/* A string member, or NULL if absent or of another type. */
static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A string member, "" if absent (Go's zero value). */
static const char *strz(const cJSON *o, const char *k)
{
	const char *s = str(o, k);
	return s ? s : "";
}

/* An integer member; false if absent, null or not a number. */
static bool num(const cJSON *o, const char *k, int64_t *out)
{
	const cJSON *v = get(o, k);
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (d >= 9.2e18)
		*out = INT64_MAX;
	else if (d <= -9.2e18)
		*out = INT64_MIN;
	else
		*out = (int64_t)d;
	return true;
}

/* An integer member with Go's zero value for absent. */
static int64_t numz(const cJSON *o, const char *k)
{
	int64_t n = 0;
	num(o, k, &n);
	return n;
}

static const cJSON *arr(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsArray(v) ? v : NULL;
}

static const cJSON *objm(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsObject(v) ? v : NULL;
}

static int jlen(const cJSON *a)
{
	return (cJSON_IsArray(a) || cJSON_IsObject(a)) ? cJSON_GetArraySize(a) : 0;
}

static bool truthy(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(get(o, k));
}

static int cmp_members(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

/* %#v of a map[string]string: keys sorted, nil and empty told apart. */
static void gb_strmap(gb *b, const cJSON *m)
{
	if (!cJSON_IsObject(m)) {
		gb_str(b, "map[string]string(nil)");
		return;
	}
	int n = cJSON_GetArraySize(m);
	const cJSON **keys = n ? calloc((size_t)n, sizeof(*keys)) : NULL;
	int k = 0;
	const cJSON *e;
	if (keys) {
		cJSON_ArrayForEach (e, m) {
			keys[k++] = e;
		}
		qsort(keys, (size_t)k, sizeof(*keys), cmp_members);
	}
	gb_str(b, "map[string]string{");
	for (int i = 0; i < k; i++) {
		if (i)
			gb_str(b, ", ");
		gb_quote(b, keys[i]->string);
		gb_str(b, ":");
		gb_quote(b, cJSON_IsString(keys[i]) ? keys[i]->valuestring : "");
	}
	gb_str(b, "}");
	free(keys);
}

/* %#v of a []string. */
static void gb_strslice(gb *b, const cJSON *a)
{
	if (!cJSON_IsArray(a)) {
		gb_str(b, "[]string(nil)");
		return;
	}
	gb_str(b, "[]string{");
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, a) {
		if (i++)
			gb_str(b, ", ");
		gb_quote(b, cJSON_IsString(e) ? e->valuestring : "");
	}
	gb_str(b, "}");
}

/* %#v of a metav1.LabelSelector (the value behind the pointer Kubernetes
 * passes; field.Error dereferences it). */
static void gb_selector(gb *b, const cJSON *sel)
{
	gb_str(b, "v1.LabelSelector{MatchLabels:");
	gb_strmap(b, get(sel, "matchLabels"));
	gb_str(b, ", MatchExpressions:");
	const cJSON *ex = arr(sel, "matchExpressions");
	if (!ex) {
		gb_str(b, "[]v1.LabelSelectorRequirement(nil)}");
		return;
	}
	gb_str(b, "[]v1.LabelSelectorRequirement{");
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, ex) {
		if (i++)
			gb_str(b, ", ");
		gb_str(b, "v1.LabelSelectorRequirement{Key:");
		gb_quote(b, strz(r, "key"));
		gb_str(b, ", Operator:");
		gb_quote(b, strz(r, "operator"));
		gb_str(b, ", Values:");
		gb_strslice(b, get(r, "values"));
		gb_str(b, "}");
	}
	gb_str(b, "}}");
}

/* %#v of an intstr.IntOrString held in JSON as a number or a string. */
static void gb_intstr(gb *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		gb_str(b, "intstr.IntOrString{Type:1, IntVal:0, StrVal:");
		gb_quote(b, v->valuestring);
		gb_str(b, "}");
	} else {
		gb_fmt(b, "intstr.IntOrString{Type:0, IntVal:%d, StrVal:\"\"}",
		       cJSON_IsNumber(v) ? (int)v->valuedouble : 0);
	}
}

#define GV_BEGIN(name)                       \
	gv name;                             \
	gb b_ = {name.s, 0, sizeof(name.s)}; \
	name.s[0] = '\0'

/* A quoted string. */
static gv Q(const char *s)
{
	GV_BEGIN(r);
	gb_quote(&b_, s ? s : "");
	return r;
}

/* An integer, bare. */
static gv N(int64_t n)
{
	gv r;
	snprintf(r.s, sizeof(r.s), "%" PRId64, n);
	return r;
}

static gv MAP(const cJSON *m)
{
	GV_BEGIN(r);
	gb_strmap(&b_, m);
	return r;
}

static gv SLICE(const cJSON *a)
{
	GV_BEGIN(r);
	gb_strslice(&b_, a);
	return r;
}

static gv SEL(const cJSON *sel)
{
	GV_BEGIN(r);
	gb_selector(&b_, sel);
	return r;
}

static gv INTSTR(const cJSON *v)
{
	GV_BEGIN(r);
	gb_intstr(&b_, v);
	return r;
}

/* ---- field.Error constructors ------------------------------------------------------------- */

static void emit(V *v, const char *reason, fp f, const char *head, const char *value,
		 const char *detail)
{
	char msg[1600];
	int k = snprintf(msg, sizeof(msg), "%s", head);
	if (value && k >= 0 && (size_t)k < sizeof(msg))
		k += snprintf(msg + k, sizeof(msg) - (size_t)k, ": %s", value);
	if (detail && detail[0] && k >= 0 && (size_t)k < sizeof(msg))
		snprintf(msg + k, sizeof(msg) - (size_t)k, ": %s", detail);
	add_cause(v, reason, f.s, msg);
}

static void e_required(V *v, fp f, const char *detail)
{
	emit(v, "FieldValueRequired", f, "Required value", NULL, detail);
}

static void e_forbidden(V *v, fp f, const char *detail)
{
	emit(v, "FieldValueForbidden", f, "Forbidden", NULL, detail);
}

static void e_invalid(V *v, fp f, const char *value, const char *detail)
{
	emit(v, "FieldValueInvalid", f, "Invalid value", value, detail);
}

static void e_duplicate(V *v, fp f, const char *value)
{
	emit(v, "FieldValueDuplicate", f, "Duplicate value", value, NULL);
}

static void e_notfound(V *v, fp f, const char *value)
{
	emit(v, "FieldValueNotFound", f, "Not found", value, NULL);
}

/* field.TooLong as of v1.32: the value is never shown. */
static void e_toolong(V *v, fp f, long max)
{
	char d[64];
	snprintf(d, sizeof(d), "may not be more than %ld %s", max, max == 1 ? "byte" : "bytes");
	emit(v, "FieldValueTooLong", f, "Too long", NULL, d);
}

/* field.NotSupported; valid is NULL-terminated, in the order Kubernetes
 * lists it (sets.List sorts, explicit slices do not). */
static void e_notsupported(V *v, fp f, const char *value, const char *const *valid)
{
	char d[512];
	gb b = {d, 0, sizeof(d)};
	d[0] = '\0';
	if (valid && valid[0]) {
		gb_str(&b, "supported values: ");
		for (int i = 0; valid[i]; i++) {
			if (i)
				gb_str(&b, ", ");
			gb_quote(&b, valid[i]);
		}
	}
	emit(v, "FieldValueNotSupported", f, "Unsupported value", value, d);
}

/* ValidateNonnegativeField. */
static void nonneg(V *v, int64_t n, fp f)
{
	if (n < 0)
		e_invalid(v, f, N(n).s, "must be greater than or equal to 0");
}

static bool in_list(const char *s, const char *const *list)
{
	for (int i = 0; s && list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* ---- apimachinery's string validators -------------------------------------------------- */

/* The messages one Is* function returns (Go's []string). */
typedef struct msgs {
	int n;
	char m[4][400];
} msgs;

static void msg_add(msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(msgs *m, const char *fmt, ...)
{
	if (m->n >= 4)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->m[m->n++], sizeof(m->m[0]), fmt, ap);
	va_end(ap);
}

/* validation.RegexError with up to three examples. */
static void regex_error(msgs *m, const char *prefix, const char *msg, const char *fmt,
			const char *e1, const char *e2, const char *e3)
{
	char buf[400];
	gb b = {buf, 0, sizeof(buf)};
	buf[0] = '\0';
	gb_str(&b, prefix);
	gb_str(&b, msg);
	const char *ex[3] = {e1, e2, e3};
	if (!e1) {
		gb_str(&b, " (regex used for validation is '");
	} else {
		gb_str(&b, " (e.g. ");
		for (int i = 0; i < 3 && ex[i]; i++) {
			if (i)
				gb_str(&b, " or ");
			gb_str(&b, "'");
			gb_str(&b, ex[i]);
			gb_str(&b, "', ");
		}
		gb_str(&b, "regex used for validation is '");
	}
	gb_str(&b, fmt);
	gb_str(&b, "')");
	msg_add(m, "%s", buf);
}

#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1035_LABEL_FMT "[a-z]([-a-z0-9]*[a-z0-9])?"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                           \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end " \
	"with an alphanumeric character"
#define LABEL_VALUE_FMT "(" QNAME_FMT ")?"
#define CONFIG_KEY_FMT "[-._a-zA-Z0-9]+"

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool re_label(const char *s, size_t n)
{
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool re_subdomain(const char *s)
{
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (!re_label(s, n))
			return false;
		if (!dot)
			return true;
		s = dot + 1;
	}
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool re_qname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static void is_dns1123_label(const char *s, msgs *m)
{
	if (strlen(s) > 63)
		msg_add(m, "must be no more than 63 characters");
	if (!re_label(s, strlen(s)))
		regex_error(
			m, "",
			"a lowercase RFC 1123 label must consist of lower case alphanumeric "
			"characters or '-', and must start and end with an alphanumeric character",
			DNS1123_LABEL_FMT, "my-name", "123-abc", NULL);
}

static void is_dns1123_subdomain(const char *s, msgs *m, const char *prefix)
{
	if (strlen(s) > 253)
		msg_add(m, "%smust be no more than 253 characters", prefix);
	if (!re_subdomain(s))
		regex_error(
			m, prefix,
			"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
			"characters, '-' or '.', and must start and end with an alphanumeric "
			"character",
			DNS1123_SUBDOMAIN_FMT, "example.com", NULL, NULL);
}

static void is_dns1035_label(const char *s, msgs *m)
{
	if (strlen(s) > 63)
		msg_add(m, "must be no more than 63 characters");
	if (!(s[0] >= 'a' && s[0] <= 'z') || !re_label(s, strlen(s)))
		regex_error(
			m, "",
			"a DNS-1035 label must consist of lower case alphanumeric characters or "
			"'-', start with an alphabetic character, and end with an alphanumeric "
			"character",
			DNS1035_LABEL_FMT, "my-name", "abc-123", NULL);
}

/* IsQualifiedName (label keys, annotation keys, finalizers, ...). */
static void is_qualified_name(const char *s, msgs *m)
{
	const char *slash = strchr(s, '/');
	const char *name = s;
	if (slash && strchr(slash + 1, '/')) {
		regex_error(m, "a qualified name ", QNAME_MSG, QNAME_FMT, "MyName", "my.name",
			    "123-abc");
		/* the example list continues after the regex error */
		size_t l = strlen(m->m[m->n - 1]);
		snprintf(m->m[m->n - 1] + l, sizeof(m->m[0]) - l, "%s",
			 " with an optional DNS subdomain prefix and '/' (e.g. "
			 "'example.com/MyName')");
		return;
	}
	if (slash) {
		char prefix[300];
		size_t pl = (size_t)(slash - s);
		if (pl >= sizeof(prefix))
			pl = sizeof(prefix) - 1;
		memcpy(prefix, s, pl);
		prefix[pl] = '\0';
		if (!prefix[0])
			msg_add(m, "prefix part must be non-empty");
		else
			is_dns1123_subdomain(prefix, m, "prefix part ");
		name = slash + 1;
	}
	if (!name[0])
		msg_add(m, "name part must be non-empty");
	else if (strlen(name) > 63)
		msg_add(m, "name part must be no more than 63 characters");
	if (!re_qname(name))
		regex_error(m, "name part ", QNAME_MSG, QNAME_FMT, "MyName", "my.name", "123-abc");
}

static void is_label_value(const char *s, msgs *m)
{
	if (strlen(s) > 63)
		msg_add(m, "must be no more than 63 characters");
	if (s[0] && !re_qname(s))
		regex_error(
			m, "",
			"a valid label must be an empty string or consist of alphanumeric "
			"characters, '-', '_' or '.', and must start and end with an alphanumeric "
			"character",
			LABEL_VALUE_FMT, "MyValue", "my_value", "12345");
}

/* hasChDirPrefix */
static void chdir_prefix(const char *s, msgs *m)
{
	if (!strcmp(s, "."))
		msg_add(m, "must not be '.'");
	else if (!strcmp(s, ".."))
		msg_add(m, "must not be '..'");
	else if (!strncmp(s, "..", 2))
		msg_add(m, "must not start with '..'");
}

static void is_config_map_key(const char *s, msgs *m)
{
	if (strlen(s) > 253)
		msg_add(m, "must be no more than 253 characters");
	bool ok = s[0] != '\0';
	for (const char *p = s; *p; p++)
		if (!alnum(*p) && *p != '-' && *p != '.' && *p != '_')
			ok = false;
	if (!ok)
		regex_error(
			m, "",
			"a valid config key must consist of alphanumeric characters, '-', '_' or "
			"'.'",
			CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name");
	chdir_prefix(s, m);
}

/* IsRelaxedEnvVarName: the RelaxedEnvironmentVariableValidation feature is
 * beta and on by default in v1.32, so env names are any printable ASCII but
 * '='. */
static void is_env_var_name(const char *s, msgs *m)
{
	if (!s[0])
		msg_add(m, "environment variable name must be non-empty");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '=') {
			msg_add(m, "a valid environment variable name must consist only of "
				   "printable ASCII characters other than '='");
			break;
		}
	}
}

static void is_valid_port_name(const char *s, msgs *m)
{
	size_t n = strlen(s);
	if (n > 15)
		msg_add(m, "must be no more than 15 characters");
	bool charset = n > 0, letter = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			charset = false;
	}
	if (!charset)
		msg_add(m,
			"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
	if (!letter)
		msg_add(m, "must contain at least one letter (a-z)");
	if (strstr(s, "--"))
		msg_add(m, "must not contain consecutive hyphens");
	if (n > 0 && (s[0] == '-' || s[n - 1] == '-'))
		msg_add(m, "must not begin or end with a hyphen");
}

static void is_valid_port_num(int64_t p, msgs *m)
{
	if (p < 1 || p > 65535)
		msg_add(m, "must be between 1 and 65535, inclusive");
}

/* IsValidPercent: [0-9]+% */
static bool re_percent(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || s[n - 1] != '%')
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* IsWildcardDNS1123Subdomain: \*\.<subdomain> */
static void is_wildcard_subdomain(const char *s, msgs *m)
{
	if (strlen(s) > 253)
		msg_add(m, "must be no more than 253 characters");
	if (strncmp(s, "*.", 2) != 0 || !re_subdomain(s + 2))
		regex_error(
			m, "",
			"a wildcard DNS-1123 subdomain must start with '*.', followed by a valid "
			"DNS subdomain, which must consist of lower case alphanumeric characters, "
			"'-' or '.' and end with an alphanumeric character",
			"\\*\\." DNS1123_SUBDOMAIN_FMT, "*.example.com", NULL, NULL);
}

/* path.IsValidPathSegmentName / IsValidPathSegmentPrefix */
static void is_path_segment(const char *s, bool prefix, msgs *m)
{
	if (!prefix && (!strcmp(s, ".") || !strcmp(s, ".."))) {
		msg_add(m, "may not be '%s'", s);
		return;
	}
	if (strchr(s, '/'))
		msg_add(m, "may not contain '/'");
	if (strchr(s, '%'))
		msg_add(m, "may not contain '%%'");
}

/* netutils.ParseIPSloppy: IPv4 (leading zeros allowed, read as decimal) or
 * IPv6. */
static bool parse_ip(const char *s, bool *v6)
{
	unsigned char buf[16];
	if (strchr(s, ':')) {
		*v6 = true;
		return inet_pton(AF_INET6, s, buf) == 1;
	}
	*v6 = false;
	int parts = 0;
	const char *p = s;
	for (;;) {
		int digits = 0, val = 0;
		while (isdigit((unsigned char)*p)) {
			val = val * 10 + (*p - '0');
			if (++digits > 3)
				return false;
			p++;
		}
		if (!digits || val > 255)
			return false;
		parts++;
		if (*p == '\0')
			break;
		if (*p != '.' || parts == 4)
			return false;
		p++;
	}
	return parts == 4;
}

static bool is_ip(const char *s)
{
	bool v6;
	return parse_ip(s, &v6);
}

/* validation.IsValidIP as of v1.32. */
static void valid_ip(V *v, fp f, const char *s)
{
	if (!is_ip(s))
		e_invalid(v, f, Q(s).s,
			  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
}

/* Kubernetes' name validation functions (ValidateNameFunc). */
typedef enum { NF_SUBDOMAIN, NF_LABEL, NF_1035, NF_PATH } namefn;

/* maskTrailingDash: a generateName prefix may end in '-'; Kubernetes drops
 * the last two characters and appends "a" before validating. */
static void name_check(namefn fn, const char *name, bool prefix, msgs *m)
{
	char masked[320];
	if (prefix && fn != NF_PATH && strlen(name) > 1 && name[strlen(name) - 1] == '-' &&
	    strlen(name) < sizeof(masked)) {
		size_t l = strlen(name) - 2;
		memcpy(masked, name, l);
		masked[l] = 'a';
		masked[l + 1] = '\0';
		name = masked;
	}
	switch (fn) {
	case NF_SUBDOMAIN:
		is_dns1123_subdomain(name, m, "");
		break;
	case NF_LABEL:
		is_dns1123_label(name, m);
		break;
	case NF_1035:
		is_dns1035_label(name, m);
		break;
	case NF_PATH:
		is_path_segment(name, prefix, m);
		break;
	}
}

/* One Invalid per message, as the Go loops `for _, msg := range ...` do. */
static void each_invalid(V *v, fp f, const char *value, const msgs *m)
{
	for (int i = 0; i < m->n; i++)
		e_invalid(v, f, value, m->m[i]);
}

static void v_name(V *v, fp f, namefn fn, const char *s)
{
	msgs m = {0};
	name_check(fn, s, false, &m);
	each_invalid(v, f, Q(s).s, &m);
}

/* ValidateDNS1123Label / ValidateQualifiedName / ValidateDNS1123Subdomain */
static void v_label(V *v, fp f, const char *s)
{
	msgs m = {0};
	is_dns1123_label(s, &m);
	each_invalid(v, f, Q(s).s, &m);
}

static void v_qname(V *v, fp f, const char *s)
{
	msgs m = {0};
	is_qualified_name(s, &m);
	each_invalid(v, f, Q(s).s, &m);
}

static void v_subdomain(V *v, fp f, const char *s)
{
	msgs m = {0};
	is_dns1123_subdomain(s, &m, "");
	each_invalid(v, f, Q(s).s, &m);
}

/* unversionedvalidation.ValidateLabels: every error at the map's path. */
static void v_labels(V *v, const cJSON *labels, fp f)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, (cJSON_IsObject(labels) ? labels : NULL)) {
		v_qname(v, f, e->string);
		msgs m = {0};
		const char *val = cJSON_IsString(e) ? e->valuestring : "";
		is_label_value(val, &m);
		each_invalid(v, f, Q(val).s, &m);
	}
}

/* apimachinery ValidateAnnotations: keys are qualified names in any case,
 * and keys plus values take at most 256 KiB. */
static void v_annotations(V *v, const cJSON *ann, fp f)
{
	size_t total = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, (cJSON_IsObject(ann) ? ann : NULL)) {
		char lower[320];
		size_t n = strlen(e->string);
		if (n >= sizeof(lower))
			n = sizeof(lower) - 1;
		for (size_t i = 0; i < n; i++)
			lower[i] = (char)tolower((unsigned char)e->string[i]);
		lower[n] = '\0';
		msgs m = {0};
		is_qualified_name(strlen(e->string) < sizeof(lower) ? lower : e->string, &m);
		each_invalid(v, f, Q(e->string).s, &m);
		total += strlen(e->string) + (cJSON_IsString(e) ? strlen(e->valuestring) : 0);
	}
	if (total > 256 * 1024)
		e_toolong(v, f, 256 * 1024);
}

/* ---- metadata ------------------------------------------------------------------------------ */

/* helper.IsStandardFinalizerName */
static bool standard_finalizer(const char *s)
{
	static const char *const std[] = {"kubernetes", "orphan", "foregroundDeletion", NULL};
	return in_list(s, std);
}

/* validateKubeFinalizerName */
static void kube_finalizer(V *v, fp f, const char *s)
{
	if (!strchr(s, '/') && !standard_finalizer(s))
		e_invalid(v, f, Q(s).s,
			  "name is neither a standard finalizer name nor is it fully qualified");
}

/* ValidateOwnerReferences */
static void v_owner_refs(V *v, const cJSON *refs, fp f)
{
	const cJSON *r;
	char first[300] = "";
	cJSON_ArrayForEach (r, refs) {
		const char *av = strz(r, "apiVersion"), *kind = strz(r, "kind");
		const char *slash = strrchr(av, '/');
		const char *version = slash ? slash + 1 : av;
		if (!version[0])
			e_invalid(v, C(f, "apiVersion"), Q(av).s, "version must not be empty");
		if (!kind[0])
			e_invalid(v, C(f, "kind"), Q(kind).s, "must not be empty");
		if (!strz(r, "name")[0])
			e_invalid(v, C(f, "name"), Q("").s, "must not be empty");
		if (!strz(r, "uid")[0])
			e_invalid(v, C(f, "uid"), Q("").s, "must not be empty");
		if (!strcmp(av, "v1") && !strcmp(kind, "Event"))
			e_invalid(v, f, "v1.OwnerReference{...}",
				  "/v1, Kind=Event is disallowed from being an owner");
		if (truthy(r, "controller")) {
			char cur[300];
			snprintf(cur, sizeof(cur), "%.140s/%.140s", kind, strz(r, "name"));
			if (first[0]) {
				char d[700];
				snprintf(
					d, sizeof(d),
					"Only one reference can have Controller set to true. Found "
					"\"true\" in references for %s and %s",
					first, cur);
				e_invalid(v, f, "[]v1.OwnerReference{...}", d);
			} else {
				snprintf(first, sizeof(first), "%s", cur);
			}
		}
	}
}

/* ValidateFinalizers (apimachinery) then validateKubeFinalizerName per item,
 * as core's ValidateObjectMeta does. */
static void v_finalizers(V *v, const cJSON *fin, fp f)
{
	bool orphan = false, foreground = false;
	const cJSON *e;
	cJSON_ArrayForEach (e, fin) {
		const char *s = cJSON_IsString(e) ? e->valuestring : "";
		v_qname(v, f, s);
		orphan |= !strcmp(s, "orphan");
		foreground |= !strcmp(s, "foregroundDeletion");
	}
	if (orphan && foreground)
		e_invalid(v, f, SLICE(fin).s,
			  "finalizer orphan and foregroundDeletion cannot be both set");
}

static void v_kube_finalizers(V *v, const cJSON *fin, fp f)
{
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, fin) {
		kube_finalizer(v, I(f, i), cJSON_IsString(e) ? e->valuestring : "");
		i++;
	}
}

/* The checks ValidateObjectMeta and ValidateObjectMetaUpdate share. */
static void v_meta_common(V *v, const cJSON *md, fp f)
{
	v_labels(v, get(md, "labels"), C(f, "labels"));
	v_annotations(v, get(md, "annotations"), C(f, "annotations"));
	v_owner_refs(v, arr(md, "ownerReferences"), C(f, "ownerReferences"));
	v_finalizers(v, arr(md, "finalizers"), C(f, "finalizers"));
}

/* core's ValidateObjectMeta: apimachinery's ValidateObjectMetaAccessor plus
 * the Kubernetes finalizer names. */
static void v_meta(V *v, const cJSON *md, bool namespaced, namefn fn)
{
	fp f = F("metadata");
	const char *gen = strz(md, "generateName"), *name = strz(md, "name");
	if (gen[0]) {
		msgs m = {0};
		name_check(fn, gen, true, &m);
		each_invalid(v, C(f, "generateName"), Q(gen).s, &m);
	}
	if (!name[0])
		e_required(v, C(f, "name"), "name or generateName is required");
	else
		v_name(v, C(f, "name"), fn, name);
	const char *ns = strz(md, "namespace");
	if (namespaced) {
		if (!ns[0])
			e_required(v, C(f, "namespace"), "");
		else
			v_name(v, C(f, "namespace"), NF_LABEL, ns);
	} else if (ns[0]) {
		e_forbidden(v, C(f, "namespace"), "not allowed on this type");
	}
	nonneg(v, numz(md, "generation"), C(f, "generation"));
	v_meta_common(v, md, f);
	v_kube_finalizers(v, arr(md, "finalizers"), C(f, "finalizers"));
}

/* ValidateObjectMetaUpdate.  The store fills uid and creationTimestamp from
 * the old object and checks resourceVersion itself (unconditional updates),
 * so only a differing value that was sent is reported here. */
static void v_meta_update(V *v, const cJSON *md, const cJSON *old)
{
	fp f = F("metadata");
	static const char *const immutable[] = {"name", "namespace", "uid", "creationTimestamp",
						NULL};
	for (int i = 0; immutable[i]; i++) {
		const char *a = str(md, immutable[i]), *b = strz(old, immutable[i]);
		bool sent = a && a[0];
		if (i < 2)
			sent = true, a = strz(md, immutable[i]);
		if (sent && strcmp(a, b) != 0)
			e_invalid(v, C(f, immutable[i]), Q(a).s, "field is immutable");
	}
	if (isset(get(old, "deletionTimestamp"))) {
		/* ValidateNoNewFinalizers */
		const cJSON *e;
		char extra[400] = "";
		gb b = {extra, 0, sizeof(extra)};
		int n = 0;
		cJSON_ArrayForEach (e, arr(md, "finalizers")) {
			bool found = false;
			const cJSON *o;
			cJSON_ArrayForEach (o, arr(old, "finalizers")) {
				found |= cJSON_IsString(o) && cJSON_IsString(e) &&
					 !strcmp(o->valuestring, e->valuestring);
			}
			if (!found && cJSON_IsString(e)) {
				gb_str(&b, n++ ? ", " : "");
				gb_quote(&b, e->valuestring);
			}
		}
		if (n) {
			char d[500];
			snprintf(d, sizeof(d),
				 "no new finalizers can be added if the object is being deleted, "
				 "found new finalizers []string{%s}",
				 extra);
			e_forbidden(v, C(f, "finalizers"), d);
		}
	}
	v_meta_common(v, md, f);
	v_kube_finalizers(v, arr(md, "finalizers"), C(f, "finalizers"));
}

/* unversionedvalidation.ValidateLabelSelector (no invalid values allowed). */
static void v_label_selector(V *v, const cJSON *sel, fp f)
{
	if (!cJSON_IsObject(sel))
		return;
	v_labels(v, get(sel, "matchLabels"), C(f, "matchLabels"));
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, arr(sel, "matchExpressions")) {
		fp rp = I(C(f, "matchExpressions"), i++);
		const char *op = strz(r, "operator");
		int nv = jlen(arr(r, "values"));
		if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
			if (!nv)
				e_required(v, C(rp, "values"),
					   "must be specified when `operator` is 'In' or 'NotIn'");
		} else if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
			if (nv)
				e_forbidden(v, C(rp, "values"),
					    "may not be specified when `operator` is 'Exists' or "
					    "'DoesNotExist'");
		} else {
			e_invalid(v, C(rp, "operator"), Q(op).s, "not a valid selector operator");
		}
		v_qname(v, C(rp, "key"), strz(r, "key"));
		int j = 0;
		const cJSON *val;
		cJSON_ArrayForEach (val, arr(r, "values")) {
			msgs m = {0};
			const char *s = cJSON_IsString(val) ? val->valuestring : "";
			is_label_value(s, &m);
			each_invalid(v, I(C(rp, "values"), j), Q(s).s, &m);
			j++;
		}
	}
}

/* ---- pod spec: volumes ----------------------------------------------------------------------- */

#define FILE_MODE_MSG "must be a number between 0 and 0777 (octal), both inclusive"

static void file_mode(V *v, const cJSON *o, const char *k, fp f)
{
	int64_t mode;
	if (num(o, k, &mode) && (mode > 0777 || mode < 0))
		e_invalid(v, C(f, k), N(mode).s, FILE_MODE_MSG);
}

/* validatePathNoBacksteps */
static void no_backsteps(V *v, fp f, const char *p)
{
	const char *s = p;
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (n == 2 && !strncmp(s, "..", 2)) {
			e_invalid(v, f, Q(p).s, "must not contain '..'");
			return;
		}
		if (!slash)
			return;
		s = slash + 1;
	}
}

/* validateLocalDescendingPath */
static void local_descending(V *v, fp f, const char *p)
{
	if (p[0] == '/')
		e_invalid(v, f, Q(p).s, "must be a relative path");
	no_backsteps(v, f, p);
}

/* ValidateLocalNonReservedPath */
static void local_nonreserved(V *v, fp f, const char *p)
{
	local_descending(v, f, p);
	if (!strncmp(p, "..", 2) && strncmp(p, "../", 3) != 0)
		e_invalid(v, f, Q(p).s, "must not start with '..'");
}

/* validateKeyToPath */
static void key_to_path(V *v, const cJSON *kp, fp f)
{
	if (!strz(kp, "key")[0])
		e_required(v, C(f, "key"), "");
	if (!strz(kp, "path")[0])
		e_required(v, C(f, "path"), "");
	local_nonreserved(v, C(f, "path"), strz(kp, "path"));
	file_mode(v, kp, "mode", f);
}

static void items(V *v, const cJSON *src, fp f)
{
	int i = 0;
	const cJSON *kp;
	cJSON_ArrayForEach (kp, arr(src, "items")) {
		key_to_path(v, kp, I(C(f, "items"), i++));
	}
}

static void v_object_field_selector(V *v, const cJSON *fs, fp f, const char *const *allowed);

/* validateDownwardAPIVolumeFile (errors at the volume's path, not the item's,
 * as in Kubernetes) */
static const char *const volume_field_paths[] = {"metadata.annotations", "metadata.labels",
						 "metadata.name",	 "metadata.namespace",
						 "metadata.uid",	 NULL};

static void downward_file(V *v, const cJSON *file, fp f)
{
	const char *p = strz(file, "path");
	if (!p[0])
		e_required(v, C(f, "path"), "");
	local_nonreserved(v, C(f, "path"), p);
	if (isset(get(file, "fieldRef"))) {
		v_object_field_selector(v, get(file, "fieldRef"), C(f, "fieldRef"),
					volume_field_paths);
		if (isset(get(file, "resourceFieldRef")))
			e_invalid(v, f, Q("resource").s,
				  "fieldRef and resourceFieldRef can not be specified "
				  "simultaneously");
	} else if (isset(get(file, "resourceFieldRef"))) {
		const cJSON *r = get(file, "resourceFieldRef");
		if (!strz(r, "containerName")[0])
			e_required(v, C(C(f, "resourceFieldRef"), "containerName"), "");
		else if (!strz(r, "resource")[0])
			e_required(v, C(C(f, "resourceFieldRef"), "resource"), "");
	} else {
		e_required(v, f, "one of fieldRef and resourceFieldRef is required");
	}
	file_mode(v, file, "mode", f);
}

/* The legacy sources are checked for their required fields only; the table
 * gives the JSON member, the path Kubernetes validates it under (two of them
 * differ) and the required members (arrays must be non-empty). */
static const struct {
	const char *member, *path, *req[3];
} legacy_sources[] = {
	{"gcePersistentDisk", "persistentDisk", {"pdName"}},
	{"awsElasticBlockStore", "awsElasticBlockStore", {"volumeID"}},
	{"iscsi", "iscsi", {"targetPortal", "iqn"}},
	{"glusterfs", "glusterfs", {"endpoints", "path"}},
	{"rbd", "rbd", {"monitors", "image"}},
	{"cinder", "cinder", {"volumeID"}},
	{"cephfs", "cephfs", {"monitors"}},
	{"quobyte", "quobyte", {"volume"}},
	{"flexVolume", "flexVolume", {"driver"}},
	{"azureFile", "azureFile", {"secretName", "shareName"}},
	{"vsphereVolume", "vsphereVolume", {"volumePath"}},
	{"photonPersistentDisk", "photonPersistentDisk", {"pdID"}},
	{"portworxVolume", "portworxVolume", {"volumeID"}},
	{"azureDisk", "azureDisk", {"diskName", "diskURI"}},
	{"storageos", "storageos", {"volumeName"}},
	{"scaleIO", "scaleIO", {"gateway", "system", "volumeName"}},
};

static void legacy_source(V *v, const char *member, const cJSON *src, fp vp)
{
	for (size_t i = 0; i < ARRAY_LEN(legacy_sources); i++) {
		if (strcmp(legacy_sources[i].member, member) != 0)
			continue;
		fp f = C(vp, legacy_sources[i].path);
		for (int j = 0; j < 3 && legacy_sources[i].req[j]; j++) {
			const char *k = legacy_sources[i].req[j];
			const cJSON *x = get(src, k);
			bool empty = cJSON_IsArray(x) ? jlen(x) == 0
						      : !(cJSON_IsString(x) && x->valuestring[0]);
			if (empty)
				e_required(v, C(f, k), "");
		}
	}
}

static void volume_source(V *v, const char *member, const cJSON *src, fp vp)
{
	fp f = C(vp, member);
	if (!strcmp(member, "emptyDir")) {
		cube_quantity q, zero = {0, CUBE_QTY_DECIMAL_SI};
		const cJSON *sl = get(src, "sizeLimit");
		if (isset(sl) && cube_quantity_parse_json(sl, &q, NULL) == 0 &&
		    cube_quantity_cmp(&q, &zero) < 0)
			e_forbidden(v, C(f, "sizeLimit"),
				    "SizeLimit field must be a valid resource quantity");
	} else if (!strcmp(member, "hostPath")) {
		const char *p = strz(src, "path");
		if (!p[0]) {
			e_required(v, C(f, "path"), "");
			return;
		}
		no_backsteps(v, C(f, "path"), p);
		static const char *const types[] = {
			"",	"BlockDevice",	"CharDevice", "Directory", "DirectoryOrCreate",
			"File", "FileOrCreate", "Socket",     NULL};
		const char *t = str(src, "type");
		if (t && !in_list(t, types))
			e_notsupported(v, C(f, "type"), Q(t).s, types);
	} else if (!strcmp(member, "gitRepo")) {
		if (!strz(src, "repository")[0])
			e_required(v, C(f, "repository"), "");
		local_descending(v, C(f, "directory"), strz(src, "directory"));
	} else if (!strcmp(member, "secret")) {
		if (!strz(src, "secretName")[0])
			e_required(v, C(f, "secretName"), "");
		file_mode(v, src, "defaultMode", f);
		items(v, src, f);
	} else if (!strcmp(member, "configMap")) {
		if (!strz(src, "name")[0])
			e_required(v, C(f, "name"), "");
		file_mode(v, src, "defaultMode", f);
		items(v, src, f);
	} else if (!strcmp(member, "persistentVolumeClaim")) {
		if (!strz(src, "claimName")[0])
			e_required(v, C(f, "claimName"), "");
	} else if (!strcmp(member, "nfs")) {
		const char *p = strz(src, "path");
		if (!strz(src, "server")[0])
			e_required(v, C(f, "server"), "");
		if (!p[0])
			e_required(v, C(f, "path"), "");
		if (p[0] != '/')
			e_invalid(v, C(f, "path"), Q(p).s, "must be an absolute path");
	} else if (!strcmp(member, "downwardAPI")) {
		file_mode(v, src, "defaultMode", f);
		const cJSON *file;
		cJSON_ArrayForEach (file, arr(src, "items")) {
			downward_file(v, file, f);
		}
	} else if (!strcmp(member, "projected")) {
		file_mode(v, src, "defaultMode", f);
		int i = 0;
		const cJSON *s;
		cJSON_ArrayForEach (s, arr(src, "sources")) {
			fp sp = I(C(f, "sources"), i++);
			int n = 0;
			static const char *const kinds[] = {"secret", "configMap", NULL};
			for (int k = 0; kinds[k]; k++) {
				const cJSON *ref = get(s, kinds[k]);
				if (!isset(ref))
					continue;
				n++;
				if (!strz(ref, "name")[0])
					e_required(v, C(C(sp, kinds[k]), "name"), "");
				items(v, ref, C(sp, kinds[k]));
			}
			if (isset(get(s, "downwardAPI"))) {
				n++;
				const cJSON *file;
				cJSON_ArrayForEach (file, arr(get(s, "downwardAPI"), "items")) {
					downward_file(v, file, C(sp, "downwardAPI"));
				}
			}
			const cJSON *sat = get(s, "serviceAccountToken");
			if (isset(sat)) {
				n++;
				int64_t exp = numz(sat, "expirationSeconds");
				fp ep = C(C(sp, "serviceAccountToken"), "expirationSeconds");
				if (exp < 600)
					e_invalid(
						v, ep, N(exp).s,
						"may not specify a duration less than 10 minutes");
				if (exp > 4294967296LL)
					e_invalid(v, ep, N(exp).s,
						  "may not specify a duration larger than 2^32 "
						  "seconds");
				if (!strz(sat, "path")[0])
					e_required(v, C(f, "path"), "");
				else
					local_nonreserved(v, C(f, "path"), strz(sat, "path"));
			}
			if (isset(get(s, "clusterTrustBundle")))
				n++;
			if (n > 1)
				e_forbidden(v, sp,
					    "may not specify more than 1 volume type per source");
		}
	} else if (!strcmp(member, "csi")) {
		const char *d = strz(src, "driver");
		fp dp = C(f, "driver");
		if (!d[0])
			e_required(v, dp, "");
		if (strlen(d) > 63)
			e_toolong(v, dp, 63);
		char lower[320];
		size_t n = strlen(d) < sizeof(lower) ? strlen(d) : sizeof(lower) - 1;
		for (size_t i = 0; i < n; i++)
			lower[i] = (char)tolower((unsigned char)d[i]);
		lower[n] = '\0';
		msgs m = {0};
		is_dns1123_subdomain(lower, &m, "");
		each_invalid(v, dp, Q(d).s, &m);
	} else if (!strcmp(member, "ephemeral")) {
		if (!isset(get(src, "volumeClaimTemplate")))
			e_required(v, C(f, "volumeClaimTemplate"), "");
	} else {
		legacy_source(v, member, src, vp);
	}
}

/* The VolumeSource members in the order validateVolumeSource tries them, and
 * the path its "more than 1 volume type" error names (two are misspelt in
 * Kubernetes and kept so). */
static const struct {
	const char *member, *forbidden_path;
} volume_types[] = {
	{"emptyDir", "emptyDir"},
	{"hostPath", "hostPath"},
	{"gitRepo", "gitRepo"},
	{"gcePersistentDisk", "gcePersistentDisk"},
	{"awsElasticBlockStore", "awsElasticBlockStore"},
	{"secret", "secret"},
	{"nfs", "nfs"},
	{"iscsi", "iscsi"},
	{"glusterfs", "glusterfs"},
	{"flocker", "flocker"},
	{"persistentVolumeClaim", "persistentVolumeClaim"},
	{"rbd", "rbd"},
	{"cinder", "cinder"},
	{"cephfs", "cephFS"},
	{"quobyte", "quobyte"},
	{"downwardAPI", "downwarAPI"},
	{"fc", "fc"},
	{"flexVolume", "flexVolume"},
	{"configMap", "configMap"},
	{"azureFile", "azureFile"},
	{"vsphereVolume", "vsphereVolume"},
	{"photonPersistentDisk", "photonPersistentDisk"},
	{"portworxVolume", "portworxVolume"},
	{"azureDisk", "azureDisk"},
	{"storageos", "storageos"},
	{"projected", "projected"},
	{"scaleIO", "scaleIO"},
	{"csi", "csi"},
	{"ephemeral", "ephemeral"},
	{"image", "image"},
};

/* ValidateVolumes; fills `names` (an object used as a set) with the valid
 * volumes' names, the map later used to resolve volumeMounts. */
static void v_volumes(V *v, const cJSON *vols, fp f, cJSON *names)
{
	int i = 0;
	const cJSON *vol;
	cJSON_ArrayForEach (vol, vols) {
		fp vp = I(f, i++);
		int before = v->added, count = 0;
		for (size_t t = 0; t < ARRAY_LEN(volume_types); t++) {
			const cJSON *src = get(vol, volume_types[t].member);
			if (!isset(src))
				continue;
			if (count > 0) {
				e_forbidden(v, C(vp, volume_types[t].forbidden_path),
					    "may not specify more than 1 volume type");
				continue;
			}
			count++;
			volume_source(v, volume_types[t].member, src, vp);
		}
		if (!count)
			e_required(v, vp, "must specify a volume type");
		const char *name = strz(vol, "name");
		if (!name[0])
			e_required(v, C(vp, "name"), "");
		else
			v_label(v, C(vp, "name"), name);
		if (get(names, name))
			e_duplicate(v, C(vp, "name"), Q(name).s);
		if (v->added == before && !get(names, name)) {
			if (!cJSON_AddTrueToObject(names, name))
				v->oom = true;
		}
	}
}

/* ---- pod spec: containers ---------------------------------------------------------------------
 */

static const char *const port_protocols[] = {"SCTP", "TCP", "UDP", NULL};

/* validateContainerPorts */
static void v_container_ports(V *v, const cJSON *ports, fp f)
{
	cJSON *names = cJSON_CreateObject();
	if (!names) {
		v->oom = true;
		return;
	}
	int i = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, ports) {
		fp pp = I(f, i++);
		const char *name = strz(p, "name");
		if (name[0]) {
			msgs m = {0};
			is_valid_port_name(name, &m);
			if (m.n)
				each_invalid(v, C(pp, "name"), Q(name).s, &m);
			else if (get(names, name))
				e_duplicate(v, C(pp, "name"), Q(name).s);
			else if (!cJSON_AddTrueToObject(names, name))
				v->oom = true;
		}
		int64_t cport = numz(p, "containerPort"), hport = numz(p, "hostPort");
		if (cport == 0) {
			e_required(v, C(pp, "containerPort"), "");
		} else {
			msgs m = {0};
			is_valid_port_num(cport, &m);
			each_invalid(v, C(pp, "containerPort"), N(cport).s, &m);
		}
		if (hport != 0) {
			msgs m = {0};
			is_valid_port_num(hport, &m);
			each_invalid(v, C(pp, "hostPort"), N(hport).s, &m);
		}
		const char *proto = strz(p, "protocol");
		if (!proto[0])
			e_required(v, C(pp, "protocol"), "");
		else if (!in_list(proto, port_protocols))
			e_notsupported(v, C(pp, "protocol"), Q(proto).s, port_protocols);
	}
	cJSON_Delete(names);
}

/* validateObjectFieldSelector with podshelper.ConvertDownwardAPIFieldLabel
 * for v1. */
static void v_object_field_selector(V *v, const cJSON *fs, fp f, const char *const *allowed)
{
	const char *av = strz(fs, "apiVersion"), *path = strz(fs, "fieldPath");
	if (!av[0]) {
		e_required(v, C(f, "apiVersion"), "");
		return;
	}
	if (!path[0]) {
		e_required(v, C(f, "fieldPath"), "");
		return;
	}
	char err[400] = "";
	const char *open = strchr(path, '[');
	size_t plen = open ? (size_t)(open - path) : strlen(path);
	bool subscripted = open && path[strlen(path) - 1] == ']' && strlen(open) > 4 &&
			   open[1] == '\'' && path[strlen(path) - 2] == '\'';
	static const char *const known[] = {"metadata.annotations",
					    "metadata.labels",
					    "metadata.name",
					    "metadata.namespace",
					    "metadata.uid",
					    "spec.nodeName",
					    "spec.restartPolicy",
					    "spec.serviceAccountName",
					    "spec.schedulerName",
					    "status.phase",
					    "status.hostIP",
					    "status.hostIPs",
					    "status.podIP",
					    "status.podIPs",
					    "spec.host",
					    NULL};
	if (strcmp(av, "v1") != 0)
		snprintf(err, sizeof(err), "unsupported pod version: %.300s", av);
	else if (subscripted && !((plen == 20 && !strncmp(path, "metadata.annotations", 20)) ||
				  (plen == 15 && !strncmp(path, "metadata.labels", 15))))
		snprintf(err, sizeof(err), "field label does not support subscript: %.300s", path);
	else if (!subscripted && !in_list(path, known))
		snprintf(err, sizeof(err), "field label not supported: %.300s", path);
	if (err[0]) {
		char d[440];
		snprintf(d, sizeof(d), "error converting fieldPath: %s", err);
		e_invalid(v, C(f, "fieldPath"), Q(path).s, d);
		return;
	}
	if (subscripted) {
		char sub[300];
		size_t sl = strlen(open) - 4;
		if (sl >= sizeof(sub))
			sl = sizeof(sub) - 1;
		memcpy(sub, open + 2, sl);
		sub[sl] = '\0';
		if (plen == 20)
			for (char *c = sub; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		v_qname(v, f, sub);
		return;
	}
	const char *internal = strcmp(path, "spec.host") ? path : "spec.nodeName";
	if (!in_list(internal, allowed))
		e_notsupported(v, C(f, "fieldPath"), Q(internal).s, allowed);
}

static const char *const env_field_paths[] = {"metadata.name",
					      "metadata.namespace",
					      "metadata.uid",
					      "spec.nodeName",
					      "spec.serviceAccountName",
					      "status.hostIP",
					      "status.hostIPs",
					      "status.podIP",
					      "status.podIPs",
					      NULL};

static const char *const resource_field_paths[] = {"limits.cpu",
						   "limits.ephemeral-storage",
						   "limits.memory",
						   "requests.cpu",
						   "requests.ephemeral-storage",
						   "requests.memory",
						   NULL};

/* validateConfigMapKeySelector / validateSecretKeySelector */
static void key_selector(V *v, const cJSON *s, fp f)
{
	msgs m = {0};
	name_check(NF_SUBDOMAIN, strz(s, "name"), false, &m);
	each_invalid(v, C(f, "name"), Q(strz(s, "name")).s, &m);
	const char *key = strz(s, "key");
	if (!key[0]) {
		e_required(v, C(f, "key"), "");
	} else {
		msgs km = {0};
		is_config_map_key(key, &km);
		each_invalid(v, C(f, "key"), Q(key).s, &km);
	}
}

/* ValidateEnv */
static void v_env(V *v, const cJSON *env, fp f)
{
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, env) {
		fp ep = I(f, i++);
		const char *name = strz(e, "name");
		if (!name[0]) {
			e_required(v, C(ep, "name"), "");
		} else {
			msgs m = {0};
			is_env_var_name(name, &m);
			each_invalid(v, C(ep, "name"), Q(name).s, &m);
		}
		const cJSON *vf = get(e, "valueFrom");
		if (!isset(vf))
			continue;
		fp vp = C(ep, "valueFrom");
		int n = 0;
		if (isset(get(vf, "fieldRef"))) {
			n++;
			v_object_field_selector(v, get(vf, "fieldRef"), C(vp, "fieldRef"),
						env_field_paths);
		}
		if (isset(get(vf, "resourceFieldRef"))) {
			n++;
			const char *res = strz(get(vf, "resourceFieldRef"), "resource");
			fp rp = C(C(vp, "resourceFieldRef"), "resource");
			if (!res[0])
				e_required(v, rp, "");
			else if (!in_list(res, resource_field_paths) &&
				 strncmp(res, "requests.hugepages-", 19) != 0 &&
				 strncmp(res, "limits.hugepages-", 17) != 0)
				e_notsupported(v, rp, Q(res).s, resource_field_paths);
		}
		if (isset(get(vf, "configMapKeyRef"))) {
			n++;
			key_selector(v, get(vf, "configMapKeyRef"), C(vp, "configMapKeyRef"));
		}
		if (isset(get(vf, "secretKeyRef"))) {
			n++;
			key_selector(v, get(vf, "secretKeyRef"), C(vp, "secretKeyRef"));
		}
		if (n == 0)
			e_invalid(v, vp, Q("").s,
				  "must specify one of: `fieldRef`, `resourceFieldRef`, "
				  "`configMapKeyRef` or `secretKeyRef`");
		else if (strz(e, "value")[0])
			e_invalid(v, vp, Q("").s, "may not be specified when `value` is not empty");
		else if (n > 1)
			e_invalid(v, vp, Q("").s,
				  "may not have more than one field specified at a time");
	}
}

/* ValidateEnvFrom */
static void v_env_from(V *v, const cJSON *envfrom, fp f)
{
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, envfrom) {
		fp ep = I(f, i++);
		const char *prefix = strz(e, "prefix");
		if (prefix[0]) {
			msgs m = {0};
			is_env_var_name(prefix, &m);
			each_invalid(v, C(ep, "prefix"), Q(prefix).s, &m);
		}
		int n = 0;
		static const char *const refs[] = {"configMapRef", "secretRef", NULL};
		for (int k = 0; refs[k]; k++) {
			const cJSON *ref = get(e, refs[k]);
			if (!isset(ref))
				continue;
			n++;
			const char *name = strz(ref, "name");
			if (!name[0]) {
				e_required(v, C(C(ep, refs[k]), "name"), "");
			} else {
				msgs m = {0};
				name_check(NF_SUBDOMAIN, name, true, &m);
				each_invalid(v, C(C(ep, refs[k]), "name"), Q(name).s, &m);
			}
		}
		if (n == 0)
			e_invalid(v, f, Q("").s,
				  "must specify one of: `configMapRef` or `secretRef`");
		else if (n > 1)
			e_invalid(v, f, Q("").s,
				  "may not have more than one field specified at a time");
	}
}

/* ValidateVolumeMounts (volumeDevices are checked for their names only). */
static void v_volume_mounts(V *v, const cJSON *mounts, const cJSON *vols, const cJSON *ctr, fp f)
{
	cJSON *paths = cJSON_CreateObject();
	if (!paths) {
		v->oom = true;
		return;
	}
	int i = 0;
	const cJSON *mnt;
	cJSON_ArrayForEach (mnt, mounts) {
		fp mp = I(f, i++);
		const char *name = strz(mnt, "name"), *path = strz(mnt, "mountPath");
		if (!name[0])
			e_required(v, C(mp, "name"), "");
		if (!get(vols, name))
			e_notfound(v, C(mp, "name"), Q(name).s);
		if (!path[0])
			e_required(v, C(mp, "mountPath"), "");
		if (get(paths, path))
			e_invalid(v, C(mp, "mountPath"), Q(path).s, "must be unique");
		else if (!cJSON_AddTrueToObject(paths, path))
			v->oom = true;
		const char *sub = strz(mnt, "subPath"), *subexpr = strz(mnt, "subPathExpr");
		/* Kubernetes names the list, not the item, for these two. */
		if (sub[0])
			local_descending(v, C(f, "subPath"), sub);
		if (subexpr[0]) {
			if (sub[0])
				e_invalid(v, C(mp, "subPathExpr"), Q(subexpr).s,
					  "subPathExpr and subPath are mutually exclusive");
			local_descending(v, C(f, "subPathExpr"), subexpr);
		}
		const char *prop = str(mnt, "mountPropagation");
		if (prop) {
			static const char *const props[] = {"Bidirectional", "HostToContainer",
							    "None", NULL};
			fp pp = C(f, "mountPropagation");
			if (!in_list(prop, props))
				e_notsupported(v, pp, Q(prop).s, props);
			if (!strcmp(prop, "Bidirectional") &&
			    !truthy(get(ctr, "securityContext"), "privileged"))
				e_forbidden(v, pp,
					    "Bidirectional mount propagation is available only to "
					    "privileged containers");
		}
		const char *rro = str(mnt, "recursiveReadOnly");
		if (rro) {
			fp rp = C(f, "recursiveReadOnly");
			static const char *const rros[] = {"Disabled", "Enabled", "IfPossible",
							   NULL};
			if (!strcmp(rro, "Enabled") || !strcmp(rro, "IfPossible")) {
				if (!truthy(mnt, "readOnly"))
					e_forbidden(v, rp,
						    "may only be specified when readOnly is true");
				if (prop && strcmp(prop, "None") != 0)
					e_forbidden(v, rp,
						    "may only be specified when mountPropagation "
						    "is None "
						    "or not specified");
			} else if (strcmp(rro, "Disabled") != 0) {
				e_notsupported(v, rp, Q(rro).s, rros);
			}
		}
	}
	cJSON_Delete(paths);
}

static void v_volume_devices(V *v, const cJSON *devs, const cJSON *vols, fp f)
{
	int i = 0;
	const cJSON *d;
	cJSON_ArrayForEach (d, devs) {
		fp dp = I(f, i++);
		const char *name = strz(d, "name");
		if (!name[0])
			e_required(v, C(dp, "name"), "");
		if (!get(vols, name))
			e_notfound(v, C(dp, "name"), Q(name).s);
		if (!strz(d, "devicePath")[0])
			e_required(v, C(dp, "devicePath"), "");
	}
}

/* ---- resources ---- */

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool is_native_resource(const char *n)
{
	return !strchr(n, '/') || strstr(n, "kubernetes.io/");
}

static bool is_hugepages(const char *n)
{
	return has_prefix(n, "hugepages-");
}

static bool is_extended_resource(const char *n)
{
	if (is_native_resource(n) || has_prefix(n, "requests."))
		return false;
	char q[320];
	snprintf(q, sizeof(q), "requests.%s", n);
	msgs m = {0};
	is_qualified_name(q, &m);
	return m.n == 0;
}

static bool is_integer_resource(const char *n)
{
	static const char *const ints[] = {"pods",
					   "resourcequotas",
					   "services",
					   "replicationcontrollers",
					   "secrets",
					   "configmaps",
					   "persistentvolumeclaims",
					   "services.nodeports",
					   "services.loadbalancers",
					   NULL};
	return in_list(n, ints) || is_extended_resource(n);
}

static bool overcommit_allowed(const char *n)
{
	return is_native_resource(n) && !is_hugepages(n);
}

/* validateContainerResourceName (validateResourceName first). */
static void v_container_resource_name(V *v, const char *n, fp f)
{
	static const char *const standard[] = {"cpu",
					       "memory",
					       "ephemeral-storage",
					       "requests.cpu",
					       "requests.memory",
					       "requests.ephemeral-storage",
					       "limits.cpu",
					       "limits.memory",
					       "limits.ephemeral-storage",
					       "pods",
					       "resourcequotas",
					       "services",
					       "replicationcontrollers",
					       "secrets",
					       "persistentvolumeclaims",
					       "configmaps",
					       "services.nodeports",
					       "services.loadbalancers",
					       "storage",
					       "requests.storage",
					       NULL};
	static const char *const container[] = {"cpu", "memory", "ephemeral-storage", NULL};
	int before = v->added;
	v_qname(v, f, n);
	bool slash = strchr(n, '/') != NULL;
	if (v->added == before && !slash && !in_list(n, standard) && !is_hugepages(n) &&
	    !has_prefix(n, "requests.hugepages-"))
		e_invalid(v, f, Q(n).s, "must be a standard resource type or fully qualified");
	if (!slash) {
		if (!in_list(n, container) && !is_hugepages(n))
			e_invalid(v, f, Q(n).s, "must be a standard resource for containers");
	} else if (!is_native_resource(n) && !is_extended_resource(n)) {
		e_invalid(v, f, Q(n).s, "doesn't follow extended resource name standard");
	}
}

#define QTY_FORMAT_MSG                                                                       \
	"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?" \
	"[0-9]*)$'"

/* The canonical String() of a parsed quantity. */
static gv QTY(const cube_quantity *q)
{
	gv r;
	char s[CUBE_QTY_STR_MAX];
	if (cube_quantity_format(q, s, sizeof(s)) < 0)
		s[0] = '\0';
	snprintf(r.s, sizeof(r.s), "%s", s);
	return r;
}

/* Parses a resource list entry; a value that does not parse is a decode
 * error (400) in Kubernetes, reported here as Invalid at its path. */
static bool qty(V *v, const cJSON *e, fp f, cube_quantity *q)
{
	if (cube_quantity_parse_json(e, q, NULL) == 0)
		return true;
	e_invalid(v, f, cJSON_IsString(e) ? Q(e->valuestring).s : Q("").s, QTY_FORMAT_MSG);
	return false;
}

/* ValidateResourceQuantityValue */
static void v_quantity_value(V *v, const char *name, const cube_quantity *q, fp f)
{
	cube_quantity zero = {0, CUBE_QTY_DECIMAL_SI};
	if (cube_quantity_cmp(q, &zero) < 0)
		e_invalid(v, f, Q(QTY(q).s).s, "must be greater than or equal to 0");
	/* Kubernetes shows the resource.Quantity struct here; cube its string. */
	if (is_integer_resource(name) && cube_quantity_milli(q) % 1000 != 0)
		e_invalid(v, f, QTY(q).s, "must be an integer");
}

/* validateResourceRequirements for containers */
static void v_resources(V *v, const cJSON *res, fp f)
{
	fp lp = C(f, "limits"), rp = C(f, "requests");
	const cJSON *lim = objm(res, "limits"), *req = objm(res, "requests");
	bool lim_cm = false, req_cm = false, lim_hp = false, req_hp = false;
	const cJSON *e;
	cJSON_ArrayForEach (e, lim) {
		fp kp = K(lp, e->string);
		v_container_resource_name(v, e->string, kp);
		cube_quantity q;
		if (qty(v, e, kp, &q))
			v_quantity_value(v, e->string, &q, kp);
		lim_hp |= is_hugepages(e->string);
		lim_cm |= !strcmp(e->string, "cpu") || !strcmp(e->string, "memory");
	}
	cJSON_ArrayForEach (e, req) {
		fp kp = K(rp, e->string);
		v_container_resource_name(v, e->string, kp);
		cube_quantity q, l;
		bool ok = qty(v, e, kp, &q);
		if (ok)
			v_quantity_value(v, e->string, &q, kp);
		const cJSON *le = get(lim, e->string);
		if (le) {
			if (ok && cube_quantity_parse_json(le, &l, NULL) == 0) {
				char d[200];
				int c = cube_quantity_cmp(&q, &l);
				if (c != 0 && !overcommit_allowed(e->string)) {
					snprintf(d, sizeof(d),
						 "must be equal to %.100s limit of %.40s",
						 e->string, QTY(&l).s);
					e_invalid(v, rp, Q(QTY(&q).s).s, d);
				} else if (c > 0) {
					snprintf(d, sizeof(d),
						 "must be less than or equal to %.100s limit of "
						 "%.40s",
						 e->string, QTY(&l).s);
					e_invalid(v, rp, Q(QTY(&q).s).s, d);
				}
			}
		} else if (!overcommit_allowed(e->string)) {
			e_required(v, lp, "Limit must be set for non overcommitable resources");
		}
		req_hp |= is_hugepages(e->string);
		req_cm |= !strcmp(e->string, "cpu") || !strcmp(e->string, "memory");
	}
	if (!lim_cm && !req_cm && (req_hp || lim_hp))
		e_forbidden(v, f, "HugePages require cpu or memory");
}

/* ---- probes and lifecycle handlers ---- */

/* ValidatePortNumOrName for an IntOrString held as a JSON number or string. */
static void v_port_num_or_name(V *v, const cJSON *port, fp f)
{
	msgs m = {0};
	if (cJSON_IsString(port)) {
		is_valid_port_name(port->valuestring, &m);
		each_invalid(v, f, Q(port->valuestring).s, &m);
	} else {
		int64_t p = cJSON_IsNumber(port) ? (int64_t)port->valuedouble : 0;
		is_valid_port_num(p, &m);
		each_invalid(v, f, N(p).s, &m);
	}
}

static void v_http_get(V *v, const cJSON *h, fp f)
{
	if (!strz(h, "path")[0])
		e_required(v, C(f, "path"), "");
	v_port_num_or_name(v, get(h, "port"), C(f, "port"));
	static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
	const char *scheme = strz(h, "scheme");
	if (!in_list(scheme, schemes))
		e_notsupported(v, C(f, "scheme"), Q(scheme).s, schemes);
	const cJSON *hdr;
	cJSON_ArrayForEach (hdr, arr(h, "httpHeaders")) {
		const char *n = strz(hdr, "name");
		bool ok = n[0] != '\0';
		for (const char *c = n; *c; c++)
			ok &= alnum(*c) || *c == '-';
		if (!ok) {
			msgs m = {0};
			regex_error(
				&m, "",
				"a valid HTTP header must consist of alphanumeric characters or "
				"'-'",
				"[-A-Za-z0-9]+", "X-Header-Name", NULL, NULL);
			each_invalid(v, C(f, "httpHeaders"), Q(n).s, &m);
		}
	}
}

/* validateHandler; `sleep` is allowed for lifecycle handlers only and
 * checked against the pod's grace period (NULL if unset). */
static void v_handler(V *v, const cJSON *h, bool lifecycle, const int64_t *grace, fp f)
{
	static const char *const kinds[] = {"exec", "httpGet", "tcpSocket", "grpc", "sleep"};
	int n = 0;
	for (int k = 0; k < 5; k++) {
		const cJSON *x = get(h, kinds[k]);
		if (!isset(x) || (k == 3 && lifecycle) || (k == 4 && !lifecycle))
			continue;
		fp kp = C(f, kinds[k]);
		if (n > 0) {
			e_forbidden(v, kp, "may not specify more than 1 handler type");
			continue;
		}
		n++;
		switch (k) {
		case 0:
			if (!jlen(arr(x, "command")))
				e_required(v, C(kp, "command"), "");
			break;
		case 1:
			v_http_get(v, x, kp);
			break;
		case 2:
			v_port_num_or_name(v, get(x, "port"), C(kp, "port"));
			break;
		case 3: {
			int64_t p = numz(x, "port");
			msgs m = {0};
			is_valid_port_num(p, &m);
			each_invalid(v, C(kp, "port"), N(p).s, &m);
			break;
		}
		default: {
			int64_t s = numz(x, "seconds");
			if (grace && (s <= 0 || s > *grace)) {
				char d[300];
				snprintf(d, sizeof(d),
					 "must be greater than 0 and less than "
					 "terminationGracePeriodSeconds (%" PRId64
					 "). Enable AllowPodLifecycleSleepActionZeroValue feature "
					 "gate "
					 "for zero sleep.",
					 *grace);
				e_invalid(v, kp, N(s).s, d);
			}
		}
		}
	}
	if (n == 0)
		e_required(v, f, "must specify a handler type");
}

typedef enum { PROBE_LIVENESS, PROBE_READINESS, PROBE_STARTUP } probe_kind;

static void v_probe(V *v, const cJSON *p, probe_kind kind, const int64_t *grace, fp f)
{
	if (!isset(p))
		return;
	v_handler(v, p, false, grace, f);
	static const char *const fields[] = {"initialDelaySeconds", "timeoutSeconds",
					     "periodSeconds", "successThreshold",
					     "failureThreshold"};
	for (int i = 0; i < 5; i++)
		nonneg(v, numz(p, fields[i]), C(f, fields[i]));
	int64_t tgps;
	bool has_tgps = num(p, "terminationGracePeriodSeconds", &tgps);
	if (has_tgps && tgps <= 0)
		e_invalid(v, C(f, "terminationGracePeriodSeconds"), N(tgps).s,
			  "must be greater than 0");
	if (kind == PROBE_READINESS) {
		if (has_tgps)
			e_invalid(v, C(f, "terminationGracePeriodSeconds"), N(tgps).s,
				  "must not be set for readinessProbes");
	} else if (numz(p, "successThreshold") != 1) {
		e_invalid(v, C(f, "successThreshold"), N(numz(p, "successThreshold")).s,
			  "must be 1");
	}
}

static void v_lifecycle(V *v, const cJSON *lc, const int64_t *grace, fp f)
{
	if (isset(get(lc, "postStart")))
		v_handler(v, get(lc, "postStart"), true, grace, C(f, "postStart"));
	if (isset(get(lc, "preStop")))
		v_handler(v, get(lc, "preStop"), true, grace, C(f, "preStop"));
}

/* IsValidUserID / IsValidGroupID */
static void v_id(V *v, const cJSON *o, const char *k, fp f)
{
	int64_t id;
	if (num(o, k, &id) && (id < 0 || id > 4294967295LL))
		e_invalid(v, C(f, k), N(id).s, "must be between 0 and 4294967295, inclusive");
}

/* ValidateSecurityContext (the parts that need no cluster policy). */
static void v_security_context(V *v, const cJSON *sc, fp f)
{
	if (!cJSON_IsObject(sc))
		return;
	v_id(v, sc, "runAsUser", f);
	v_id(v, sc, "runAsGroup", f);
	const char *pm = str(sc, "procMount");
	static const char *const procmounts[] = {"Default", "Unmasked", NULL};
	if (pm && !in_list(pm, procmounts))
		e_notsupported(v, C(f, "procMount"), Q(pm).s, procmounts);
	if (cJSON_IsFalse(get(sc, "allowPrivilegeEscalation")) && truthy(sc, "privileged"))
		e_invalid(
			v, f, "core.SecurityContext{...}",
			"cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
}

/* validateContainerCommon */
static void v_container_common(V *v, const cJSON *c, const cJSON *vols, fp f)
{
	const char *name = strz(c, "name");
	if (!name[0])
		e_required(v, C(f, "name"), "");
	else
		v_label(v, C(f, "name"), name);
	if (!strz(c, "image")[0])
		e_required(v, C(f, "image"), "");
	const char *tmp = strz(c, "terminationMessagePolicy");
	static const char *const tmps[] = {"File", "FallbackToLogsOnError", NULL};
	if (!tmp[0])
		e_required(v, C(f, "terminationMessagePolicy"), "");
	else if (!in_list(tmp, tmps))
		e_notsupported(v, C(f, "terminationMessagePolicy"), Q(tmp).s, tmps);
	v_container_ports(v, arr(c, "ports"), C(f, "ports"));
	v_env(v, arr(c, "env"), C(f, "env"));
	v_env_from(v, arr(c, "envFrom"), C(f, "envFrom"));
	v_volume_mounts(v, arr(c, "volumeMounts"), vols, c, C(f, "volumeMounts"));
	v_volume_devices(v, arr(c, "volumeDevices"), vols, C(f, "volumeDevices"));
	const char *pp = strz(c, "imagePullPolicy");
	static const char *const pulls[] = {"Always", "IfNotPresent", "Never", NULL};
	if (!pp[0])
		e_required(v, C(f, "imagePullPolicy"), "");
	else if (!in_list(pp, pulls))
		e_notsupported(v, C(f, "imagePullPolicy"), Q(pp).s, pulls);
	v_resources(v, get(c, "resources"), C(f, "resources"));
	v_security_context(v, get(c, "securityContext"), C(f, "securityContext"));
}

/* AccumulateUniqueHostPorts over one list of containers. */
static void host_port_conflicts(V *v, const cJSON *ctrs, int only, fp f)
{
	cJSON *seen = cJSON_CreateObject();
	if (!seen) {
		v->oom = true;
		return;
	}
	int ci = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, ctrs) {
		if (only >= 0 && ci != only) {
			ci++;
			continue;
		}
		int pi = 0;
		const cJSON *p;
		cJSON_ArrayForEach (p, arr(c, "ports")) {
			int64_t hp = numz(p, "hostPort");
			if (hp != 0) {
				char key[300];
				snprintf(key, sizeof(key), "%.20s/%.200s/%" PRId64,
					 strz(p, "protocol"), strz(p, "hostIP"), hp);
				fp hpp = C(I(C(I(f, ci), "ports"), pi), "hostPort");
				if (get(seen, key))
					e_duplicate(v, hpp, Q(key).s);
				else if (!cJSON_AddTrueToObject(seen, key))
					v->oom = true;
			}
			pi++;
		}
		ci++;
	}
	cJSON_Delete(seen);
}

/* validateContainers */
static void v_containers(V *v, const cJSON *ctrs, const cJSON *vols, const int64_t *grace, fp f)
{
	if (!jlen(ctrs)) {
		e_required(v, f, "");
		return;
	}
	cJSON *names = cJSON_CreateObject();
	if (!names) {
		v->oom = true;
		return;
	}
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, ctrs) {
		fp cp = I(f, i++);
		v_container_common(v, c, vols, cp);
		const char *name = strz(c, "name");
		if (get(names, name))
			e_duplicate(v, C(cp, "name"), Q(name).s);
		else if (!cJSON_AddTrueToObject(names, name))
			v->oom = true;
		if (isset(get(c, "lifecycle")))
			v_lifecycle(v, get(c, "lifecycle"), grace, C(cp, "lifecycle"));
		v_probe(v, get(c, "livenessProbe"), PROBE_LIVENESS, grace, C(cp, "livenessProbe"));
		v_probe(v, get(c, "readinessProbe"), PROBE_READINESS, grace,
			C(cp, "readinessProbe"));
		v_probe(v, get(c, "startupProbe"), PROBE_STARTUP, grace, C(cp, "startupProbe"));
		if (isset(get(c, "restartPolicy")))
			e_forbidden(v, C(cp, "restartPolicy"),
				    "may not be set for non-init containers");
	}
	cJSON_Delete(names);
	host_port_conflicts(v, ctrs, -1, f);
}

/* validateInitContainers */
static void v_init_containers(V *v, const cJSON *inits, const cJSON *ctrs, const cJSON *vols,
			      const int64_t *grace, fp f)
{
	cJSON *names = cJSON_CreateObject();
	if (!names) {
		v->oom = true;
		return;
	}
	const cJSON *c;
	cJSON_ArrayForEach (c, ctrs) {
		if (!get(names, strz(c, "name")) && !cJSON_AddTrueToObject(names, strz(c, "name")))
			v->oom = true;
	}
	int i = 0;
	cJSON_ArrayForEach (c, inits) {
		fp cp = I(f, i);
		v_container_common(v, c, vols, cp);
		const char *rp = str(c, "restartPolicy");
		bool always = false;
		if (rp) {
			static const char *const only_always[] = {"Always", NULL};
			if (strcmp(rp, "Always") != 0)
				e_notsupported(v, C(cp, "restartPolicy"), Q(rp).s, only_always);
			always = !strcmp(rp, "Always");
		}
		const char *name = strz(c, "name");
		if (get(names, name))
			e_duplicate(v, C(cp, "name"), Q(name).s);
		else if (name[0] && !cJSON_AddTrueToObject(names, name))
			v->oom = true;
		host_port_conflicts(v, inits, i, f);
		if (always) {
			if (isset(get(c, "lifecycle")))
				v_lifecycle(v, get(c, "lifecycle"), grace, C(cp, "lifecycle"));
			v_probe(v, get(c, "livenessProbe"), PROBE_LIVENESS, grace,
				C(cp, "livenessProbe"));
			v_probe(v, get(c, "readinessProbe"), PROBE_READINESS, grace,
				C(cp, "readinessProbe"));
			v_probe(v, get(c, "startupProbe"), PROBE_STARTUP, grace,
				C(cp, "startupProbe"));
		} else {
			static const char *const disallowed[] = {"lifecycle", "livenessProbe",
								 "readinessProbe", "startupProbe"};
			for (int k = 0; k < 4; k++)
				if (isset(get(c, disallowed[k])))
					e_forbidden(v, C(cp, disallowed[k]),
						    "may not be set for init containers without "
						    "restartPolicy=Always");
		}
		i++;
	}
	cJSON_Delete(names);
}

/* ---- pod spec: scheduling ----------------------------------------------------------------------
 */

/* ValidateNodeSelectorRequirement */
static void v_node_selector_req(V *v, const cJSON *rq, bool allow_invalid_values, fp f)
{
	const char *op = strz(rq, "operator");
	int nv = jlen(arr(rq, "values"));
	if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		if (!nv)
			e_required(v, C(f, "values"),
				   "must be specified when `operator` is 'In' or 'NotIn'");
	} else if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
		if (nv)
			e_forbidden(v, C(f, "values"),
				    "may not be specified when `operator` is 'Exists' or "
				    "'DoesNotExist'");
	} else if (!strcmp(op, "Gt") || !strcmp(op, "Lt")) {
		if (nv != 1)
			e_required(
				v, C(f, "values"),
				"must be specified single value when `operator` is 'Lt' or 'Gt'");
	} else {
		e_invalid(v, C(f, "operator"), Q(op).s, "not a valid selector operator");
	}
	v_qname(v, C(f, "key"), strz(rq, "key"));
	if (allow_invalid_values)
		return;
	int i = 0;
	const cJSON *val;
	cJSON_ArrayForEach (val, arr(rq, "values")) {
		msgs m = {0};
		const char *s = cJSON_IsString(val) ? val->valuestring : "";
		is_label_value(s, &m);
		each_invalid(v, I(C(f, "values"), i), Q(s).s, &m);
		i++;
	}
}

/* ValidateNodeFieldSelectorRequirement */
static void v_node_field_req(V *v, const cJSON *rq, fp f)
{
	const char *op = strz(rq, "operator");
	if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
		if (jlen(arr(rq, "values")) != 1)
			e_required(v, C(f, "values"),
				   "must be only one value when `operator` is 'In' or 'NotIn' for "
				   "node field selector");
	} else {
		e_invalid(v, C(f, "operator"), Q(op).s, "not a valid selector operator");
	}
	const char *key = strz(rq, "key");
	if (strcmp(key, "metadata.name") != 0) {
		e_invalid(v, C(f, "key"), Q(key).s, "not a valid field selector key");
		return;
	}
	int i = 0;
	const cJSON *val;
	cJSON_ArrayForEach (val, arr(rq, "values")) {
		v_name(v, I(C(f, "values"), i++), NF_SUBDOMAIN,
		       cJSON_IsString(val) ? val->valuestring : "");
	}
}

static void v_node_selector_term(V *v, const cJSON *term, bool allow_invalid, fp f)
{
	int j = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, arr(term, "matchExpressions")) {
		v_node_selector_req(v, r, allow_invalid, I(C(f, "matchExpressions"), j++));
	}
	j = 0;
	cJSON_ArrayForEach (r, arr(term, "matchFields")) {
		v_node_field_req(v, r, I(C(f, "matchFields"), j++));
	}
}

/* validatePodAffinityTerm */
static void v_pod_affinity_term(V *v, const cJSON *t, fp f)
{
	v_label_selector(v, get(t, "labelSelector"), C(f, "labelSelector"));
	v_label_selector(v, get(t, "namespaceSelector"), C(f, "namespaceSelector"));
	const cJSON *ns;
	cJSON_ArrayForEach (ns, arr(t, "namespaces")) {
		v_name(v, C(f, "namespace"), NF_LABEL, cJSON_IsString(ns) ? ns->valuestring : "");
	}
	if (!strz(t, "topologyKey")[0])
		e_required(v, C(f, "topologyKey"), "can not be empty");
	v_qname(v, C(f, "topologyKey"), strz(t, "topologyKey"));
}

static void v_pod_affinity(V *v, const cJSON *pa, fp f)
{
	int i = 0;
	const cJSON *t;
	fp rp = C(f, "requiredDuringSchedulingIgnoredDuringExecution");
	cJSON_ArrayForEach (t, arr(pa, "requiredDuringSchedulingIgnoredDuringExecution")) {
		v_pod_affinity_term(v, t, I(rp, i++));
	}
	i = 0;
	fp pp = C(f, "preferredDuringSchedulingIgnoredDuringExecution");
	cJSON_ArrayForEach (t, arr(pa, "preferredDuringSchedulingIgnoredDuringExecution")) {
		fp tp = I(pp, i++);
		int64_t w = numz(t, "weight");
		if (w <= 0 || w > 100)
			e_invalid(v, C(tp, "weight"), N(w).s, "must be in the range 1-100");
		v_pod_affinity_term(v, get(t, "podAffinityTerm"), C(tp, "podAffinityTerm"));
	}
}

/* validateAffinity */
static void v_affinity(V *v, const cJSON *aff, fp f)
{
	const cJSON *na = get(aff, "nodeAffinity");
	if (isset(na)) {
		fp np = C(f, "nodeAffinity");
		const cJSON *req = get(na, "requiredDuringSchedulingIgnoredDuringExecution");
		if (isset(req)) {
			fp tp = C(C(np, "requiredDuringSchedulingIgnoredDuringExecution"),
				  "nodeSelectorTerms");
			if (!jlen(arr(req, "nodeSelectorTerms"))) {
				e_required(v, tp, "must have at least one node selector term");
			} else {
				int i = 0;
				const cJSON *term;
				cJSON_ArrayForEach (term, arr(req, "nodeSelectorTerms")) {
					v_node_selector_term(v, term, false, I(tp, i++));
				}
			}
		}
		int i = 0;
		const cJSON *t;
		fp pp = C(np, "preferredDuringSchedulingIgnoredDuringExecution");
		cJSON_ArrayForEach (t, arr(na, "preferredDuringSchedulingIgnoredDuringExecution")) {
			fp tp = I(pp, i++);
			int64_t w = numz(t, "weight");
			if (w <= 0 || w > 100)
				e_invalid(v, C(tp, "weight"), N(w).s, "must be in the range 1-100");
			v_node_selector_term(v, get(t, "preference"), true, C(tp, "preference"));
		}
	}
	if (isset(get(aff, "podAffinity")))
		v_pod_affinity(v, get(aff, "podAffinity"), C(f, "podAffinity"));
	if (isset(get(aff, "podAntiAffinity")))
		v_pod_affinity(v, get(aff, "podAntiAffinity"), C(f, "podAntiAffinity"));
}

static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};

/* ValidateTolerations */
static void v_tolerations(V *v, const cJSON *tols, fp f)
{
	int i = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, tols) {
		fp tp = I(f, i++);
		const char *key = strz(t, "key"), *op = strz(t, "operator"),
			   *effect = strz(t, "effect"), *value = strz(t, "value");
		if (key[0])
			v_qname(v, C(tp, "key"), key);
		if (!key[0] && strcmp(op, "Exists") != 0)
			e_invalid(
				v, C(tp, "operator"), Q(op).s,
				"operator must be Exists when `key` is empty, which means \"match "
				"all values and all keys\"");
		if (isset(get(t, "tolerationSeconds")) && strcmp(effect, "NoExecute") != 0)
			e_invalid(v, C(tp, "effect"), Q(effect).s,
				  "effect must be 'NoExecute' when `tolerationSeconds` is set");
		if (!op[0] || !strcmp(op, "Equal")) {
			msgs m = {0};
			is_label_value(value, &m);
			if (m.n) {
				char joined[820];
				snprintf(joined, sizeof(joined), "%s%s%s", m.m[0],
					 m.n > 1 ? ";" : "", m.n > 1 ? m.m[1] : "");
				e_invalid(v, C(tp, "operator"), Q(value).s, joined);
			}
		} else if (!strcmp(op, "Exists")) {
			if (value[0])
				e_invalid(v, C(tp, "operator"), Q(value).s,
					  "value must be empty when `operator` is 'Exists'");
		} else {
			static const char *const ops[] = {"Equal", "Exists", NULL};
			e_notsupported(v, C(tp, "operator"), Q(op).s, ops);
		}
		if (effect[0] && !in_list(effect, taint_effects))
			e_notsupported(v, C(tp, "effect"), Q(effect).s, taint_effects);
	}
}

/* validatePodDNSConfig */
static void v_dns_config(V *v, const cJSON *cfg, const char *policy, fp f)
{
	if (!strcmp(policy, "None")) {
		if (!isset(cfg)) {
			e_required(v, f, "must provide `dnsConfig` when `dnsPolicy` is None");
			return;
		}
		if (!jlen(arr(cfg, "nameservers"))) {
			e_required(v, C(f, "nameservers"),
				   "must provide at least one DNS nameserver when `dnsPolicy` is "
				   "None");
			return;
		}
	}
	if (!isset(cfg))
		return;
	const cJSON *ns = arr(cfg, "nameservers");
	if (jlen(ns) > 3)
		e_invalid(v, C(f, "nameservers"), SLICE(ns).s,
			  "must not have more than 3 nameservers");
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, ns) {
		valid_ip(v, I(C(f, "nameservers"), i++), cJSON_IsString(e) ? e->valuestring : "");
	}
	const cJSON *se = arr(cfg, "searches");
	if (jlen(se) > 32)
		e_invalid(v, C(f, "searches"), SLICE(se).s,
			  "must not have more than 32 search paths");
	size_t total = 0; /* len(strings.Join(searches, " ")) */
	int k = 0;
	cJSON_ArrayForEach (e, se) {
		total += (cJSON_IsString(e) ? strlen(e->valuestring) : 0) + (k++ ? 1 : 0);
	}
	if (total > 2048)
		e_invalid(
			v, C(f, "searches"), SLICE(se).s,
			"must not have more than 2048 characters (including spaces) in the search "
			"list");
	i = 0;
	cJSON_ArrayForEach (e, se) {
		/* RelaxedDNSSearchValidation is alpha (off) in v1.32. */
		char s[320];
		snprintf(s, sizeof(s), "%s", cJSON_IsString(e) ? e->valuestring : "");
		size_t n = strlen(s);
		if (n && s[n - 1] == '.')
			s[n - 1] = '\0';
		v_subdomain(v, I(C(f, "searches"), i++), s);
	}
	i = 0;
	cJSON_ArrayForEach (e, arr(cfg, "options")) {
		if (!strz(e, "name")[0])
			e_required(v, I(C(f, "options"), i), "must not be empty");
		i++;
	}
}

/* validateTopologySpreadConstraints */
static void v_topology_spread(V *v, const cJSON *tscs, fp f)
{
	int i = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, tscs) {
		fp tp = I(f, i);
		int64_t skew = numz(t, "maxSkew");
		if (skew <= 0)
			e_invalid(v, C(tp, "maxSkew"), N(skew).s, "must be greater than zero");
		if (!strz(t, "topologyKey")[0])
			e_required(v, C(tp, "topologyKey"), "can not be empty");
		static const char *const actions[] = {"DoNotSchedule", "ScheduleAnyway", NULL};
		const char *wu = strz(t, "whenUnsatisfiable");
		if (!in_list(wu, actions))
			e_notsupported(v, C(tp, "whenUnsatisfiable"), Q(wu).s, actions);
		const cJSON *r;
		int j = 0;
		cJSON_ArrayForEach (r, tscs) {
			if (j++ <= i)
				continue;
			if (!strcmp(strz(r, "topologyKey"), strz(t, "topologyKey")) &&
			    !strcmp(strz(r, "whenUnsatisfiable"), wu)) {
				char key[400];
				snprintf(key, sizeof(key), "{%.180s, %.180s}",
					 strz(t, "topologyKey"), wu);
				e_duplicate(v, C(tp, "{topologyKey, whenUnsatisfiable}"), Q(key).s);
				break;
			}
		}
		int64_t md;
		if (num(t, "minDomains", &md)) {
			if (md <= 0)
				e_invalid(v, C(tp, "minDomains"), N(md).s,
					  "must be greater than zero");
			if (strcmp(wu, "DoNotSchedule") != 0) {
				char d[200];
				snprintf(d, sizeof(d),
					 "can only use minDomains if "
					 "whenUnsatisfiable=DoNotSchedule, "
					 "not %.100s",
					 wu);
				e_invalid(v, C(tp, "minDomains"), N(md).s, d);
			}
		}
		static const char *const policies[] = {"Honor", "Ignore", NULL};
		static const char *const pk[] = {"nodeAffinityPolicy", "nodeTaintsPolicy"};
		for (int k = 0; k < 2; k++) {
			const char *p = str(t, pk[k]);
			if (p && !in_list(p, policies))
				e_notsupported(v, C(tp, pk[k]), Q(p).s, policies);
		}
		v_label_selector(v, get(t, "labelSelector"), C(tp, "labelSelector"));
		i++;
	}
}

/* validatePodSpecSecurityContext (the id checks and shareProcessNamespace) */
static void v_pod_security_context(V *v, const cJSON *spec, fp f)
{
	const cJSON *sc = get(spec, "securityContext");
	fp sp = C(f, "securityContext");
	if (!cJSON_IsObject(sc))
		return;
	v_id(v, sc, "fsGroup", sp);
	v_id(v, sc, "runAsUser", sp);
	v_id(v, sc, "runAsGroup", sp);
	int i = 0;
	const cJSON *g;
	cJSON_ArrayForEach (g, arr(sc, "supplementalGroups")) {
		int64_t gid = cJSON_IsNumber(g) ? (int64_t)g->valuedouble : 0;
		if (gid < 0 || gid > 4294967295LL)
			e_invalid(v, I(C(sp, "supplementalGroups"), i), N(gid).s,
				  "must be between 0 and 4294967295, inclusive");
		i++;
	}
	if (truthy(spec, "shareProcessNamespace") && truthy(spec, "hostPID"))
		e_invalid(v, C(sp, "shareProcessNamespace"), "true",
			  "ShareProcessNamespace and HostPID cannot both be enabled");
	const char *fcp = str(sc, "fsGroupChangePolicy");
	static const char *const fcps[] = {"Always", "OnRootMismatch", NULL};
	if (fcp && !in_list(fcp, fcps))
		e_notsupported(v, C(sp, "fsGroupChangePolicy"), Q(fcp).s, fcps);
}

/* ---- pod spec ----------------------------------------------------------------------------------
 */

typedef struct podopts {
	bool is_pod; /* the top-level object is a Pod (ResourceIsPod) */
} podopts;

/* ValidatePodSpec */
static void v_pod_spec(V *v, const cJSON *spec, podopts o, fp f)
{
	int64_t grace_v;
	bool has_grace = num(spec, "terminationGracePeriodSeconds", &grace_v);
	if (!has_grace)
		e_required(v, C(f, "terminationGracePeriodSeconds"), "");
	const int64_t *grace = has_grace ? &grace_v : NULL;

	cJSON *vols = cJSON_CreateObject();
	if (!vols) {
		v->oom = true;
		return;
	}
	v_volumes(v, arr(spec, "volumes"), C(f, "volumes"), vols);
	v_containers(v, arr(spec, "containers"), vols, grace, C(f, "containers"));
	v_init_containers(v, arr(spec, "initContainers"), arr(spec, "containers"), vols, grace,
			  C(f, "initContainers"));
	cJSON_Delete(vols);

	/* validatePodHostNetworkDeps: only regular containers are looked at. */
	if (truthy(spec, "hostNetwork")) {
		int i = 0;
		const cJSON *c;
		cJSON_ArrayForEach (c, arr(spec, "containers")) {
			int j = 0;
			const cJSON *p;
			cJSON_ArrayForEach (p, arr(c, "ports")) {
				int64_t hp = numz(p, "hostPort"), cp = numz(p, "containerPort");
				if ((o.is_pod || hp != 0) && hp != cp)
					e_invalid(v,
						  C(I(C(I(C(f, "containers"), i), "ports"), j),
						    "hostPort"),
						  N(hp).s,
						  "must match `containerPort` when `hostNetwork` "
						  "is true");
				j++;
			}
			i++;
		}
	}

	const char *rp = strz(spec, "restartPolicy");
	static const char *const restarts[] = {"Always", "OnFailure", "Never", NULL};
	if (!rp[0])
		e_required(v, C(f, "restartPolicy"), "");
	else if (!in_list(rp, restarts))
		e_notsupported(v, C(f, "restartPolicy"), Q(rp).s, restarts);

	const char *dp = strz(spec, "dnsPolicy");
	static const char *const dnss[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
					   "None", NULL};
	if (!dp[0])
		e_required(v, C(f, "dnsPolicy"), "");
	else if (!in_list(dp, dnss))
		e_notsupported(v, C(f, "dnsPolicy"), Q(dp).s, dnss);

	v_labels(v, get(spec, "nodeSelector"), C(f, "nodeSelector"));
	v_pod_security_context(v, spec, f);
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, arr(spec, "imagePullSecrets")) {
		if (jlen(e) > 1 || (jlen(e) == 1 && !get(e, "name")))
			e_invalid(v, I(C(f, "imagePullSecrets"), i),
				  "core.LocalObjectReference{...}", "only name may be set");
		i++;
	}
	if (isset(get(spec, "affinity")))
		v_affinity(v, get(spec, "affinity"), C(f, "affinity"));
	v_dns_config(v, get(spec, "dnsConfig"), dp, C(f, "dnsConfig"));
	i = 0;
	cJSON_ArrayForEach (e, arr(spec, "readinessGates")) {
		v_qname(v, C(I(C(f, "readinessGates"), i++), "conditionType"),
			strz(e, "conditionType"));
	}
	i = 0;
	cJSON *gates = cJSON_CreateObject();
	cJSON_ArrayForEach (e, arr(spec, "schedulingGates")) {
		fp gp = I(C(f, "schedulingGates"), i++);
		const char *g = strz(e, "name");
		v_qname(v, gp, g);
		if (gates && get(gates, g))
			e_duplicate(v, gp, Q(g).s);
		else if (gates && !cJSON_AddTrueToObject(gates, g))
			v->oom = true;
	}
	cJSON_Delete(gates);
	v_topology_spread(v, arr(spec, "topologySpreadConstraints"),
			  C(f, "topologySpreadConstraints"));

	const char *san = strz(spec, "serviceAccountName");
	if (san[0])
		v_name(v, C(f, "serviceAccountName"), NF_SUBDOMAIN, san);
	const char *node = strz(spec, "nodeName");
	if (node[0])
		v_name(v, C(f, "nodeName"), NF_SUBDOMAIN, node);
	int64_t ads;
	if (num(spec, "activeDeadlineSeconds", &ads) && (ads < 1 || ads > INT32_MAX))
		e_invalid(v, C(f, "activeDeadlineSeconds"), N(ads).s,
			  "must be between 1 and 2147483647, inclusive");
	if (strz(spec, "hostname")[0])
		v_label(v, C(f, "hostname"), strz(spec, "hostname"));
	if (strz(spec, "subdomain")[0])
		v_label(v, C(f, "subdomain"), strz(spec, "subdomain"));
	if (jlen(arr(spec, "tolerations")))
		v_tolerations(v, arr(spec, "tolerations"), C(f, "tolerations"));
	i = 0;
	cJSON_ArrayForEach (e, arr(spec, "hostAliases")) {
		fp hp = I(C(f, "hostAliases"), i++);
		valid_ip(v, C(hp, "ip"), strz(e, "ip"));
		int j = 0;
		const cJSON *h;
		cJSON_ArrayForEach (h, arr(e, "hostnames")) {
			v_subdomain(v, I(C(hp, "hostnames"), j++),
				    cJSON_IsString(h) ? h->valuestring : "");
		}
	}
	const char *pcn = strz(spec, "priorityClassName");
	if (pcn[0])
		v_name(v, C(f, "priorityClassName"), NF_SUBDOMAIN, pcn);
	const char *rcn = str(spec, "runtimeClassName");
	if (rcn)
		v_name(v, C(f, "runtimeClassName"), NF_SUBDOMAIN, rcn);
	const char *pp = str(spec, "preemptionPolicy");
	static const char *const preempts[] = {"PreemptLowerPriority", "Never", NULL};
	if (pp && !pp[0])
		e_required(v, C(f, "preemptionPolicy"), "");
	else if (pp && !in_list(pp, preempts))
		e_notsupported(v, C(f, "preemptionPolicy"), Q(pp).s, preempts);
	const cJSON *os = get(spec, "os");
	if (isset(os)) {
		static const char *const oses[] = {"linux", "windows", NULL};
		const char *osn = strz(os, "name");
		if (!osn[0])
			e_required(v, C(C(f, "os"), "name"), "cannot be empty");
		else if (!in_list(osn, oses))
			e_notsupported(v, C(f, "os"), Q(osn).s, oses);
	}
}

/* ValidatePodSpecificAnnotations (mirror pods and the deletion cost). */
static void v_pod_annotations(V *v, const cJSON *ann, const cJSON *spec, fp f)
{
	const char *mirror = str(ann, "kubernetes.io/config.mirror");
	if (mirror && !strz(spec, "nodeName")[0])
		e_invalid(v, K(f, "kubernetes.io/config.mirror"), Q(mirror).s,
			  "must set spec.nodeName if mirror pod annotation is set");
	const char *cost = str(ann, "controller.kubernetes.io/pod-deletion-cost");
	if (cost) {
		char *end;
		long long c = strtoll(cost, &end, 10);
		bool ok = cost[0] && !isspace((unsigned char)cost[0]) && !*end && c >= INT32_MIN &&
			  c <= INT32_MAX;
		if (!ok)
			e_invalid(v, K(f, "controller.kubernetes.io/pod-deletion-cost"), Q(cost).s,
				  "must be a 32bit integer");
	}
}

/* ValidatePodTemplateSpec: note the template's labels and annotations are
 * reported at "<template>.labels", not "<template>.metadata.labels", as in
 * Kubernetes. */
static void v_pod_template(V *v, const cJSON *t, fp f)
{
	const cJSON *md = get(t, "metadata"), *spec = get(t, "spec");
	v_labels(v, get(md, "labels"), C(f, "labels"));
	v_annotations(v, get(md, "annotations"), C(f, "annotations"));
	v_pod_annotations(v, get(md, "annotations"), spec, C(f, "annotations"));
	podopts o = {false};
	v_pod_spec(v, spec, o, C(f, "spec"));
	if (jlen(arr(spec, "ephemeralContainers")))
		e_forbidden(v, C(C(f, "spec"), "ephemeralContainers"),
			    "ephemeral containers not allowed in pod template");
}

/* ---- semantic equality (apiequality.Semantic.DeepEqual, approximately) ---------------------- */

/* Go's zero values: absent, null, "", 0, false, [] and {} all compare equal
 * to absent, as non-pointer fields and nil-vs-empty slices and maps do. */
static bool zeroish(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return true;
	if (cJSON_IsString(v))
		return !v->valuestring[0];
	if (cJSON_IsNumber(v))
		return v->valuedouble == 0;
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child == NULL;
	return false;
}

static bool sem_equal(const cJSON *a, const cJSON *b)
{
	if (zeroish(a) || zeroish(b))
		return zeroish(a) && zeroish(b);
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		const cJSON *e;
		cJSON_ArrayForEach (e, a) {
			if (!sem_equal(e, get(b, e->string)))
				return false;
		}
		cJSON_ArrayForEach (e, b) {
			if (!get(a, e->string) && !zeroish(e))
				return false;
		}
		return true;
	}
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return false;
		for (const cJSON *x = a->child, *y = b->child; x && y; x = x->next, y = y->next)
			if (!sem_equal(x, y))
				return false;
		return true;
	}
	return cJSON_Compare(a, b, true);
}

/* ---- Pod --------------------------------------------------------------------------------------
 */

static void v_pod(V *v, const cJSON *pod)
{
	const cJSON *md = get(pod, "metadata"), *spec = get(pod, "spec");
	fp sp = F("spec");
	podopts o = {true};
	v_pod_annotations(v, get(md, "annotations"), spec, C(F("metadata"), "annotations"));
	v_pod_spec(v, spec, o, sp);
	if (!strz(spec, "serviceAccountName")[0]) {
		int vi = 0;
		const cJSON *vol;
		cJSON_ArrayForEach (vol, arr(spec, "volumes")) {
			int si = 0;
			const cJSON *src;
			fp pp = C(I(C(sp, "volumes"), vi++), "projected");
			cJSON_ArrayForEach (src, arr(get(vol, "projected"), "sources")) {
				if (isset(get(src, "serviceAccountToken")))
					e_forbidden(
						v,
						C(I(C(pp, "sources"), si), "serviceAccountToken"),
						"must not be specified when serviceAccountName is "
						"not set");
				si++;
			}
		}
	}
	/* validateContainersOnlyForPod */
	static const char *const lists[] = {"containers", "initContainers"};
	for (int l = 0; l < 2; l++) {
		int i = 0;
		const cJSON *c;
		cJSON_ArrayForEach (c, arr(spec, lists[l])) {
			const char *img = strz(c, "image");
			size_t n = strlen(img);
			if (n &&
			    (isspace((unsigned char)img[0]) || isspace((unsigned char)img[n - 1])))
				e_invalid(v, C(I(C(sp, lists[l]), i), "image"), Q(img).s,
					  "must not have leading or trailing whitespace");
			i++;
		}
	}
}

static void v_pod_create(V *v, const cJSON *pod)
{
	const cJSON *spec = get(pod, "spec");
	v_pod(v, pod);
	if (jlen(arr(spec, "ephemeralContainers")))
		e_forbidden(v, C(F("spec"), "ephemeralContainers"), "cannot be set on create");
	if (strz(spec, "nodeName")[0] && jlen(arr(spec, "schedulingGates")))
		e_forbidden(v, C(F("spec"), "nodeName"),
			    "cannot be set until all schedulingGates have been cleared");
}

/* A copy of a pod spec with the fields a pod update may change taken from
 * the old spec (the munging ValidatePodUpdate does before comparing). */
static cJSON *munged_pod_spec(const cJSON *spec, const cJSON *old)
{
	cJSON *m = cJSON_Duplicate(spec, true);
	if (!m)
		return NULL;
	static const char *const lists[] = {"containers", "initContainers"};
	for (int l = 0; l < 2; l++) {
		cJSON *c = cJSON_GetObjectItemCaseSensitive(m, lists[l]);
		const cJSON *oc = arr(old, lists[l]);
		int i = 0;
		cJSON *x;
		cJSON_ArrayForEach (x, (cJSON_IsArray(c) ? c : NULL)) {
			const cJSON *img = get(cJSON_GetArrayItem(oc, i++), "image");
			cJSON_DeleteItemFromObjectCaseSensitive(x, "image");
			if (img && !cJSON_AddItemToObject(x, "image", cJSON_Duplicate(img, true))) {
				cJSON_Delete(m);
				return NULL;
			}
		}
	}
	static const char *const mutable[] = {"activeDeadlineSeconds", "schedulingGates",
					      "tolerations"};
	for (int k = 0; k < 3; k++) {
		cJSON_DeleteItemFromObjectCaseSensitive(m, mutable[k]);
		const cJSON *ov = get(old, mutable[k]);
		if (ov && !cJSON_AddItemToObject(m, mutable[k], cJSON_Duplicate(ov, true))) {
			cJSON_Delete(m);
			return NULL;
		}
	}
	int64_t og, ng;
	if (num(old, "terminationGracePeriodSeconds", &og) && og < 0 &&
	    num(m, "terminationGracePeriodSeconds", &ng) && ng == 1)
		cJSON_ReplaceItemInObjectCaseSensitive(m, "terminationGracePeriodSeconds",
						       cJSON_CreateNumber((double)og));
	return m;
}

/* ValidatePodUpdate (spec part).  The Forbidden message ends in a cmp.Diff
 * of the specs in Kubernetes; cube gives the message without the diff. */
static void v_pod_update(V *v, const cJSON *pod, const cJSON *old)
{
	v_pod(v, pod);
	const cJSON *spec = get(pod, "spec"), *ospec = get(old, "spec");
	fp sp = F("spec");
	static const char *const lists[] = {"containers", "initContainers"};
	for (int l = 0; l < 2; l++) {
		const cJSON *c = arr(spec, lists[l]);
		if (jlen(c) != jlen(arr(ospec, lists[l]))) {
			e_forbidden(v, C(sp, lists[l]),
				    "pod updates may not add or remove containers");
			return;
		}
		int i = 0;
		const cJSON *x;
		cJSON_ArrayForEach (x, c) {
			const char *img = strz(x, "image");
			size_t n = strlen(img);
			if (!n)
				e_required(v, C(I(C(sp, lists[l]), i), "image"), "");
			if (n &&
			    (isspace((unsigned char)img[0]) || isspace((unsigned char)img[n - 1])))
				e_invalid(v, C(I(C(sp, lists[l]), i), "image"), Q(img).s,
					  "must not have leading or trailing whitespace");
			i++;
		}
	}
	int64_t na, oa;
	bool has_na = num(spec, "activeDeadlineSeconds", &na);
	bool has_oa = num(ospec, "activeDeadlineSeconds", &oa);
	if (has_na) {
		if (na < 0 || na > INT32_MAX) {
			e_invalid(v, C(sp, "activeDeadlineSeconds"), N(na).s,
				  "must be between 0 and 2147483647, inclusive");
			return;
		}
		if (has_oa && oa < na) {
			e_invalid(v, C(sp, "activeDeadlineSeconds"), N(na).s,
				  "must be less than or equal to previous value");
			return;
		}
	} else if (has_oa) {
		e_invalid(v, C(sp, "activeDeadlineSeconds"), "null",
			  "must not update from a positive integer to nil value");
	}
	/* validateOnlyAddedTolerations: every old toleration must still be there
	 * (tolerationSeconds may change). */
	const cJSON *ot;
	cJSON_ArrayForEach (ot, arr(ospec, "tolerations")) {
		bool found = false;
		const cJSON *nt;
		cJSON_ArrayForEach (nt, arr(spec, "tolerations")) {
			bool same = true;
			static const char *const keys[] = {"key", "operator", "value", "effect"};
			for (int k = 0; k < 4; k++)
				same &= !strcmp(strz(nt, keys[k]), strz(ot, keys[k]));
			found |= same;
		}
		if (!found) {
			e_forbidden(v, C(sp, "tolerations"),
				    "existing toleration can not be modified except its "
				    "tolerationSeconds");
			break;
		}
	}
	if (sem_equal(spec, ospec))
		return;
	cJSON *m = munged_pod_spec(spec, ospec);
	if (!m) {
		v->oom = true;
		return;
	}
	if (!sem_equal(m, ospec))
		e_forbidden(
			v, sp,
			"pod updates may not change fields other than "
			"`spec.containers[*].image`,`spec.initContainers[*].image`,"
			"`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
			"existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to "
			"be set to 1 if it was previously negative)\n");
	cJSON_Delete(m);
}

/* ---- apps -------------------------------------------------------------------------------------
 */

/* Parses a LabelSelector as metav1.LabelSelectorAsSelector does; NULL on
 * error.  `*err` tells an error from ENOMEM. */
static cube_labelsel *as_selector(V *v, const cJSON *sel, bool *err)
{
	cube_err e = {0};
	cube_labelsel *s = cube_labelsel_from_json(isset(sel) ? sel : NULL, &e);
	*err = s == NULL;
	if (!s && e.code == CUBE_ENOMEM)
		v->oom = true;
	return s;
}

/* The selector checks Deployment and ReplicaSet share. */
static void v_rs_like_selector(V *v, const cJSON *spec, const char *kind, fp f)
{
	const cJSON *sel = get(spec, "selector");
	if (!isset(sel)) {
		e_required(v, C(f, "selector"), "");
	} else {
		v_label_selector(v, sel, C(f, "selector"));
		if (jlen(get(sel, "matchLabels")) + jlen(get(sel, "matchExpressions")) == 0) {
			char d[80];
			snprintf(d, sizeof(d), "empty selector is invalid for %s", kind);
			e_invalid(v, C(f, "selector"), SEL(sel).s, d);
		}
	}
}

/* ValidatePodTemplateSpecForReplicaSet (Deployments use it too). */
static void v_template_for_rs(V *v, const cJSON *spec, const char *kind, fp f)
{
	bool err;
	const cJSON *t = get(spec, "template");
	cube_labelsel *s = as_selector(v, get(spec, "selector"), &err);
	if (err) {
		e_invalid(v, C(f, "selector"), SEL(get(spec, "selector")).s,
			  "invalid label selector");
		return;
	}
	fp tp = C(f, "template");
	const cJSON *labels = get(get(t, "metadata"), "labels");
	if (!cube_labelsel_is_everything(s) && !cube_labelsel_matches(s, labels))
		e_invalid(v, C(C(tp, "metadata"), "labels"), MAP(labels).s,
			  "`selector` does not match template `labels`");
	cube_labelsel_free(s);
	v_pod_template(v, t, tp);
	const char *rp = strz(get(t, "spec"), "restartPolicy");
	static const char *const always[] = {"Always", NULL};
	if (strcmp(rp, "Always") != 0)
		e_notsupported(v, C(C(tp, "spec"), "restartPolicy"), Q(rp).s, always);
	if (isset(get(get(t, "spec"), "activeDeadlineSeconds"))) {
		char d[80];
		snprintf(d, sizeof(d), "activeDeadlineSeconds in %s is not Supported", kind);
		e_forbidden(v, C(C(tp, "spec"), "activeDeadlineSeconds"), d);
	}
}

/* ValidatePositiveIntOrPercent */
static void v_int_or_percent(V *v, const cJSON *x, fp f)
{
	if (cJSON_IsString(x)) {
		if (!re_percent(x->valuestring)) {
			msgs m = {0};
			regex_error(
				&m, "",
				"a valid percent string must be a numeric string followed by an "
				"ending '%'",
				"[0-9]+%", "1%", "93%", NULL);
			each_invalid(v, f, INTSTR(x).s, &m);
		}
	} else if (cJSON_IsNumber(x)) {
		nonneg(v, (int64_t)x->valuedouble, f);
	} else if (isset(x)) {
		e_invalid(v, f, INTSTR(x).s, "must be an integer or percentage (e.g '5%%')");
	}
}

/* getIntOrPercentValue; *pct is true for a valid percent string. */
static int int_or_percent(const cJSON *x, bool *pct)
{
	*pct = false;
	if (cJSON_IsString(x)) {
		if (re_percent(x->valuestring)) {
			*pct = true;
			return atoi(x->valuestring);
		}
		return 0; /* IntValue() of a non-numeric string */
	}
	return cJSON_IsNumber(x) ? (int)x->valuedouble : 0;
}

static void not_over_100(V *v, const cJSON *x, fp f)
{
	bool pct;
	int n = int_or_percent(x, &pct);
	if (pct && n > 100)
		e_invalid(v, f, INTSTR(x).s, "must not be greater than 100%");
}

/* %#v of a strategy struct with its type and (nil or elided) rolling
 * update pointer. */
static gv STRATEGY(const char *type, const char *ptrtype, const cJSON *ru, const char *go)
{
	gv r;
	snprintf(r.s, sizeof(r.s), "%s{Type:\"%.200s\", RollingUpdate:(*%s)(%s)}", go, type,
		 ptrtype, isset(ru) ? "0xc000000000" : "nil");
	return r;
}

static void v_deployment_strategy(V *v, const cJSON *st, fp f)
{
	const char *t = strz(st, "type");
	const cJSON *ru = get(st, "rollingUpdate");
	if (!strcmp(t, "Recreate")) {
		if (isset(ru))
			e_forbidden(v, C(f, "rollingUpdate"),
				    "may not be specified when strategy `type` is 'Recreate'");
	} else if (!strcmp(t, "RollingUpdate")) {
		fp rp = C(f, "rollingUpdate");
		if (!isset(ru)) {
			e_required(v, rp, "this should be defaulted and never be nil");
			return;
		}
		const cJSON *mu = get(ru, "maxUnavailable"), *ms = get(ru, "maxSurge");
		v_int_or_percent(v, mu, C(rp, "maxUnavailable"));
		v_int_or_percent(v, ms, C(rp, "maxSurge"));
		bool p;
		if (int_or_percent(mu, &p) == 0 && int_or_percent(ms, &p) == 0)
			e_invalid(v, C(rp, "maxUnavailable"), INTSTR(mu).s,
				  "may not be 0 when `maxSurge` is 0");
		not_over_100(v, mu, C(rp, "maxUnavailable"));
	} else {
		static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
		/* The value is the strategy struct; a set rollingUpdate pointer prints as
		 * an address in Kubernetes. */
		e_notsupported(
			v, f,
			STRATEGY(t, "apps.RollingUpdateDeployment", ru, "apps.DeploymentStrategy")
				.s,
			types);
	}
}

static void v_deployment(V *v, const cJSON *o)
{
	const cJSON *spec = get(o, "spec");
	fp f = F("spec");
	nonneg(v, numz(spec, "replicas"), C(f, "replicas"));
	v_rs_like_selector(v, spec, "deployment", f);
	v_template_for_rs(v, spec, "Deployment", f);
	v_deployment_strategy(v, get(spec, "strategy"), C(f, "strategy"));
	nonneg(v, numz(spec, "minReadySeconds"), C(f, "minReadySeconds"));
	int64_t n;
	if (num(spec, "revisionHistoryLimit", &n))
		nonneg(v, n, C(f, "revisionHistoryLimit"));
	if (num(spec, "progressDeadlineSeconds", &n)) {
		nonneg(v, n, C(f, "progressDeadlineSeconds"));
		if (n <= numz(spec, "minReadySeconds"))
			e_invalid(v, C(f, "progressDeadlineSeconds"), N(n).s,
				  "must be greater than minReadySeconds");
	}
}

static void v_replicaset(V *v, const cJSON *o)
{
	const cJSON *spec = get(o, "spec");
	fp f = F("spec");
	nonneg(v, numz(spec, "replicas"), C(f, "replicas"));
	nonneg(v, numz(spec, "minReadySeconds"), C(f, "minReadySeconds"));
	v_rs_like_selector(v, spec, "deployment", f); /* sic: Kubernetes says "deployment" */
	v_template_for_rs(v, spec, "ReplicaSet", f);
}

static void v_daemonset(V *v, const cJSON *o)
{
	const cJSON *spec = get(o, "spec"), *sel = get(spec, "selector");
	const cJSON *t = get(spec, "template");
	fp f = F("spec");
	v_label_selector(v, sel, C(f, "selector"));
	bool err;
	cube_labelsel *s = as_selector(v, sel, &err);
	const cJSON *labels = get(get(t, "metadata"), "labels");
	if (!err && !cube_labelsel_matches(s, labels))
		e_invalid(v, C(C(C(f, "template"), "metadata"), "labels"), MAP(labels).s,
			  "`selector` does not match template `labels`");
	cube_labelsel_free(s);
	if (isset(sel) && jlen(get(sel, "matchLabels")) + jlen(get(sel, "matchExpressions")) == 0)
		e_invalid(v, C(f, "selector"), SEL(sel).s,
			  "empty selector is invalid for daemonset");
	v_pod_template(v, t, C(f, "template"));
	const char *rp = strz(get(t, "spec"), "restartPolicy");
	static const char *const always[] = {"Always", NULL};
	if (strcmp(rp, "Always") != 0)
		e_notsupported(v, C(C(C(f, "template"), "spec"), "restartPolicy"), Q(rp).s, always);
	if (isset(get(get(t, "spec"), "activeDeadlineSeconds")))
		e_forbidden(v, C(C(C(f, "template"), "spec"), "activeDeadlineSeconds"),
			    "activeDeadlineSeconds in DaemonSet is not Supported");
	nonneg(v, numz(spec, "minReadySeconds"), C(f, "minReadySeconds"));
	nonneg(v, numz(spec, "templateGeneration"), C(f, "templateGeneration"));
	const cJSON *us = get(spec, "updateStrategy");
	fp up = C(f, "updateStrategy");
	const char *ut = strz(us, "type");
	if (!strcmp(ut, "RollingUpdate")) {
		const cJSON *ru = get(us, "rollingUpdate");
		fp rp2 = C(up, "rollingUpdate");
		if (!isset(ru)) {
			e_required(v, rp2, "");
		} else {
			const cJSON *mu = get(ru, "maxUnavailable"), *ms = get(ru, "maxSurge");
			v_int_or_percent(v, mu, C(rp2, "maxUnavailable"));
			v_int_or_percent(v, ms, C(rp2, "maxSurge"));
			not_over_100(v, mu, C(rp2, "maxUnavailable"));
			not_over_100(v, ms, C(rp2, "maxSurge"));
			bool p;
			bool hu = int_or_percent(mu, &p) != 0, hs = int_or_percent(ms, &p) != 0;
			if (hu && hs)
				e_invalid(v, C(rp2, "maxSurge"), INTSTR(ms).s,
					  "may not be set when maxUnavailable is non-zero");
			else if (!hu && !hs)
				e_required(v, C(rp2, "maxUnavailable"),
					   "cannot be 0 when maxSurge is 0");
		}
	} else if (strcmp(ut, "OnDelete") != 0) {
		static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
		e_notsupported(v, up,
			       STRATEGY(ut, "apps.RollingUpdateDaemonSet", get(us, "rollingUpdate"),
					"apps.DaemonSetUpdateStrategy")
				       .s,
			       types);
	}
	int64_t n;
	if (num(spec, "revisionHistoryLimit", &n))
		nonneg(v, n, C(f, "revisionHistoryLimit"));
}

/* ValidateStatefulSetSpec.  Kubernetes does not validate a StatefulSet's pod
 * spec (only the template's labels and annotations), and neither does cube. */
static void v_statefulset(V *v, const cJSON *o)
{
	const cJSON *spec = get(o, "spec"), *t = get(spec, "template");
	fp f = F("spec");
	const char *pmp = strz(spec, "podManagementPolicy");
	if (!pmp[0])
		e_required(v, C(f, "podManagementPolicy"), "");
	else if (strcmp(pmp, "OrderedReady") != 0 && strcmp(pmp, "Parallel") != 0)
		e_invalid(v, C(f, "podManagementPolicy"), Q(pmp).s,
			  "must be 'OrderedReady' or 'Parallel'");
	const cJSON *us = get(spec, "updateStrategy"), *ru = get(us, "rollingUpdate");
	const char *ut = strz(us, "type");
	fp up = C(f, "updateStrategy");
	if (!ut[0]) {
		e_required(v, up, "");
	} else if (!strcmp(ut, "OnDelete")) {
		if (isset(ru))
			e_invalid(v, C(up, "rollingUpdate"),
				  "apps.RollingUpdateStatefulSetStrategy{...}",
				  "only allowed for updateStrategy 'RollingUpdate'");
	} else if (!strcmp(ut, "RollingUpdate")) {
		if (isset(ru)) {
			fp rp = C(up, "rollingUpdate");
			nonneg(v, numz(ru, "partition"), C(rp, "partition"));
			const cJSON *mu = get(ru, "maxUnavailable");
			if (isset(mu)) {
				v_int_or_percent(v, mu, C(rp, "maxUnavailable"));
				bool p;
				if (int_or_percent(mu, &p) == 0)
					e_invalid(v, C(rp, "maxUnavailable"), INTSTR(mu).s,
						  "cannot be 0");
				not_over_100(v, mu, C(rp, "maxUnavailable"));
			}
		}
	} else {
		e_invalid(v, up,
			  STRATEGY(ut, "apps.RollingUpdateStatefulSetStrategy", ru,
				   "apps.StatefulSetUpdateStrategy")
				  .s,
			  "must be 'RollingUpdate' or 'OnDelete'");
	}
	const cJSON *rp = get(spec, "persistentVolumeClaimRetentionPolicy");
	if (isset(rp)) {
		static const char *const pols[] = {"Retain", "Delete", NULL};
		static const char *const keys[] = {"whenDeleted", "whenScaled"};
		for (int k = 0; k < 2; k++) {
			const char *p = strz(rp, keys[k]);
			if (!in_list(p, pols))
				e_notsupported(
					v, C(C(f, "persistentVolumeClaimRetentionPolicy"), keys[k]),
					Q(p).s, pols);
		}
	}
	nonneg(v, numz(spec, "replicas"), C(f, "replicas"));
	nonneg(v, numz(spec, "minReadySeconds"), C(f, "minReadySeconds"));
	if (isset(get(spec, "ordinals")))
		nonneg(v, numz(get(spec, "ordinals"), "start"), C(f, "ordinals.start"));
	const cJSON *sel = get(spec, "selector");
	if (!isset(sel)) {
		e_required(v, C(f, "selector"), "");
	} else {
		v_label_selector(v, sel, C(f, "selector"));
		if (jlen(get(sel, "matchLabels")) + jlen(get(sel, "matchExpressions")) == 0)
			e_invalid(v, C(f, "selector"), SEL(sel).s,
				  "empty selector is invalid for statefulset");
	}
	bool err;
	cube_labelsel *s = as_selector(v, sel, &err);
	fp tp = C(f, "template");
	if (err) {
		e_invalid(v, C(f, "selector"), SEL(sel).s, "");
	} else {
		const cJSON *md = get(t, "metadata");
		if (!cube_labelsel_is_everything(s) && !cube_labelsel_matches(s, get(md, "labels")))
			e_invalid(v, C(C(tp, "metadata"), "labels"), MAP(get(md, "labels")).s,
				  "`selector` does not match template `labels`");
		v_labels(v, get(md, "labels"), C(tp, "labels"));
		v_annotations(v, get(md, "annotations"), C(tp, "annotations"));
		v_pod_annotations(v, get(md, "annotations"), get(t, "spec"), C(tp, "annotations"));
	}
	cube_labelsel_free(s);
	const char *restart = strz(get(t, "spec"), "restartPolicy");
	static const char *const always[] = {"Always", NULL};
	if (strcmp(restart, "Always") != 0)
		e_notsupported(v, C(C(tp, "spec"), "restartPolicy"), Q(restart).s, always);
	if (isset(get(get(t, "spec"), "activeDeadlineSeconds")))
		e_forbidden(v, C(C(tp, "spec"), "activeDeadlineSeconds"),
			    "activeDeadlineSeconds in StatefulSet is not Supported");
}

/* The apps/v1 strategies' selector immutability. */
static void v_selector_immutable(V *v, const cJSON *o, const cJSON *old)
{
	const cJSON *ns = get(get(o, "spec"), "selector"), *os = get(get(old, "spec"), "selector");
	if (!sem_equal(ns, os))
		e_invalid(v, C(F("spec"), "selector"), isset(ns) ? SEL(ns).s : "null",
			  "field is immutable");
}

static void v_statefulset_update(V *v, const cJSON *o, const cJSON *old)
{
	const cJSON *spec = get(o, "spec"), *ospec = get(old, "spec");
	static const char *const mutable[] = {"replicas",
					      "template",
					      "updateStrategy",
					      "minReadySeconds",
					      "ordinals",
					      "persistentVolumeClaimRetentionPolicy",
					      NULL};
	bool same = true;
	const cJSON *e;
	cJSON_ArrayForEach (e, spec) {
		if (!in_list(e->string, mutable) && !sem_equal(e, get(ospec, e->string)))
			same = false;
	}
	cJSON_ArrayForEach (e, ospec) {
		if (!in_list(e->string, mutable) && !get(spec, e->string) && !zeroish(e))
			same = false;
	}
	if (!same)
		e_forbidden(v, F("spec"),
			    "updates to statefulset spec for fields other than 'replicas', "
			    "'ordinals', 'template', 'updateStrategy', "
			    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
			    "forbidden");
}

/* ---- batch ------------------------------------------------------------------------------------
 */

/* validateJobSpec */
static void v_job_spec(V *v, const cJSON *spec, fp f)
{
	static const char *const counts[] = {"parallelism",
					     "completions",
					     "activeDeadlineSeconds",
					     "backoffLimit",
					     "ttlSecondsAfterFinished",
					     "backoffLimitPerIndex"};
	for (int k = 0; k < 6; k++) {
		int64_t n;
		if (num(spec, counts[k], &n))
			nonneg(v, n, C(f, counts[k]));
	}
	int64_t mfi, bli, comp, par;
	bool has_mfi = num(spec, "maxFailedIndexes", &mfi);
	bool has_bli = num(spec, "backoffLimitPerIndex", &bli);
	bool has_comp = num(spec, "completions", &comp);
	bool has_par = num(spec, "parallelism", &par);
	if (has_mfi) {
		nonneg(v, mfi, C(f, "maxFailedIndexes"));
		if (!has_bli)
			e_required(v, C(f, "backoffLimitPerIndex"),
				   "when maxFailedIndexes is specified");
	}
	const char *mode = str(spec, "completionMode");
	bool indexed = mode && !strcmp(mode, "Indexed");
	if (mode) {
		static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
		if (!in_list(mode, modes))
			e_notsupported(v, C(f, "completionMode"), Q(mode).s, modes);
		if (indexed) {
			if (!has_comp)
				e_required(v, C(f, "completions"),
					   "when completion mode is Indexed");
			if (has_par && par > 100000)
				e_invalid(
					v, C(f, "parallelism"), N(par).s,
					"must be less than or equal to 100000 when completion mode "
					"is Indexed");
			if (has_comp && has_mfi && mfi > comp)
				e_invalid(v, C(f, "maxFailedIndexes"), N(mfi).s,
					  "must be less than or equal to completions");
			if (has_mfi && mfi > 100000)
				e_invalid(v, C(f, "maxFailedIndexes"), N(mfi).s,
					  "must be less than or equal to 100000");
		}
	}
	if (!indexed) {
		if (has_bli)
			e_invalid(v, C(f, "backoffLimitPerIndex"), N(bli).s,
				  "requires indexed completion mode");
		if (has_mfi)
			e_invalid(v, C(f, "maxFailedIndexes"), N(mfi).s,
				  "requires indexed completion mode");
	}
	const char *prp = str(spec, "podReplacementPolicy");
	if (prp) {
		static const char *const failed[] = {"Failed", NULL};
		static const char *const prps[] = {"Failed", "TerminatingOrFailed", NULL};
		if (isset(get(spec, "podFailurePolicy"))) {
			if (strcmp(prp, "Failed") != 0)
				e_notsupported(v, C(f, "podReplacementPolicy"), Q(prp).s, failed);
		} else if (!in_list(prp, prps)) {
			e_notsupported(v, C(f, "podReplacementPolicy"), Q(prp).s, prps);
		}
	}
	const cJSON *t = get(spec, "template");
	v_pod_template(v, t, C(f, "template"));
	const char *rp = strz(get(t, "spec"), "restartPolicy");
	fp rpp = C(C(C(f, "template"), "spec"), "restartPolicy");
	static const char *const job_restarts[] = {"OnFailure", "Never", NULL};
	if (!rp[0] || !strcmp(rp, "Always"))
		e_required(v, rpp, "valid values: \"OnFailure\", \"Never\"");
	else if (!in_list(rp, job_restarts))
		e_notsupported(v, rpp, Q(rp).s, job_restarts);
	else if (isset(get(spec, "podFailurePolicy")) && strcmp(rp, "Never") != 0)
		e_invalid(v, rpp, Q(rp).s,
			  "only \"Never\" is supported when podFailurePolicy is specified");
}

/* ValidateJobSpec: validateJobSpec plus the selector. */
static void v_job_spec_full(V *v, const cJSON *spec, fp f)
{
	v_job_spec(v, spec, f);
	const cJSON *sel = get(spec, "selector");
	if (!isset(sel))
		e_required(v, C(f, "selector"), "");
	else
		v_label_selector(v, sel, C(f, "selector"));
	bool err;
	cube_labelsel *s = as_selector(v, sel, &err);
	const cJSON *labels = get(get(get(spec, "template"), "metadata"), "labels");
	if (!err && !cube_labelsel_matches(s, labels))
		e_invalid(v, C(C(C(f, "template"), "metadata"), "labels"), MAP(labels).s,
			  "`selector` does not match template `labels`");
	cube_labelsel_free(s);
}

/* ValidateHasLabel */
static void has_label(V *v, const cJSON *md, fp f, const char *key, const char *want)
{
	const cJSON *labels = get(md, "labels");
	const char *have = str(labels, key);
	char d[320];
	snprintf(d, sizeof(d), "must be '%.300s'", want);
	if (!get(labels, key))
		e_required(v, K(C(f, "labels"), key), d);
	else if (!have || strcmp(have, want) != 0)
		e_invalid(v, K(C(f, "labels"), key), MAP(labels).s, d);
}

/* validateGeneratedSelector (with the batch.kubernetes.io labels, as a
 * v1.32 server requires for new Jobs). */
static void v_generated_selector(V *v, const cJSON *job)
{
	const cJSON *spec = get(job, "spec"), *md = get(job, "metadata");
	if (truthy(spec, "manualSelector") || !isset(get(spec, "selector")))
		return;
	const char *uid = strz(md, "uid"), *name = strz(md, "name");
	if (!uid[0])
		e_required(v, C(F("metadata"), "uid"), "");
	fp tm = C(C(F("spec"), "template"), "metadata");
	const cJSON *tmd = get(get(spec, "template"), "metadata");
	has_label(v, tmd, tm, "controller-uid", uid);
	has_label(v, tmd, tm, "job-name", name);
	has_label(v, tmd, tm, "batch.kubernetes.io/controller-uid", uid);
	has_label(v, tmd, tm, "batch.kubernetes.io/job-name", name);
	cJSON *expected = cJSON_CreateObject();
	if (!expected ||
	    !cJSON_AddStringToObject(expected, "batch.kubernetes.io/controller-uid", uid) ||
	    !cJSON_AddStringToObject(expected, "batch.kubernetes.io/job-name", name) ||
	    !cJSON_AddStringToObject(expected, "controller-uid", uid) ||
	    !cJSON_AddStringToObject(expected, "job-name", name)) {
		cJSON_Delete(expected);
		v->oom = true;
		return;
	}
	bool err;
	cube_labelsel *s = as_selector(v, get(spec, "selector"), &err);
	if (!err && !cube_labelsel_matches(s, expected))
		e_invalid(v, C(F("spec"), "selector"), SEL(get(spec, "selector")).s,
			  "`selector` not auto-generated");
	cube_labelsel_free(s);
	cJSON_Delete(expected);
}

static void v_job(V *v, const cJSON *job)
{
	v_generated_selector(v, job);
	const cJSON *spec = get(job, "spec");
	v_job_spec_full(v, spec, F("spec"));
	const char *mode = strz(spec, "completionMode");
	int64_t comp;
	if (!strcmp(mode, "Indexed") && num(spec, "completions", &comp) && comp > 0) {
		char host[400];
		snprintf(host, sizeof(host), "%.300s-%" PRId64, strz(get(job, "metadata"), "name"),
			 comp - 1);
		msgs m = {0};
		is_dns1123_label(host, &m);
		if (m.n) {
			char d[480];
			snprintf(d, sizeof(d),
				 "will not able to create pod with invalid DNS label: %s", host);
			e_invalid(v, C(F("metadata"), "name"),
				  Q(strz(get(job, "metadata"), "name")).s, d);
		}
	}
}

/* The template of a running Job is immutable; a suspended Job that never
 * started may change its scheduling directives, labels and annotations. */
static void v_job_update(V *v, const cJSON *job, const cJSON *old)
{
	const cJSON *spec = get(job, "spec"), *ospec = get(old, "spec");
	fp f = F("spec");
	v_job_spec_full(v, spec, f);
	/* validateCompletions (elastic Indexed Jobs are GA in v1.32) */
	const cJSON *nc = get(spec, "completions"), *oc = get(ospec, "completions");
	bool indexed = !strcmp(strz(spec, "completionMode"), "Indexed");
	if (!cJSON_Compare(nc, oc, true) && (isset(nc) || isset(oc))) {
		if (!indexed)
			e_invalid(v, C(f, "completions"),
				  isset(nc) ? N(numz(spec, "completions")).s : "null",
				  "field is immutable");
		else if (isset(nc) && numz(spec, "completions") != numz(spec, "parallelism"))
			e_invalid(v, C(f, "completions"), N(numz(spec, "completions")).s,
				  "can only be modified in tandem with spec.parallelism");
	}
	const cJSON *ns = get(spec, "selector"), *os = get(ospec, "selector");
	if (!sem_equal(ns, os))
		e_invalid(v, C(f, "selector"), isset(ns) ? SEL(ns).s : "null",
			  "field is immutable");
	const cJSON *t = get(spec, "template"), *ot = get(ospec, "template");
	bool suspended = truthy(ospec, "suspend");
	bool same;
	if (!suspended || isset(get(get(old, "status"), "startTime"))) {
		same = sem_equal(t, ot);
	} else {
		cJSON *a = cJSON_Duplicate(t, true), *b = cJSON_Duplicate(ot, true);
		if ((t && !a) || (ot && !b)) {
			cJSON_Delete(a);
			cJSON_Delete(b);
			v->oom = true;
			return;
		}
		static const char *const spec_keys[] = {"nodeSelector", "tolerations", "affinity",
							"schedulingGates"};
		for (int k = 0; k < 4; k++) {
			cJSON_DeleteItemFromObjectCaseSensitive(
				get(a, "spec") ? (cJSON *)get(a, "spec") : a, spec_keys[k]);
			cJSON_DeleteItemFromObjectCaseSensitive(
				get(b, "spec") ? (cJSON *)get(b, "spec") : b, spec_keys[k]);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(a, "metadata");
		cJSON_DeleteItemFromObjectCaseSensitive(b, "metadata");
		same = sem_equal(a, b);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	/* Kubernetes prints the whole core.PodTemplateSpec struct here. */
	if (!same)
		e_invalid(v, C(f, "template"), "core.PodTemplateSpec{...}", "field is immutable");
	const cJSON *cm = get(spec, "completionMode"), *ocm = get(ospec, "completionMode");
	if (!sem_equal(cm, ocm))
		e_invalid(v, C(f, "completionMode"),
			  cJSON_IsString(cm) ? Q(cm->valuestring).s : "null", "field is immutable");
}

/* ---- cron schedules: cube_cron_parse (lib/cron.c) gives robfig's messages ---- */

static bool cron_parse(const char *spec, char *err, size_t n)
{
	cube_cron c;
	cube_err e = CUBE_ERR_INIT;
	if (cube_cron_parse(spec, &c, &e) == 0)
		return true;
	snprintf(err, n, "%.*s", (int)(n ? n - 1 : 0), e.msg);
	return false;
}

static void v_cronjob(V *v, const cJSON *cj, const cJSON *old)
{
	const cJSON *spec = get(cj, "spec"), *ospec = get(old, "spec");
	fp f = F("spec");
	const char *sched = strz(spec, "schedule");
	if (!sched[0]) {
		e_required(v, C(f, "schedule"), "");
	} else {
		char err[400];
		if (!cron_parse(sched, err, sizeof(err)))
			e_invalid(v, C(f, "schedule"), Q(sched).s, err);
		bool allow_tz = old && strstr(strz(ospec, "schedule"), "TZ");
		if (allow_tz && strstr(sched, "TZ") && isset(get(spec, "timeZone")))
			e_invalid(v, C(f, "schedule"), Q(sched).s,
				  "cannot use both timeZone field and TZ or CRON_TZ in schedule");
		else if (!allow_tz && strstr(sched, "TZ"))
			e_invalid(
				v, C(f, "schedule"), Q(sched).s,
				"cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
	}
	int64_t n;
	if (num(spec, "startingDeadlineSeconds", &n))
		nonneg(v, n, C(f, "startingDeadlineSeconds"));
	const cJSON *tz = get(spec, "timeZone");
	if (cJSON_IsString(tz) && (!old || !sem_equal(tz, get(ospec, "timeZone")))) {
		/* validateTimeZone, without the zone database lookup */
		const char *z = tz->valuestring;
		if (!z[0]) {
			e_invalid(v, C(f, "timeZone"), Q(z).s,
				  "timeZone must be nil or non-empty string");
		} else {
			bool ok = true;
			char buf[300];
			snprintf(buf, sizeof(buf), "%s", z);
			char *save = NULL;
			for (char *part = strtok_r(buf, "/", &save); part;
			     part = strtok_r(NULL, "/", &save)) {
				size_t l = strlen(part);
				ok &= l >= 1 && l <= 14 && strcmp(part, ".") &&
				      strcmp(part, "..") && part[0] != '-';
				for (const char *c = part; *c; c++)
					ok &= alnum(*c) || strchr(".-_+", *c);
			}
			ok &= z[0] != '/' && z[strlen(z) - 1] != '/' && !strstr(z, "//");
			if (!ok) {
				char d[340];
				snprintf(d, sizeof(d), "unknown time zone %s", z);
				e_invalid(v, C(f, "timeZone"), Q(z).s, d);
			} else if (!strcasecmp(z, "Local")) {
				e_invalid(v, C(f, "timeZone"), Q(z).s,
					  "timeZone must be an explicit time zone as defined in "
					  "https://www.iana.org/time-zones");
			}
		}
	}
	const char *cp = strz(spec, "concurrencyPolicy");
	static const char *const cps[] = {"Allow", "Forbid", "Replace", NULL};
	if (!cp[0])
		e_required(v, C(f, "concurrencyPolicy"), "");
	else if (!in_list(cp, cps))
		e_notsupported(v, C(f, "concurrencyPolicy"), Q(cp).s, cps);
	/* ValidateJobTemplateSpec */
	const cJSON *jt = get(spec, "jobTemplate");
	fp jp = C(f, "jobTemplate");
	v_job_spec(v, get(jt, "spec"), C(jp, "spec"));
	const cJSON *sel = get(get(jt, "spec"), "selector");
	if (isset(sel))
		e_invalid(v, C(C(jp, "spec"), "selector"), SEL(sel).s,
			  "`selector` will be auto-generated");
	if (truthy(get(jt, "spec"), "manualSelector")) {
		static const char *const nf[] = {"nil", "false", NULL};
		e_notsupported(v, C(C(jp, "spec"), "manualSelector"), "true", nf);
	}
	static const char *const limits[] = {"successfulJobsHistoryLimit",
					     "failedJobsHistoryLimit"};
	for (int k = 0; k < 2; k++)
		if (num(spec, limits[k], &n))
			nonneg(v, n, C(f, limits[k]));
	const char *name = strz(get(cj, "metadata"), "name");
	if (!old && strlen(name) > 52)
		e_invalid(v, C(F("metadata"), "name"), Q(name).s,
			  "must be no more than 52 characters");
}

/* ---- Service ----------------------------------------------------------------------------------
 */

static bool is_headless(const cJSON *spec)
{
	const cJSON *ips = arr(spec, "clusterIPs");
	return jlen(ips) == 1 && cJSON_IsString(ips->child) &&
	       !strcmp(ips->child->valuestring, "None");
}

/* %#v of the core.ServicePort key ValidateService uses for duplicates. */
static gv SVCPORT(const char *proto, int64_t port)
{
	gv r;
	snprintf(r.s, sizeof(r.s),
		 "core.ServicePort{Name:\"\", Protocol:\"%.40s\", AppProtocol:(*string)(nil), "
		 "Port:%" PRId64 ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, "
		 "NodePort:0}",
		 proto, port);
	return r;
}

/* ValidateServiceClusterIPsRelatedFields */
static void v_cluster_ips(V *v, const cJSON *spec, fp f)
{
	if (!strcmp(strz(spec, "type"), "ExternalName"))
		return;
	const char *ip = strz(spec, "clusterIP");
	const cJSON *ips = arr(spec, "clusterIPs");
	fp ipsp = C(f, "clusterIPs");
	if (ip[0]) {
		if (!jlen(ips))
			e_required(v, ipsp, "");
		else if (!cJSON_IsString(ips->child) || strcmp(ips->child->valuestring, ip) != 0)
			e_invalid(v, ipsp, SLICE(ips).s, "first value must match `clusterIP`");
	} else if (jlen(ips)) {
		e_invalid(v, ipsp, SLICE(ips).s, "must be empty when `clusterIP` is not specified");
	}
	static const char *const families[] = {"IPv4", "IPv6", NULL};
	int i = 0;
	const cJSON *e;
	cJSON *seen = cJSON_CreateObject();
	cJSON_ArrayForEach (e, arr(spec, "ipFamilies")) {
		const char *fam = cJSON_IsString(e) ? e->valuestring : "";
		if (!in_list(fam, families))
			e_notsupported(v, I(C(f, "ipFamilies"), i), Q(fam).s, families);
		if (seen && get(seen, fam))
			e_duplicate(v, I(C(f, "ipFamilies"), i), Q(fam).s);
		else if (seen && !cJSON_AddTrueToObject(seen, fam))
			v->oom = true;
		i++;
	}
	cJSON_Delete(seen);
	const char *pol = str(spec, "ipFamilyPolicy");
	static const char *const pols[] = {"PreferDualStack", "RequireDualStack", "SingleStack",
					   NULL};
	if (pol && !in_list(pol, pols))
		e_notsupported(v, C(f, "ipFamilyPolicy"), Q(pol).s, pols);
	bool bad = false;
	i = 0;
	cJSON_ArrayForEach (e, ips) {
		const char *s = cJSON_IsString(e) ? e->valuestring : "";
		if (i == 0 && !strcmp(s, "None")) {
			if (jlen(ips) > 1) {
				bad = true;
				e_invalid(v, ipsp, SLICE(ips).s,
					  "'None' must be the first and only value");
			}
			i++;
			continue;
		}
		if (!is_ip(s)) {
			bad = true;
			valid_ip(v, I(ipsp, i), s);
		}
		i++;
	}
	if (jlen(ips) > 2)
		e_invalid(v, ipsp, SLICE(ips).s, "may only hold up to 2 values");
	if (bad)
		return;
	if (jlen(ips) > 1) {
		bool v6a, v6b;
		parse_ip(ips->child->valuestring, &v6a);
		parse_ip(ips->child->next->valuestring, &v6b);
		if (v6a == v6b || jlen(ips) > 2)
			e_invalid(v, ipsp, SLICE(ips).s,
				  "may specify no more than one IP for each IP family");
	}
	if (!is_headless(spec) && jlen(ips) && jlen(arr(spec, "ipFamilies"))) {
		i = 0;
		const cJSON *fam = arr(spec, "ipFamilies")->child;
		cJSON_ArrayForEach (e, ips) {
			if (!fam)
				break;
			bool v6;
			parse_ip(e->valuestring, &v6);
			char d[80];
			if (cJSON_IsString(fam) && !strcmp(fam->valuestring, "IPv4") && v6) {
				snprintf(d, sizeof(d),
					 "expected an IPv4 value as indicated by `ipFamilies[%d]`",
					 i);
				e_invalid(v, I(ipsp, i), Q(e->valuestring).s, d);
			}
			if (cJSON_IsString(fam) && !strcmp(fam->valuestring, "IPv6") && !v6) {
				snprintf(d, sizeof(d),
					 "expected an IPv6 value as indicated by `ipFamilies[%d]`",
					 i);
				e_invalid(v, I(ipsp, i), Q(e->valuestring).s, d);
			}
			fam = fam->next;
			i++;
		}
	}
}

/* ValidateService.  healthCheckNodePort is checked only when set: cube
 * allocates node ports after validation, Kubernetes before. */
static void v_service(V *v, const cJSON *svc)
{
	const cJSON *spec = get(svc, "spec"), *md = get(svc, "metadata");
	fp f = F("spec");
	const char *type = strz(spec, "type");
	const cJSON *ann = get(md, "annotations");
	const char *hints = str(ann, "service.kubernetes.io/topology-aware-hints");
	const char *mode = str(ann, "service.kubernetes.io/topology-mode");
	if (hints && mode && strcmp(hints, mode) != 0)
		e_invalid(v,
			  K(C(F("metadata"), "annotations"), "service.kubernetes.io/topology-mode"),
			  Q(mode).s,
			  "must match annotations[service.kubernetes.io/topology-aware-hints] when "
			  "both "
			  "are specified");
	const cJSON *ports = arr(spec, "ports");
	bool headless = is_headless(spec);
	if (!jlen(ports) && !headless && strcmp(type, "ExternalName") != 0)
		e_required(v, C(f, "ports"), "");
	if (!strcmp(type, "LoadBalancer") && headless)
		e_invalid(v, I(C(f, "clusterIPs"), 0), Q("None").s,
			  "may not be set to 'None' for LoadBalancer services");
	else if (!strcmp(type, "NodePort") && headless)
		e_invalid(v, I(C(f, "clusterIPs"), 0), Q("None").s,
			  "may not be set to 'None' for NodePort services");
	else if (!strcmp(type, "ExternalName")) {
		if (jlen(arr(spec, "clusterIPs")))
			e_forbidden(v, C(f, "clusterIPs"),
				    "may not be set for ExternalName services");
		if (jlen(arr(spec, "ipFamilies")))
			e_forbidden(v, C(f, "ipFamilies"),
				    "may not be set for ExternalName services");
		if (isset(get(spec, "ipFamilyPolicy")))
			e_forbidden(v, C(f, "ipFamilyPolicy"),
				    "may not be set for ExternalName services");
		char cname[300];
		snprintf(cname, sizeof(cname), "%s", strz(spec, "externalName"));
		size_t n = strlen(cname);
		if (n && cname[n - 1] == '.')
			cname[n - 1] = '\0';
		if (cname[0])
			v_subdomain(v, C(f, "externalName"), cname);
		else
			e_required(v, C(f, "externalName"), "");
	}
	cJSON *names = cJSON_CreateObject();
	if (!names) {
		v->oom = true;
		return;
	}
	int i = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, ports) {
		/* validateServicePort */
		fp pp = I(C(f, "ports"), i++);
		const char *name = strz(p, "name");
		if (jlen(ports) > 1 && !name[0]) {
			e_required(v, C(pp, "name"), "");
		} else if (name[0]) {
			v_label(v, C(pp, "name"), name);
			if (get(names, name))
				e_duplicate(v, C(pp, "name"), Q(name).s);
			else if (!cJSON_AddTrueToObject(names, name))
				v->oom = true;
		}
		int64_t port = numz(p, "port");
		msgs m = {0};
		is_valid_port_num(port, &m);
		each_invalid(v, C(pp, "port"), N(port).s, &m);
		const char *proto = strz(p, "protocol");
		if (!proto[0])
			e_required(v, C(pp, "protocol"), "");
		else if (!in_list(proto, port_protocols))
			e_notsupported(v, C(pp, "protocol"), Q(proto).s, port_protocols);
		v_port_num_or_name(v, get(p, "targetPort"), C(pp, "targetPort"));
		const char *ap = str(p, "appProtocol");
		if (ap)
			v_qname(v, C(pp, "appProtocol"), ap);
	}
	cJSON_Delete(names);
	if (isset(get(spec, "selector")))
		v_labels(v, get(spec, "selector"), C(f, "selector"));
	const char *aff = strz(spec, "sessionAffinity");
	static const char *const affs[] = {"ClientIP", "None", NULL};
	if (!aff[0])
		e_required(v, C(f, "sessionAffinity"), "");
	else if (!in_list(aff, affs))
		e_notsupported(v, C(f, "sessionAffinity"), Q(aff).s, affs);
	fp cp = C(f, "sessionAffinityConfig");
	const cJSON *cfg = get(spec, "sessionAffinityConfig");
	if (!strcmp(aff, "ClientIP")) {
		const cJSON *cip = get(cfg, "clientIP");
		int64_t t;
		if (!isset(cfg))
			e_required(v, cp, "when session affinity type is ClientIP");
		else if (!isset(cip))
			e_required(v, C(cp, "clientIP"), "when session affinity type is ClientIP");
		else if (!num(cip, "timeoutSeconds", &t))
			e_required(v, C(C(cp, "clientIP"), "timeoutSeconds"),
				   "when session affinity type is ClientIP");
		else if (t <= 0 || t > 86400)
			e_invalid(v, C(C(cp, "clientIP"), "timeoutSeconds"), N(t).s,
				  "must be greater than 0 and less than 86400");
	} else if (!strcmp(aff, "None") && isset(cfg)) {
		e_forbidden(v, cp, "must not be set when session affinity is None");
	}
	v_cluster_ips(v, spec, f);
	i = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, arr(spec, "externalIPs")) {
		fp ep = I(C(f, "externalIPs"), i++);
		const char *ip = cJSON_IsString(e) ? e->valuestring : "";
		if (!is_ip(ip)) {
			valid_ip(v, ep, ip);
			continue;
		}
		/* ValidateNonSpecialIP */
		unsigned char b[16];
		bool v6 = strchr(ip, ':') != NULL;
		if (v6 ? inet_pton(AF_INET6, ip, b) == 1 : inet_pton(AF_INET, ip, b) == 1) {
			bool unspec = true, loop;
			for (int k = 0; k < (v6 ? 16 : 4); k++)
				unspec &= b[k] == 0;
			if (v6) {
				loop = true;
				for (int k = 0; k < 15; k++)
					loop &= b[k] == 0;
				loop &= b[15] == 1;
			} else {
				loop = b[0] == 127;
			}
			char d[200];
			if (unspec) {
				snprintf(d, sizeof(d), "may not be unspecified (%.100s)", ip);
				e_invalid(v, ep, Q(ip).s, d);
			}
			if (loop)
				e_invalid(
					v, ep, Q(ip).s,
					"may not be in the loopback range (127.0.0.0/8, ::1/128)");
			if (v6 ? (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			       : (b[0] == 169 && b[1] == 254))
				e_invalid(v, ep, Q(ip).s,
					  "may not be in the link-local range (169.254.0.0/16, "
					  "fe80::/10)");
			if (v6 ? (b[0] == 0xff && (b[1] & 0x0f) == 0x02)
			       : (b[0] == 224 && b[1] == 0 && b[2] == 0))
				e_invalid(v, ep, Q(ip).s,
					  "may not be in the link-local multicast range "
					  "(224.0.0.0/24, "
					  "ff02::/10)");
		}
	}
	static const char *const types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
					    NULL};
	if (!type[0])
		e_required(v, C(f, "type"), "");
	else if (!in_list(type, types))
		e_notsupported(v, C(f, "type"), Q(type).s, types);
	if (!strcmp(type, "ClusterIP")) {
		i = 0;
		cJSON_ArrayForEach (p, ports) {
			if (numz(p, "nodePort") != 0)
				e_forbidden(v, C(I(C(f, "ports"), i), "nodePort"),
					    "may not be used when `type` is 'ClusterIP'");
			i++;
		}
	}
	i = 0;
	cJSON_ArrayForEach (p, ports) {
		int64_t np = numz(p, "nodePort");
		int j = 0;
		const cJSON *q;
		bool dup = false;
		cJSON_ArrayForEach (q, ports) {
			if (j++ >= i)
				break;
			dup |= np != 0 && numz(q, "nodePort") == np &&
			       !strcmp(strz(q, "protocol"), strz(p, "protocol"));
		}
		if (dup)
			e_duplicate(v, C(I(C(f, "ports"), i), "nodePort"), N(np).s);
		i++;
	}
	i = 0;
	cJSON_ArrayForEach (p, ports) {
		int j = 0;
		const cJSON *q;
		bool dup = false;
		cJSON_ArrayForEach (q, ports) {
			if (j++ >= i)
				break;
			dup |= numz(q, "port") == numz(p, "port") &&
			       !strcmp(strz(q, "protocol"), strz(p, "protocol"));
		}
		if (dup)
			e_duplicate(v, I(C(f, "ports"), i),
				    SVCPORT(strz(p, "protocol"), numz(p, "port")).s);
		i++;
	}
	const cJSON *ranges = arr(spec, "loadBalancerSourceRanges");
	if (jlen(ranges) && strcmp(type, "LoadBalancer") != 0)
		e_forbidden(v, C(f, "LoadBalancerSourceRanges"),
			    "may only be used when `type` is 'LoadBalancer'");
	if (isset(get(spec, "allocateLoadBalancerNodePorts")) && strcmp(type, "LoadBalancer") != 0)
		e_forbidden(v, C(f, "allocateLoadBalancerNodePorts"),
			    "may only be used when `type` is 'LoadBalancer'");
	if (!strcmp(type, "LoadBalancer") && !isset(get(spec, "allocateLoadBalancerNodePorts")))
		e_required(v, F("allocateLoadBalancerNodePorts"), ""); /* sic: no "spec." */
	const char *lbc = str(spec, "loadBalancerClass");
	if (lbc) {
		if (!strcmp(type, "LoadBalancer"))
			v_qname(v, C(f, "loadBalancerClass"), lbc);
		else
			e_forbidden(v, C(f, "loadBalancerClass"),
				    "may only be used when `type` is 'LoadBalancer'");
	}
	/* validateServiceExternalTrafficPolicy */
	bool external = !strcmp(type, "LoadBalancer") || !strcmp(type, "NodePort") ||
			(!strcmp(type, "ClusterIP") && jlen(arr(spec, "externalIPs")) > 0);
	const char *etp = strz(spec, "externalTrafficPolicy");
	static const char *const etps[] = {"Cluster", "Local", NULL};
	if (!external) {
		if (etp[0])
			e_invalid(v, C(f, "externalTrafficPolicy"), Q(etp).s,
				  "may only be set for externally-accessible services");
	} else if (!etp[0]) {
		e_required(v, C(f, "externalTrafficPolicy"), "");
	} else if (!in_list(etp, etps)) {
		e_notsupported(v, C(f, "externalTrafficPolicy"), Q(etp).s, etps);
	}
	int64_t hc = numz(spec, "healthCheckNodePort");
	bool needs_hc = !strcmp(type, "LoadBalancer") && !strcmp(etp, "Local");
	if (!needs_hc && hc != 0) {
		e_invalid(
			v, C(f, "healthCheckNodePort"), N(hc).s,
			"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` "
			"is 'Local'");
	} else if (needs_hc && hc != 0) {
		msgs m = {0};
		is_valid_port_num(hc, &m);
		each_invalid(v, C(f, "healthCheckNodePort"), N(hc).s, &m);
	}
	/* validateServiceInternalTrafficFieldsValue */
	const char *itp = str(spec, "internalTrafficPolicy");
	if (!itp && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer") ||
		     !strcmp(type, "ClusterIP")))
		e_required(v, C(f, "internalTrafficPolicy"), "");
	if (itp && !in_list(itp, etps))
		e_notsupported(v, C(f, "internalTrafficPolicy"), Q(itp).s, etps);
	const char *td = str(spec, "trafficDistribution");
	static const char *const tds[] = {"PreferClose", NULL};
	if (td && strcmp(td, "PreferClose") != 0)
		e_notsupported(v, C(f, "trafficDistribution"), Q(td).s, tds);
}

static void v_service_update(V *v, const cJSON *svc, const cJSON *old)
{
	const cJSON *spec = get(svc, "spec"), *ospec = get(old, "spec");
	const char *type = strz(spec, "type"), *otype = strz(ospec, "type");
	fp ipsp = C(F("spec"), "clusterIPs");
	if (strcmp(type, "ExternalName") != 0 && strcmp(otype, "ExternalName") != 0 &&
	    !(is_headless(spec) && is_headless(ospec))) {
		/* validateUpgradeDowngradeClusterIPs */
		const cJSON *ips = arr(spec, "clusterIPs"), *oips = arr(ospec, "clusterIPs");
		int n = jlen(ips), on = jlen(oips);
		if (n == on) {
			for (int i = 0; i < on; i++) {
				const cJSON *a = cJSON_GetArrayItem(ips, i),
					    *b = cJSON_GetArrayItem(oips, i);
				if (!cJSON_Compare(a, b, true))
					e_invalid(v, I(ipsp, i), SLICE(ips).s,
						  "may not change once set");
			}
		} else if (on > n) {
			if (n == 0)
				e_invalid(v, I(ipsp, 0), SLICE(ips).s,
					  "primary clusterIP can not be unset");
			if (n > 0 && !cJSON_Compare(ips->child, oips->child, true))
				e_invalid(v, I(ipsp, 0), SLICE(ips).s, "may not change once set");
			const char *pol = str(spec, "ipFamilyPolicy");
			if (n == 1 && (!pol || strcmp(pol, "SingleStack") != 0))
				e_invalid(
					v, C(F("spec"), "ipFamilyPolicy"), pol ? Q(pol).s : "null",
					"must be set to 'SingleStack' when releasing the secondary "
					"clusterIP");
		} else if (on > 0 && !cJSON_Compare(ips->child, oips->child, true)) {
			e_invalid(v, I(ipsp, 0), SLICE(ips).s, "may not change once set");
		}
	}
	if (!strcmp(type, "LoadBalancer") && !strcmp(otype, "LoadBalancer") &&
	    !sem_equal(get(spec, "loadBalancerClass"), get(ospec, "loadBalancerClass"))) {
		const char *lbc = str(spec, "loadBalancerClass");
		e_invalid(v, C(F("spec"), "loadBalancerClass"), lbc ? Q(lbc).s : "null",
			  "may not change once set");
	}
	bool hc = !strcmp(type, "LoadBalancer") &&
		  !strcmp(strz(spec, "externalTrafficPolicy"), "Local");
	bool ohc = !strcmp(otype, "LoadBalancer") &&
		   !strcmp(strz(ospec, "externalTrafficPolicy"), "Local");
	if (hc && ohc && numz(spec, "healthCheckNodePort") != numz(ospec, "healthCheckNodePort"))
		e_forbidden(v, C(F("spec"), "healthCheckNodePort"), "field is immutable");
}

/* ---- ConfigMap, Secret ------------------------------------------------------------------------
 */

#define MAX_SECRET_SIZE (1024 * 1024)

static void v_config_keys(V *v, const cJSON *data, fp f, const cJSON *other, size_t *total,
			  bool base64)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, (cJSON_IsObject(data) ? data : NULL)) {
		msgs m = {0};
		is_config_map_key(e->string, &m);
		each_invalid(v, K(f, e->string), Q(e->string).s, &m);
		if (get(other, e->string))
			e_invalid(v, K(f, e->string), Q(e->string).s,
				  "duplicate of key present in binaryData");
		if (cJSON_IsString(e)) {
			size_t n = strlen(e->valuestring);
			if (base64) {
				/* the decoded length */
				size_t pad = 0;
				while (pad < 2 && n > pad && e->valuestring[n - 1 - pad] == '=')
					pad++;
				n = n / 4 * 3 + (n % 4 ? (n % 4) - 1 : 0) - (n % 4 ? 0 : pad);
			}
			*total += n;
		}
	}
}

static void v_configmap(V *v, const cJSON *cm)
{
	size_t total = 0;
	v_config_keys(v, get(cm, "data"), F("data"), objm(cm, "binaryData"), &total, false);
	v_config_keys(v, get(cm, "binaryData"), F("binaryData"), NULL, &total, true);
	if (total > MAX_SECRET_SIZE)
		e_toolong(v, F(""), MAX_SECRET_SIZE);
}

static void v_immutable_data(V *v, const cJSON *o, const cJSON *old, bool configmap)
{
	if (!truthy(old, "immutable"))
		return;
	if (!truthy(o, "immutable"))
		e_forbidden(v, F("immutable"), "field is immutable when `immutable` is set");
	if (!sem_equal(get(o, "data"), get(old, "data")))
		e_forbidden(v, F("data"), "field is immutable when `immutable` is set");
	if (configmap && !sem_equal(get(o, "binaryData"), get(old, "binaryData")))
		e_forbidden(v, F("binaryData"), "field is immutable when `immutable` is set");
}

static void v_secret(V *v, const cJSON *s)
{
	size_t total = 0;
	const cJSON *data = objm(s, "data");
	v_config_keys(v, data, F("data"), NULL, &total, true);
	if (total > MAX_SECRET_SIZE)
		e_toolong(v, F("data"), MAX_SECRET_SIZE);
	const char *type = strz(s, "type");
	fp dp = F("data");
	if (!strcmp(type, "kubernetes.io/service-account-token")) {
		if (!strz(get(get(s, "metadata"), "annotations"),
			  "kubernetes.io/service-account.name")[0])
			e_required(v,
				   K(C(F("metadata"), "annotations"),
				     "kubernetes.io/service-account.name"),
				   "");
	} else if (!strcmp(type, "kubernetes.io/dockercfg")) {
		if (!get(data, ".dockercfg"))
			e_required(v, K(dp, ".dockercfg"), "");
	} else if (!strcmp(type, "kubernetes.io/dockerconfigjson")) {
		if (!get(data, ".dockerconfigjson"))
			e_required(v, K(dp, ".dockerconfigjson"), "");
	} else if (!strcmp(type, "kubernetes.io/basic-auth")) {
		if (!get(data, "username") && !get(data, "password")) {
			e_required(v, K(dp, "username"), "");
			e_required(v, K(dp, "password"), "");
		}
	} else if (!strcmp(type, "kubernetes.io/ssh-auth")) {
		if (!strz(data, "ssh-privatekey")[0])
			e_required(v, K(dp, "ssh-privatekey"), "");
	} else if (!strcmp(type, "kubernetes.io/tls")) {
		if (!get(data, "tls.crt"))
			e_required(v, K(dp, "tls.crt"), "");
		if (!get(data, "tls.key"))
			e_required(v, K(dp, "tls.key"), "");
	}
}

/* ---- Namespace, Node, Endpoints ---------------------------------------------------------------
 */

static void v_namespace(V *v, const cJSON *ns)
{
	const cJSON *e;
	/* Kubernetes reports these at "spec.finalizers", without an index. */
	cJSON_ArrayForEach (e, arr(get(ns, "spec"), "finalizers")) {
		const char *s = cJSON_IsString(e) ? e->valuestring : "";
		v_qname(v, C(F("spec"), "finalizers"), s);
		kube_finalizer(v, C(F("spec"), "finalizers"), s);
	}
}

/* validateNodeTaints */
static void v_taints(V *v, const cJSON *taints, fp f)
{
	int i = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, taints) {
		fp tp = I(f, i);
		v_qname(v, C(tp, "key"), strz(t, "key"));
		msgs m = {0};
		is_label_value(strz(t, "value"), &m);
		if (m.n) {
			char joined[820];
			snprintf(joined, sizeof(joined), "%s%s%s", m.m[0], m.n > 1 ? ";" : "",
				 m.n > 1 ? m.m[1] : "");
			e_invalid(v, C(tp, "value"), Q(strz(t, "value")).s, joined);
		}
		const char *effect = strz(t, "effect");
		if (!effect[0])
			e_required(v, C(tp, "effect"), "");
		else if (!in_list(effect, taint_effects))
			e_notsupported(v, C(tp, "effect"), Q(effect).s, taint_effects);
		const cJSON *u;
		int j = 0;
		cJSON_ArrayForEach (u, taints) {
			if (j++ >= i)
				break;
			if (!strcmp(strz(u, "key"), strz(t, "key")) &&
			    !strcmp(strz(u, "effect"), effect)) {
				char val[600];
				snprintf(val, sizeof(val),
					 "core.Taint{Key:\"%.150s\", Value:\"%.150s\", "
					 "Effect:\"%.40s\", "
					 "TimeAdded:(*v1.Time)(nil)}",
					 strz(t, "key"), strz(t, "value"), effect);
				emit(v, "FieldValueDuplicate", tp, "Duplicate value", val,
				     "taints must be unique by key and effect pair");
				break;
			}
		}
		i++;
	}
}

static void v_node(V *v, const cJSON *node)
{
	const cJSON *spec = get(node, "spec");
	if (jlen(arr(spec, "taints")))
		v_taints(v, arr(spec, "taints"), C(F("metadata"), "taints")); /* sic */
	static const char *const lists[] = {"capacity", "allocatable"};
	for (int l = 0; l < 2; l++) {
		const cJSON *e;
		cJSON_ArrayForEach (e, objm(get(node, "status"), lists[l])) {
			fp kp = C(C(F("status"), lists[l]), e->string);
			cube_quantity q;
			if (qty(v, e, kp, &q))
				v_quantity_value(v, e->string, &q, kp);
		}
	}
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, arr(spec, "podCIDRs")) {
		const char *s = cJSON_IsString(c) ? c->valuestring : "";
		char ipbuf[128];
		const char *slash = strchr(s, '/');
		bool ok = slash && (size_t)(slash - s) < sizeof(ipbuf);
		if (ok) {
			memcpy(ipbuf, s, (size_t)(slash - s));
			ipbuf[slash - s] = '\0';
			bool v6;
			char *end;
			long bits = strtol(slash + 1, &end, 10);
			ok = parse_ip(ipbuf, &v6) && slash[1] && !*end && bits >= 0 &&
			     bits <= (v6 ? 128 : 32);
		}
		if (!ok)
			e_invalid(
				v, I(C(F("spec"), "podCIDRs"), i), Q(s).s,
				"must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
		i++;
	}
}

static void v_endpoints(V *v, const cJSON *ep)
{
	int i = 0;
	const cJSON *ss;
	cJSON_ArrayForEach (ss, arr(ep, "subsets")) {
		fp sp = I(F("subsets"), i++);
		if (!jlen(arr(ss, "addresses")) && !jlen(arr(ss, "notReadyAddresses")))
			e_required(v, sp, "must specify `addresses` or `notReadyAddresses`");
		static const char *const kinds[] = {"addresses", "notReadyAddresses"};
		for (int k = 0; k < 2; k++) {
			int j = 0;
			const cJSON *a;
			cJSON_ArrayForEach (a, arr(ss, kinds[k])) {
				fp ap = I(C(sp, kinds[k]), j++);
				valid_ip(v, C(ap, "ip"), strz(a, "ip"));
				if (strz(a, "hostname")[0])
					v_label(v, C(ap, "hostname"), strz(a, "hostname"));
				if (str(a, "nodeName"))
					v_name(v, C(ap, "nodeName"), NF_SUBDOMAIN,
					       str(a, "nodeName"));
			}
		}
		int j = 0;
		const cJSON *p;
		const cJSON *ports = arr(ss, "ports");
		cJSON_ArrayForEach (p, ports) {
			fp pp = I(C(sp, "ports"), j++);
			const char *name = strz(p, "name");
			if (jlen(ports) > 1 && !name[0])
				e_required(v, C(pp, "name"), "");
			else if (name[0])
				v_label(v, C(pp, "name"), name);
			msgs m = {0};
			is_valid_port_num(numz(p, "port"), &m);
			each_invalid(v, C(pp, "port"), N(numz(p, "port")).s, &m);
			const char *proto = strz(p, "protocol");
			if (!proto[0])
				e_required(v, C(pp, "protocol"), "");
			else if (!in_list(proto, port_protocols))
				e_notsupported(v, C(pp, "protocol"), Q(proto).s, port_protocols);
		}
	}
}

/* ---- Event (legacyValidateEvent: the only checks core/v1 events get) ------------------------- */

static void v_event(V *v, const cJSON *ev)
{
	const char *ns = strz(get(ev, "metadata"), "namespace");
	const cJSON *io = get(ev, "involvedObject");
	const char *ions = strz(io, "namespace");
	fp iop = C(F("involvedObject"), "namespace");
	if (!isset(get(ev, "eventTime"))) {
		if (!ions[0]) {
			if (ns[0] && strcmp(ns, "default") != 0)
				e_invalid(v, iop, Q(ions).s, "does not match event.namespace");
		} else if (strcmp(ns, ions) != 0) {
			e_invalid(v, iop, Q(ions).s, "does not match event.namespace");
		}
	} else {
		if (!ions[0] && strcmp(ns, "default") != 0 && strcmp(ns, "kube-system") != 0)
			e_invalid(v, iop, Q(ions).s, "does not match event.namespace");
		const char *rc = strz(ev, "reportingComponent");
		if (!rc[0])
			e_required(v, F("reportingController"), "");
		v_qname(v, F("reportingController"), rc);
		static const struct {
			const char *json, *path;
			size_t max;
			bool required;
		} fields[] = {{"reportingInstance", "reportingInstance", 128, true},
			      {"action", "action", 128, true},
			      {"reason", "reason", 128, true},
			      {"message", "message", 1024, false}};
		for (size_t k = 0; k < ARRAY_LEN(fields); k++) {
			const char *s = strz(ev, fields[k].json);
			if (fields[k].required && !s[0])
				e_required(v, F(fields[k].path), "");
			if (strlen(s) > fields[k].max) {
				char d[64];
				snprintf(d, sizeof(d), "can have at most %zu characters",
					 fields[k].max);
				e_invalid(v, F(fields[k].path), Q("").s, d);
			}
		}
	}
	v_subdomain(v, F("namespace"), ns);
}

/* ---- Lease, Ingress ---------------------------------------------------------------------------
 */

static void v_lease(V *v, const cJSON *l)
{
	const cJSON *spec = get(l, "spec");
	fp f = F("spec");
	int64_t n;
	if (num(spec, "leaseDurationSeconds", &n) && n <= 0)
		e_invalid(v, C(f, "leaseDurationSeconds"), N(n).s, "must be greater than 0");
	if (num(spec, "leaseTransitions", &n) && n < 0)
		e_invalid(v, C(f, "leaseTransitions"), N(n).s,
			  "must be greater than or equal to 0");
	const char *st = str(spec, "strategy");
	if (st) {
		static const char *const strategies[] = {"OldestEmulationVersion", NULL};
		if (!strchr(st, '/')) {
			if (!in_list(st, strategies))
				e_notsupported(v, C(C(f, "strategy"), "strategy"), Q(st).s,
					       strategies);
		} else {
			v_qname(v, C(C(f, "strategy"), "strategy"), st);
		}
	}
	const char *ph = str(spec, "preferredHolder");
	if (ph && ph[0] && (!st || !st[0]))
		e_forbidden(v, C(f, "preferredHolder"),
			    "may only be specified if `strategy` is defined");
}

static void v_ingress_backend(V *v, const cJSON *b, fp f)
{
	const cJSON *res = get(b, "resource"), *svc = get(b, "service");
	if (isset(res) && isset(svc)) {
		e_invalid(v, f, Q("").s, "cannot set both resource and service backends");
	} else if (isset(res)) {
		fp rp = C(f, "resource");
		const char *ag = str(res, "apiGroup");
		if (ag)
			v_subdomain(v, C(rp, "apiGroup"), ag);
		static const char *const keys[] = {"kind", "name"};
		for (int k = 0; k < 2; k++) {
			const char *s = strz(res, keys[k]);
			char d[40];
			snprintf(d, sizeof(d), "%s is required", keys[k]);
			if (!s[0])
				e_required(v, C(rp, keys[k]), d);
			else
				v_name(v, C(rp, keys[k]), NF_PATH, s);
		}
	} else if (isset(svc)) {
		const char *name = strz(svc, "name");
		if (!name[0])
			e_required(v, C(C(f, "service"), "name"), "");
		else
			v_name(v, C(C(f, "service"), "name"), NF_1035, name);
		const cJSON *port = get(svc, "port");
		const char *pn = strz(port, "name");
		int64_t pnum = numz(port, "number");
		if (pn[0] && pnum != 0) {
			e_invalid(v, f, Q("").s, "cannot set both port name & port number");
		} else if (pn[0]) {
			msgs m = {0};
			is_valid_port_name(pn, &m);
			each_invalid(v, C(C(C(f, "service"), "port"), "name"), Q(pn).s, &m);
		} else if (pnum != 0) {
			msgs m = {0};
			is_valid_port_num(pnum, &m);
			each_invalid(v, C(C(C(f, "service"), "port"), "number"), N(pnum).s, &m);
		} else {
			e_required(v, f, "port name or number is required");
		}
	} else {
		e_invalid(v, f, Q("").s, "resource or service backend is required");
	}
}

static void v_ingress(V *v, const cJSON *ing, bool create)
{
	const cJSON *spec = get(ing, "spec"), *rules = arr(spec, "rules");
	fp f = F("spec");
	if (!jlen(rules) && !isset(get(spec, "defaultBackend")))
		e_invalid(v, f,
			  rules ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)",
			  "either `defaultBackend` or `rules` must be specified");
	if (isset(get(spec, "defaultBackend")))
		v_ingress_backend(v, get(spec, "defaultBackend"), C(f, "defaultBackend"));
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, rules) {
		fp rp = I(C(f, "rules"), i++);
		const char *host = strz(r, "host");
		if (host[0]) {
			if (is_ip(host))
				e_invalid(v, C(rp, "host"), Q(host).s,
					  "must be a DNS name, not an IP address");
			msgs m = {0};
			if (strchr(host, '*'))
				is_wildcard_subdomain(host, &m);
			else
				is_dns1123_subdomain(host, &m, "");
			each_invalid(v, C(rp, "host"), Q(host).s, &m);
		}
		const cJSON *http = get(r, "http");
		if (!isset(http))
			continue;
		fp hp = C(rp, "http");
		const cJSON *paths = arr(http, "paths");
		if (!jlen(paths))
			e_required(v, C(hp, "paths"), "");
		int j = 0;
		const cJSON *p;
		cJSON_ArrayForEach (p, paths) {
			fp pp = I(C(hp, "paths"), j++);
			const char *pt = str(p, "pathType"), *path = strz(p, "path");
			if (!pt) {
				e_required(v, C(pp, "pathType"), "pathType must be specified");
				continue;
			}
			if (!strcmp(pt, "Exact") || !strcmp(pt, "Prefix")) {
				if (path[0] != '/')
					e_invalid(v, C(pp, "path"), Q(path).s,
						  "must be an absolute path");
				static const char *const seqs[] = {"//",  "/./", "/../",
								   "%2f", "%2F", NULL};
				for (int k = 0; path[0] && seqs[k]; k++) {
					if (strstr(path, seqs[k])) {
						char d[64];
						snprintf(d, sizeof(d), "must not contain '%s'",
							 seqs[k]);
						e_invalid(v, C(pp, "path"), Q(path).s, d);
					}
				}
				static const char *const sufs[] = {"/..", "/.", NULL};
				for (int k = 0; path[0] && sufs[k]; k++) {
					size_t pl = strlen(path), sl = strlen(sufs[k]);
					if (pl >= sl && !strcmp(path + pl - sl, sufs[k])) {
						char d[64];
						snprintf(d, sizeof(d), "cannot end with '%s'",
							 sufs[k]);
						e_invalid(v, C(pp, "path"), Q(path).s, d);
					}
				}
			} else if (!strcmp(pt, "ImplementationSpecific")) {
				if (path[0] && path[0] != '/')
					e_invalid(v, C(pp, "path"), Q(path).s,
						  "must be an absolute path");
			} else {
				static const char *const pts[] = {"Exact", "ImplementationSpecific",
								  "Prefix", NULL};
				e_notsupported(v, C(pp, "pathType"), Q(pt).s, pts);
			}
			v_ingress_backend(v, get(p, "backend"), C(pp, "backend"));
		}
	}
	i = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, arr(spec, "tls")) {
		fp tp = I(C(f, "tls"), i++);
		int j = 0;
		const cJSON *h;
		cJSON_ArrayForEach (h, arr(t, "hosts")) {
			const char *s = cJSON_IsString(h) ? h->valuestring : "";
			msgs m = {0};
			if (strchr(s, '*'))
				is_wildcard_subdomain(s, &m);
			else
				is_dns1123_subdomain(s, &m, "");
			each_invalid(v, I(C(tp, "hosts"), j++), Q(s).s, &m);
		}
		const char *sn = strz(t, "secretName");
		if (sn[0])
			v_name(v, C(tp, "secretName"), NF_SUBDOMAIN, sn);
	}
	const char *cls = str(spec, "ingressClassName");
	if (cls)
		v_name(v, C(f, "ingressClassName"), NF_SUBDOMAIN, cls);
	const char *ann =
		str(get(get(ing, "metadata"), "annotations"), "kubernetes.io/ingress.class");
	if (create && ann && cls)
		e_invalid(v, C(F("annotations"), "kubernetes.io/ingress.class"), Q(ann).s,
			  "can not be set when the class field is also set");
}

/* ---- dispatch ---------------------------------------------------------------------------------
 */

/* The name rule of the kind being validated, for re-running ValidateObjectMeta. */
typedef struct metactx {
	const api_resource *r;
	namefn fn;
} metactx;

typedef struct kindops {
	const char *kind;
	/* after ValidateObjectMeta, on create */
	void (*create)(V *v, const cJSON *obj);
	/* after ValidateObjectMetaUpdate, on update; `meta` re-runs
	 * ValidateObjectMeta for the kinds whose update validation does */
	void (*update)(V *v, const cJSON *obj, const cJSON *old, const metactx *meta);
} kindops;

static void meta_again(V *v, const cJSON *obj, const metactx *m)
{
	v_meta(v, get(obj, "metadata"), m->r->namespaced, m->fn);
}

static void c_pod(V *v, const cJSON *o)
{
	v_pod_create(v, o);
}

static void u_pod(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	meta_again(v, o, meta);
	v_pod_update(v, o, old);
}

static void u_deployment(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_deployment(v, o);
	v_selector_immutable(v, o, old);
}

static void u_replicaset(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_replicaset(v, o);
	v_selector_immutable(v, o, old);
}

static void u_daemonset(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_daemonset(v, o);
	v_selector_immutable(v, o, old);
}

static void u_statefulset(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_statefulset(v, o);
	v_statefulset_update(v, o, old);
}

static void u_job(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_job_update(v, o, old);
}

static void c_cronjob(V *v, const cJSON *o)
{
	v_cronjob(v, o, NULL);
}

static void u_cronjob(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	v_cronjob(v, o, old);
}

static void u_service(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	v_service_update(v, o, old);
	meta_again(v, o, meta);
	v_service(v, o);
}

static void u_configmap(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	v_immutable_data(v, o, old, true);
	meta_again(v, o, meta);
	v_configmap(v, o);
}

static void u_secret(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	const char *t = strz(o, "type"), *ot = strz(old, "type");
	if (strcmp(t, ot) != 0)
		e_invalid(v, F("type"), Q(t).s, "field is immutable");
	v_immutable_data(v, o, old, false);
	meta_again(v, o, meta);
	v_secret(v, o);
}

static void u_namespace(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)v, (void)o, (void)old, (void)meta;
}

static void u_node(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)meta;
	const cJSON *oc = arr(get(old, "spec"), "podCIDRs");
	if (jlen(oc) && !sem_equal(oc, arr(get(o, "spec"), "podCIDRs")))
		e_forbidden(v, C(F("spec"), "podCIDRs"),
			    "node updates may not change podCIDR except from \"\" to valid");
	const char *opid = strz(get(old, "spec"), "providerID");
	if (opid[0] && strcmp(opid, strz(get(o, "spec"), "providerID")) != 0)
		e_forbidden(v, C(F("spec"), "providerID"),
			    "node updates may not change providerID except from \"\" to valid");
	v_node(v, o);
}

static void u_revalidate(V *v, const cJSON *o, const cJSON *old, const metactx *meta,
			 void (*create)(V *, const cJSON *))
{
	(void)old;
	meta_again(v, o, meta);
	if (create)
		create(v, o);
}

static void u_endpoints(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	u_revalidate(v, o, old, meta, v_endpoints);
}

static void u_serviceaccount(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	u_revalidate(v, o, old, meta, NULL);
}

static void u_lease(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)old, (void)meta;
	v_lease(v, o);
}

static void c_ingress(V *v, const cJSON *o)
{
	v_ingress(v, o, true);
}

static void u_ingress(V *v, const cJSON *o, const cJSON *old, const metactx *meta)
{
	(void)old;
	meta_again(v, o, meta);
	v_ingress(v, o, false);
}

static const kindops kinds[] = {
	{"Pod", c_pod, u_pod},
	{"Deployment", v_deployment, u_deployment},
	{"ReplicaSet", v_replicaset, u_replicaset},
	{"DaemonSet", v_daemonset, u_daemonset},
	{"StatefulSet", v_statefulset, u_statefulset},
	{"Job", v_job, u_job},
	{"CronJob", c_cronjob, u_cronjob},
	{"Service", v_service, u_service},
	{"ConfigMap", v_configmap, u_configmap},
	{"Secret", v_secret, u_secret},
	{"Namespace", v_namespace, u_namespace},
	{"Node", v_node, u_node},
	{"Endpoints", v_endpoints, u_endpoints},
	{"ServiceAccount", NULL, u_serviceaccount},
	{"Lease", v_lease, u_lease},
	{"Ingress", c_ingress, u_ingress},
};

int api_validate(const api_resource *r, const cJSON *obj, const cJSON *old, api_causes *out)
{
	if (!r || !out)
		return 0;
	V v = {out, 0, false};
	const cJSON *md = get(obj, "metadata");
	namefn fn = r->name_rule == NAME_LABEL	      ? NF_LABEL
		    : r->name_rule == NAME_LABEL_1035 ? NF_1035
		    : r->name_rule == NAME_PATH	      ? NF_PATH
						      : NF_SUBDOMAIN;
	/* Kubernetes requires DNS labels for StatefulSet names since v1.27 (their
	 * pods' hostnames are made from them); the table says subdomain. */
	if (!strcmp(r->kind, "StatefulSet"))
		fn = NF_LABEL;
	if (!strcmp(r->kind, "Event")) {
		/* core/v1 events get legacyValidateEvent only; the name must still
		 * make a storage key. */
		const char *name = strz(md, "name");
		if (!name[0])
			e_required(&v, C(F("metadata"), "name"),
				   "name or generateName is required");
		else
			v_name(&v, C(F("metadata"), "name"), NF_PATH, name);
		v_event(&v, obj);
		return v.oom ? -1 : v.added;
	}
	const kindops *k = NULL;
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i].kind, r->kind))
			k = &kinds[i];
	metactx m = {r, fn};
	if (!old) {
		v_meta(&v, md, r->namespaced, fn);
		if (k && k->create)
			k->create(&v, obj);
	} else {
		v_meta_update(&v, md, get(old, "metadata"));
		if (k && k->update)
			k->update(&v, obj, old, &m);
		else
			meta_again(&v, obj, &m);
	}
	return v.oom ? -1 : v.added;
}

/* ---- the 422 Status ---------------------------------------------------------------------------
 */

void api_invalid_message(const api_resource *r, const char *name, const api_causes *c, char *buf,
			 size_t size)
{
	if (!buf || !size)
		return;
	gb b = {buf, 0, size};
	buf[0] = '\0';
	gb_str(&b, r ? r->kind : "");
	if (r && r->group && r->group[0]) {
		gb_str(&b, ".");
		gb_str(&b, r->group);
	}
	gb_str(&b, " ");
	gb_quote(&b, name ? name : "");
	gb_str(&b, " is invalid");
	if (!c || !c->n)
		return;
	/* ToAggregate drops repeated "field: message" texts; one left prints
	 * bare, several as [a, b]. */
	size_t unique = 0;
	for (size_t i = 0; i < c->n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(c->v[i].field, c->v[j].field) &&
			      !strcmp(c->v[i].message, c->v[j].message);
		unique += !dup;
	}
	gb_str(&b, unique > 1 ? ": [" : ": ");
	size_t shown = 0;
	for (size_t i = 0; i < c->n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(c->v[i].field, c->v[j].field) &&
			      !strcmp(c->v[i].message, c->v[j].message);
		if (dup)
			continue;
		if (shown++)
			gb_str(&b, ", ");
		gb_str(&b, c->v[i].field);
		gb_str(&b, ": ");
		gb_str(&b, c->v[i].message);
	}
	if (unique > 1)
		gb_str(&b, "]");
}

cJSON *api_causes_json(const api_causes *c)
{
	cJSON *a = cJSON_CreateArray();
	if (!a)
		return NULL;
	for (size_t i = 0; c && i < c->n; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
		if (!cJSON_AddStringToObject(o, "reason", c->v[i].reason) ||
		    !cJSON_AddStringToObject(o, "message", c->v[i].message) ||
		    (c->v[i].field[0] && !cJSON_AddStringToObject(o, "field", c->v[i].field))) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}
