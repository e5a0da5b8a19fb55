/* patch.c - JSON merge patch (RFC 7386), JSON patch (RFC 6902 with RFC 6901
 * pointers) and Kubernetes' strategic merge patch, on cJSON trees.
 *
 * Each entry point copies the document once and edits the copy in place, so
 * a failure anywhere only has to delete the copy: the caller's tree is never
 * touched, and JSON patch's atomicity comes for free.  Debian's libcjson
 * ships without cJSON_Utils, hence the hand-written pointers.
 *
 * The strategic merge patch follows what the API server runs in
 * k8s.io/apimachinery/pkg/util/strategicpatch (mergeMap, mergeSlice,
 * mergePatchIntoOriginal with MergeParallelList and IgnoreUnmatchedNulls);
 * the field tables at the end stand in for the Go types' struct tags.
 *
 * Recursion follows the patch (never the document) and is cut at
 * CUBE_PATCH_MAX_DEPTH.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "patch.h"

/* ---- helpers shared by the three formats --------------------------------------------- */

static int nomem(cube_err *err)
{
	return cube_err_set(err, CUBE_ENOMEM, "out of memory");
}

static int too_deep(cube_err *err)
{
	return cube_err_set(err, CUBE_EINVAL, "patch nests deeper than %d levels",
			    CUBE_PATCH_MAX_DEPTH);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Deletes every child of o. */
static void clear_children(cJSON *o)
{
	cJSON *c = o->child;
	o->child = NULL;
	cJSON_Delete(c); /* deletes c and all its next siblings */
}

/* Deletes the members after `keep` that have its name: a document whose
 * member appears twice is treated as if it had only the first. */
static void drop_dupes(cJSON *o, cJSON *keep)
{
	cJSON *c = keep->next;
	while (c) {
		cJSON *next = c->next;
		if (c->string && !strcmp(c->string, keep->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
		c = next;
	}
}

/* Deletes every member called name. */
static void obj_del_all(cJSON *o, const char *name)
{
	cJSON *c = o->child;
	while (c) {
		cJSON *next = c->next;
		if (c->string && !strcmp(c->string, name))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
		c = next;
	}
}

/* o[name] = v, taking v (deleted on failure): the first member called name is
 * replaced where it stands, later ones are dropped; else v is appended.
 * -1 on ENOMEM. */
static int obj_put(cJSON *o, const char *name, cJSON *v)
{
	char *s = strdup(name);
	if (!s) {
		cJSON_Delete(v);
		return -1;
	}
	if (v->string && !(v->type & cJSON_StringIsConst))
		free(v->string);
	v->string = s;
	v->type &= ~cJSON_StringIsConst;
	cJSON *old = cJSON_GetObjectItemCaseSensitive(o, s); /* name may be v's old one */
	if (old) {
		cJSON_ReplaceItemViaPointer(o, old, v);
		drop_dupes(o, v);
	} else {
		cJSON_AddItemToArray(o, v); /* links v as the last member, name kept */
	}
	return 0;
}

/* Drops the member name a value may carry (cJSON_Duplicate of a member, or
 * a member detached from its object): array items and roots have none. */
static cJSON *unname(cJSON *v)
{
	if (v && v->string) {
		if (!(v->type & cJSON_StringIsConst))
			free(v->string);
		v->string = NULL;
		v->type &= ~cJSON_StringIsConst;
	}
	return v;
}

/* A deep copy of v without its member name; NULL on ENOMEM. */
static cJSON *dup_value(const cJSON *v)
{
	return unname(cJSON_Duplicate(v, true));
}

/* Inserts item into array before `at` (a child of array).  Written out
 * because Debian's cJSON 1.7.15 refuses cJSON_InsertItemInArray in the middle. */
static void insert_before(cJSON *array, cJSON *at, cJSON *item)
{
	item->next = at;
	item->prev = at->prev; /* the last item when `at` is the first */
	if (at == array->child)
		array->child = item;
	else
		at->prev->next = item;
	at->prev = item;
}

/* The kind of a value: its cJSON type, with true and false as one. */
static int json_type(const cJSON *v)
{
	return (v->type & 0xff) == cJSON_True ? cJSON_False : (v->type & 0xff);
}

bool cube_json_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b || json_type(a) != json_type(b))
		return false;
	const cJSON *x, *y;
	switch (json_type(a)) {
	case cJSON_False:
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return a->valuestring && b->valuestring ? !strcmp(a->valuestring, b->valuestring)
							: a->valuestring == b->valuestring;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!cube_json_equal(x, y))
				return false;
		return !x && !y;
	case cJSON_Object:
		/* the k-th member called n of a against the k-th called n of b,
		 * so that documents repeating a name still equal themselves;
		 * one recursion per member of a */
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return false;
		for (x = a->child; x; x = x->next) {
			if (!x->string)
				return false;
			long k = 0;
			for (const cJSON *e = a->child; e != x; e = e->next)
				k += e->string && !strcmp(e->string, x->string);
			for (y = b->child; y; y = y->next)
				if (y->string && !strcmp(y->string, x->string) && k-- == 0)
					break;
			if (!cube_json_equal(x, y))
				return false;
		}
		return true;
	default:
		return true; /* null */
	}
}

/* Whether any element of list equals v. */
static bool list_has(const cJSON *list, const cJSON *v)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, list) {
		if (cube_json_equal(e, v))
			return true;
	}
	return false;
}

/* ---- RFC 7386 merge patch ---------------------------------------------------------------- */

/* Merges the object `patch` into the object `target`, in place. */
static int merge_obj(cJSON *target, const cJSON *patch, int depth, cube_err *err)
{
	if (depth > CUBE_PATCH_MAX_DEPTH)
		return too_deep(err);
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		if (cJSON_IsNull(p)) {
			obj_del_all(target, p->string);
			continue;
		}
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(target, p->string);
		if (cJSON_IsObject(p) && cJSON_IsObject(cur)) {
			if (merge_obj(cur, p, depth + 1, err) < 0)
				return -1;
			drop_dupes(target, cur);
			continue;
		}
		/* RFC 7386: a patch object against a non-object merges into {} */
		cJSON *v = cJSON_IsObject(p) ? cJSON_CreateObject() : cJSON_Duplicate(p, true);
		if (!v)
			return nomem(err);
		if (cJSON_IsObject(p) && merge_obj(v, p, depth + 1, err) < 0) {
			cJSON_Delete(v);
			return -1;
		}
		if (obj_put(target, p->string, v) < 0)
			return nomem(err);
	}
	return 0;
}

cJSON *cube_merge_patch(const cJSON *doc, const cJSON *patch, cube_err *err)
{
	if (!patch) {
		cube_err_set(err, CUBE_EINVAL, "merge patch: no patch");
		return NULL;
	}
	if (!cJSON_IsObject(patch)) {
		cJSON *out = dup_value(patch);
		if (!out)
			nomem(err);
		return out;
	}
	cube_autojson cJSON *out = cJSON_IsObject(doc) ? dup_value(doc) : cJSON_CreateObject();
	if (!out) {
		nomem(err);
		return NULL;
	}
	if (merge_obj(out, patch, 1, err) < 0)
		return NULL;
	return CUBE_STEAL(out);
}

/* ---- RFC 6901 pointers ------------------------------------------------------------------- */

/* A pointer split into its unescaped reference tokens. */
typedef struct jptr {
	char *buf;  /* the tokens, each NUL-terminated */
	char **tok; /* n pointers into buf */
	size_t n;
} jptr;

static void jptr_free(jptr *p)
{
	free(p->buf);
	free(p->tok);
	memset(p, 0, sizeof(*p));
}

/* Splits s.  0 on success; -1 with *why set for a malformed pointer; -2 on
 * ENOMEM.  Free with jptr_free either way. */
static int jptr_parse(const char *s, jptr *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	if (!*s)
		return 0; /* the whole document */
	if (*s != '/') {
		*why = "must start with '/'";
		return -1;
	}
	size_t n = 0;
	for (const char *c = s; *c; c++)
		n += *c == '/';
	/* tokens + their NULs never exceed strlen(s): each '/' becomes a NUL */
	p->buf = malloc(strlen(s));
	p->tok = calloc(n, sizeof(*p->tok));
	if (!p->buf || !p->tok)
		return -2;
	char *w = p->buf;
	const char *c = s;
	while (*c) {
		c++; /* the '/' */
		p->tok[p->n++] = w;
		while (*c && *c != '/') {
			if (*c != '~') {
				*w++ = *c++;
			} else if (c[1] == '0' || c[1] == '1') {
				*w++ = c[1] == '0' ? '~' : '/';
				c += 2;
			} else {
				*why = "'~' must be followed by '0' or '1'";
				return -1;
			}
		}
		*w++ = '\0';
	}
	return 0;
}

/* An array index token: "0" or digits without a leading zero.  -1 if the
 * token is not one (or is beyond any array cJSON can hold). */
static long jptr_index(const char *t)
{
	size_t len = strlen(t);
	if (len == 0 || len > 9 || (t[0] == '0' && len > 1))
		return -1;
	long v = 0;
	for (const char *c = t; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v;
}

/* The value at the first n tokens of p, or NULL. */
static cJSON *jptr_get(cJSON *root, const jptr *p, size_t n)
{
	cJSON *cur = root;
	for (size_t i = 0; i < n && cur; i++) {
		if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, p->tok[i]);
		} else if (cJSON_IsArray(cur)) {
			long ix = jptr_index(p->tok[i]);
			cur = ix >= 0 ? cJSON_GetArrayItem(cur, (int)ix) : NULL;
		} else {
			cur = NULL;
		}
	}
	return cur;
}

/* Depth of v (a scalar is 0, [] or {} is 1), exact up to `limit`; anything
 * above limit when v is deeper.  Recurses at most limit + 1 levels. */
static int json_depth(const cJSON *v, int limit)
{
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	if (limit <= 0)
		return 1;
	int max = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, v) {
		int d = json_depth(c, limit - 1);
		if (d > max)
			max = d;
		if (max >= limit)
			break;
	}
	return max + 1;
}

/* ---- RFC 6902 JSON patch ----------------------------------------------------------------- */

/* One operation being applied. */
typedef struct jpatch {
	cJSON *root; /* the working copy; replaced by ops on "" */
	size_t idx;
	const char *op;
	const char *path, *from; /* as given */
	jptr p, f;		 /* parsed */
	const cJSON *value;
	cube_err *err;
} jpatch;

#define JP_FAIL(j, fmt, ...)                                                                 \
	cube_err_set((j)->err, CUBE_EINVAL, "json patch operation %zu (%s): " fmt, (j)->idx, \
		     (j)->op, ##__VA_ARGS__)

/* Inserts v (taken) at j->p as "add" does. */
static int jp_insert(jpatch *j, cJSON *v)
{
	if (json_depth(v, CUBE_PATCH_MAX_DEPTH) + (long)j->p.n > CUBE_PATCH_MAX_DEPTH) {
		cJSON_Delete(v);
		return JP_FAIL(j, "the value would nest deeper than %d levels at %s",
			       CUBE_PATCH_MAX_DEPTH, j->path);
	}
	if (j->p.n == 0) {
		cJSON_Delete(j->root);
		j->root = unname(v);
		return 0;
	}
	cJSON *parent = jptr_get(j->root, &j->p, j->p.n - 1);
	const char *last = j->p.tok[j->p.n - 1];
	if (cJSON_IsObject(parent))
		return obj_put(parent, last, v) < 0 ? nomem(j->err) : 0;
	if (cJSON_IsArray(parent)) {
		int size = cJSON_GetArraySize(parent);
		long ix = strcmp(last, "-") ? jptr_index(last) : size;
		if (ix < 0 || ix > size) {
			cJSON_Delete(v);
			return JP_FAIL(j, "index %s is out of bounds in path %s", last, j->path);
		}
		unname(v);
		if (ix == size)
			cJSON_AddItemToArray(parent, v);
		else
			insert_before(parent, cJSON_GetArrayItem(parent, (int)ix), v);
		return 0;
	}
	cJSON_Delete(v);
	if (!parent)
		return JP_FAIL(j, "path %s does not exist (nor does its parent)", j->path);
	return JP_FAIL(j, "path %s: the parent is not an object or array", j->path);
}

/* Detaches the value at pointer p (of the op's `what`, "path" or "from"). */
static cJSON *jp_detach(jpatch *j, const jptr *p, const char *what)
{
	cJSON *target = jptr_get(j->root, p, p->n);
	if (!target) {
		JP_FAIL(j, "path %s does not exist", what);
		return NULL;
	}
	if (p->n == 0) {
		JP_FAIL(j, "cannot remove the whole document");
		return NULL;
	}
	return cJSON_DetachItemViaPointer(jptr_get(j->root, p, p->n - 1), target);
}

static int jp_add(jpatch *j)
{
	cJSON *v = dup_value(j->value);
	return v ? jp_insert(j, v) : nomem(j->err);
}

static int jp_remove(jpatch *j)
{
	cJSON *v = jp_detach(j, &j->p, j->path);
	cJSON_Delete(v);
	return v ? 0 : -1;
}

static int jp_replace(jpatch *j)
{
	if (!jptr_get(j->root, &j->p, j->p.n))
		return JP_FAIL(j, "path %s does not exist", j->path);
	cJSON *v = dup_value(j->value);
	if (!v)
		return nomem(j->err);
	/* In an object, add replaces the member where it stands; in an array
	 * it inserts, so the old item goes first and v takes its index. */
	if (j->p.n > 0 && cJSON_IsArray(jptr_get(j->root, &j->p, j->p.n - 1)))
		cJSON_Delete(jp_detach(j, &j->p, j->path));
	return jp_insert(j, v);
}

static int jp_move(jpatch *j)
{
	if (j->f.n < j->p.n) {
		size_t i = 0;
		while (i < j->f.n && !strcmp(j->f.tok[i], j->p.tok[i]))
			i++;
		if (i == j->f.n)
			return JP_FAIL(j, "cannot move %s into its own child %s", j->from, j->path);
	}
	bool same = j->f.n == j->p.n;
	for (size_t i = 0; same && i < j->f.n; i++)
		same = !strcmp(j->f.tok[i], j->p.tok[i]);
	if (same) {
		if (!jptr_get(j->root, &j->f, j->f.n))
			return JP_FAIL(j, "path %s does not exist", j->from);
		return 0;
	}
	cJSON *v = jp_detach(j, &j->f, j->from);
	return v ? jp_insert(j, v) : -1;
}

static int jp_copy(jpatch *j)
{
	const cJSON *src = jptr_get(j->root, &j->f, j->f.n);
	if (!src)
		return JP_FAIL(j, "path %s does not exist", j->from);
	cJSON *v = dup_value(src);
	return v ? jp_insert(j, v) : nomem(j->err);
}

/* Compact text of v for a message, cut to fit. */
static void snippet(const cJSON *v, char *buf, size_t size)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s) {
		snprintf(buf, size, "(a value)");
		return;
	}
	if (strlen(s) >= size && size > 4)
		snprintf(buf, size, "%.*s...", (int)(size - 4), s);
	else
		snprintf(buf, size, "%s", s);
	free(s);
}

static int jp_test(jpatch *j)
{
	const cJSON *have = jptr_get(j->root, &j->p, j->p.n);
	if (!have)
		return JP_FAIL(j, "path %s does not exist", j->path);
	if (cube_json_equal(have, j->value))
		return 0;
	char h[96], w[96];
	snippet(have, h, sizeof(h));
	snippet(j->value, w, sizeof(w));
	return JP_FAIL(j, "value at %s is %s, not %s", j->path[0] ? j->path : "the root", h, w);
}

static const struct jp_op {
	const char *name;
	bool from, value; /* which members it needs besides "path" */
	int (*apply)(jpatch *j);
} jp_ops[] = {
	{"add", false, true, jp_add},	      {"remove", false, false, jp_remove},
	{"replace", false, true, jp_replace}, {"move", true, false, jp_move},
	{"copy", true, false, jp_copy},	      {"test", false, true, jp_test},
};

/* Checks and applies the operation `o` (index j->idx) to j->root. */
static int jp_apply(jpatch *j, const cJSON *o)
{
	if (!cJSON_IsObject(o))
		return cube_err_set(j->err, CUBE_EINVAL, "json patch operation %zu: not an object",
				    j->idx);
	for (const cJSON *m = o->child; m; m = m->next)
		for (const cJSON *n = m->next; n; n = n->next)
			if (!strcmp(m->string, n->string))
				return cube_err_set(j->err, CUBE_EINVAL,
						    "json patch operation %zu: member \"%s\" "
						    "appears twice",
						    j->idx, m->string);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "op");
	if (!cJSON_IsString(op))
		return cube_err_set(j->err, CUBE_EINVAL, "json patch operation %zu: missing \"op\"",
				    j->idx);
	const struct jp_op *d = NULL;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(jp_ops) && !d; i++)
		if (!strcmp(jp_ops[i].name, op->valuestring))
			d = &jp_ops[i];
	if (!d)
		return cube_err_set(j->err, CUBE_EINVAL,
				    "json patch operation %zu: unknown op \"%s\"", j->idx,
				    op->valuestring);
	j->op = d->name;
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(o, "from");
	j->value = cJSON_GetObjectItemCaseSensitive(o, "value");
	if (!cJSON_IsString(path))
		return JP_FAIL(j, "missing \"path\"");
	if (d->from && !cJSON_IsString(from))
		return JP_FAIL(j, "missing \"from\"");
	if (d->value && !j->value)
		return JP_FAIL(j, "missing \"value\"");
	j->path = path->valuestring;
	j->from = d->from ? from->valuestring : NULL;
	const char *why = NULL;
	int rc = jptr_parse(j->path, &j->p, &why);
	if (rc == -1)
		return JP_FAIL(j, "invalid path \"%s\" (%s)", j->path, why);
	if (rc == 0 && j->from) {
		rc = jptr_parse(j->from, &j->f, &why);
		if (rc == -1)
			return JP_FAIL(j, "invalid from \"%s\" (%s)", j->from, why);
	}
	if (rc < 0)
		return nomem(j->err);
	return d->apply(j);
}

cJSON *cube_json_patch(const cJSON *doc, const cJSON *ops, cube_err *err)
{
	if (!cJSON_IsArray(ops)) {
		cube_err_set(err, CUBE_EINVAL, "json patch must be an array of operations");
		return NULL;
	}
	jpatch j = {.err = err};
	j.root = doc ? dup_value(doc) : cJSON_CreateNull();
	if (!j.root) {
		nomem(err);
		return NULL;
	}
	const cJSON *o;
	cJSON_ArrayForEach (o, ops) {
		j.op = NULL;
		int rc = jp_apply(&j, o);
		jptr_free(&j.p);
		jptr_free(&j.f);
		if (rc < 0) {
			cJSON_Delete(j.root);
			return NULL;
		}
		j.idx++;
	}
	return j.root;
}

/* ---- strategic merge patch --------------------------------------------------------------- */

/* A field of a Kubernetes type: whether (and by which key) its list merges,
 * and the fields of its value (or of each list item).  Tables end with {0}. */
typedef struct smp_field {
	const char *name;
	const char *key;		/* merge key of a list of maps */
	bool merge;			/* the list merges: by key, or as a set of values */
	const struct smp_field *fields; /* NULL: a plain value (maps merge, lists replace) */
} smp_field;

struct cube_smp_schema {
	const char *kind;
	const smp_field *fields; /* the object's top level; NULL replaces every list */
};

#define SMP_SET_ORDER "$setElementOrder/"
#define SMP_DELETE_FROM "$deleteFromPrimitiveList/"

static const smp_field *smp_lookup(const smp_field *fields, const char *name)
{
	for (; fields && fields->name; fields++)
		if (!strcmp(fields->name, name))
			return fields;
	return NULL;
}

static int smp_no_key(cube_err *err, const char *list, const char *key)
{
	return cube_err_set(err, CUBE_EINVAL, "list \"%s\": item has no merge key \"%s\"", list,
			    key);
}

/* The one item type of lists a and b (cJSON_Invalid when both are empty);
 * -1 with err for lists of lists or mixed types, which cannot merge. */
static int smp_items_type(const cJSON *a, const cJSON *b, const char *name, cube_err *err)
{
	int type = cJSON_Invalid;
	const cJSON *lists[] = {a, b};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(lists); i++) {
		const cJSON *e;
		cJSON_ArrayForEach (e, lists[i]) {
			int t = json_type(e);
			if (t == cJSON_Array)
				return cube_err_set(err, CUBE_EINVAL,
						    "list \"%s\": lists of lists cannot be merged",
						    name);
			if (type != cJSON_Invalid && t != type)
				return cube_err_set(err, CUBE_EINVAL,
						    "list \"%s\" mixes items of different types",
						    name);
			type = t;
		}
	}
	return type;
}

/* The merge-key value of a list item (the item itself in a list of values);
 * NULL for a directive item ({"$patch": ...}) or one without the key. */
static const cJSON *smp_keyval(const cJSON *item, const char *key)
{
	if (!key)
		return item;
	if (!cJSON_IsObject(item) || cJSON_GetObjectItemCaseSensitive(item, "$patch"))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(item, key);
}

/* Position of the first item of list whose key value equals kv, or -1. */
static long smp_index(const cJSON *list, const cJSON *kv, const char *key)
{
	long i = 0;
	const cJSON *e;
	if (!kv)
		return -1;
	cJSON_ArrayForEach (e, list) {
		const cJSON *ek = smp_keyval(e, key);
		if (ek && cube_json_equal(ek, kv))
			return i;
		i++;
	}
	return -1;
}

/* One item being ordered: its rank in the order list (o) and in the stored
 * list (l), -1 where absent, and its position now (for stable sorts). */
typedef struct smp_rank {
	cJSON *item;
	long o, l;
	long pos;
} smp_rank;

static int smp_by_order(const void *a, const void *b)
{
	const smp_rank *x = a, *y = b;
	if (x->o != y->o)
		return x->o < y->o ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int smp_by_live(const void *a, const void *b)
{
	const smp_rank *x = a, *y = b;
	long lx = x->l < 0 ? LONG_MAX : x->l, ly = y->l < 0 ? LONG_MAX : y->l;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Reorders `list` in place as Kubernetes' normalizeElementOrder does: the
 * items `order` names come in its order; the others keep the order they had
 * in `live` (the stored list) and are woven in: one goes before a named item
 * when it came before that item in `live`.  Items new to `live` never hold
 * back a stored one. */
static int smp_order(cJSON *list, const cJSON *order, const cJSON *live, const char *key,
		     cube_err *err)
{
	long n = cJSON_GetArraySize(list);
	if (n < 2)
		return 0;
	cube_autofree smp_rank *ranks = calloc((size_t)n * 2, sizeof(*ranks));
	if (!ranks)
		return nomem(err);
	smp_rank *named = ranks, *others = ranks + n;
	long nn = 0, no = 0, pos = 0;
	for (cJSON *e = list->child; e; e = e->next, pos++) {
		const cJSON *kv = smp_keyval(e, key);
		smp_rank r = {e, smp_index(order, kv, key), smp_index(live, kv, key), pos};
		if (r.o >= 0)
			named[nn++] = r;
		else
			others[no++] = r;
	}
	qsort(named, (size_t)nn, sizeof(*named), smp_by_order);
	qsort(others, (size_t)no, sizeof(*others), smp_by_live);
	list->child = NULL;
	for (long a = 0, b = 0; a < no || b < nn;) {
		smp_rank *take;
		if (a < no && b < nn)
			take = others[a].l >= 0 && named[b].l >= 0 && others[a].l < named[b].l
				       ? &others[a++]
				       : &named[b++];
		else
			take = a < no ? &others[a++] : &named[b++];
		take->item->next = take->item->prev = NULL;
		cJSON_AddItemToArray(list, take->item);
	}
	return 0;
}

static int smp_map(cJSON *orig, const cJSON *patch, const smp_field *fields, int depth, bool *gone,
		   cube_err *err);

/* Merges a list of values into `list` as a set (mergeSlice on scalars). */
static int smp_union(cJSON *list, const cJSON *patch, cube_err *err)
{
	for (cJSON *e = list->child; e; e = e->next)
		for (cJSON *d = e->next, *next; d; d = next) {
			next = d->next;
			if (cube_json_equal(e, d))
				cJSON_Delete(cJSON_DetachItemViaPointer(list, d));
		}
	cube_autojson cJSON *live = cJSON_Duplicate(list, true);
	if (!live)
		return nomem(err);
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		if (list_has(list, p))
			continue;
		cJSON *v = dup_value(p);
		if (!v)
			return nomem(err);
		cJSON_AddItemToArray(list, v);
	}
	return smp_order(list, patch, live, NULL, err);
}

/* Every item of list must be an object with the merge key. */
static int smp_check_keys(const cJSON *list, const smp_field *f, bool skip_directives,
			  cube_err *err)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, list) {
		if (skip_directives && cJSON_GetObjectItemCaseSensitive(e, "$patch"))
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(e, f->key))
			return smp_no_key(err, f->name, f->key);
	}
	return 0;
}

/* Merges the patch list into the merging list `list` (field f), in place. */
static int smp_list(cJSON *list, const cJSON *patch, const smp_field *f, int depth, cube_err *err)
{
	if (depth > CUBE_PATCH_MAX_DEPTH)
		return too_deep(err);
	int type = smp_items_type(list, patch, f->name, err);
	if (type < 0)
		return -1;
	if (type == cJSON_Invalid)
		return 0; /* both empty */
	if (type != cJSON_Object)
		return smp_union(list, patch, err);
	if (!f->key)
		return cube_err_set(err, CUBE_EINVAL,
				    "list \"%s\" merges as a set of values; it cannot hold objects",
				    f->name);
	/* directive items first: deletions by key, or replace the whole list */
	bool replace = false;
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "$patch");
		if (!d)
			continue;
		if (cJSON_IsString(d) && !strcmp(d->valuestring, "delete")) {
			const cJSON *kv = cJSON_GetObjectItemCaseSensitive(p, f->key);
			if (!kv)
				return smp_no_key(err, f->name, f->key);
			/* one item per directive (deleteMatchingEntry): a key the
			 * stored list repeats loses one copy */
			for (cJSON *e = list->child; e; e = e->next) {
				const cJSON *ek = cJSON_GetObjectItemCaseSensitive(e, f->key);
				if (ek && cube_json_equal(ek, kv)) {
					cJSON_Delete(cJSON_DetachItemViaPointer(list, e));
					break;
				}
			}
		} else if (cJSON_IsString(d) && !strcmp(d->valuestring, "replace")) {
			replace = true;
		} else if (cJSON_IsString(d) && !strcmp(d->valuestring, "merge")) {
			/* as Kubernetes: lists merge by their type, not on request */
			return cube_err_set(err, CUBE_EINVAL,
					    "list \"%s\": \"$patch\": \"merge\" is not supported "
					    "in a list",
					    f->name);
		} else {
			return cube_err_set(err, CUBE_EINVAL,
					    "list \"%s\": unknown \"$patch\" directive (want "
					    "\"delete\" or \"replace\")",
					    f->name);
		}
	}
	if (smp_check_keys(patch, f, true, err) < 0)
		return -1;
	if (replace)
		clear_children(list);
	else if (smp_check_keys(list, f, false, err) < 0)
		return -1;
	cube_autojson cJSON *live = cJSON_Duplicate(list, true);
	if (!live)
		return nomem(err);
	cJSON_ArrayForEach (p, patch) {
		if (cJSON_GetObjectItemCaseSensitive(p, "$patch"))
			continue;
		const cJSON *kv = cJSON_GetObjectItemCaseSensitive(p, f->key);
		cJSON *item = NULL;
		for (cJSON *e = list->child; e && !item; e = e->next)
			if (cube_json_equal(cJSON_GetObjectItemCaseSensitive(e, f->key), kv))
				item = e;
		bool gone = false; /* an item without "$patch" is never deleted */
		if (item) {
			if (smp_map(item, p, f->fields, depth + 1, &gone, err) < 0)
				return -1;
			continue;
		}
		cJSON *v = cJSON_CreateObject();
		if (!v)
			return nomem(err);
		if (smp_map(v, p, f->fields, depth + 1, &gone, err) < 0) {
			cJSON_Delete(v);
			return -1;
		}
		cJSON_AddItemToArray(list, v);
	}
	return smp_order(list, patch, live, f->key, err);
}

/* "$setElementOrder/<f>": merges the patch's list f (if any) and orders the
 * result (mergePatchIntoOriginal). */
static int smp_set_order(cJSON *orig, const cJSON *patch, const smp_field *f, const cJSON *order,
			 int depth, cube_err *err)
{
	const cJSON *plist = cJSON_GetObjectItemCaseSensitive(patch, f->name);
	if (plist && !cJSON_IsArray(plist))
		return cube_err_set(err, CUBE_EINVAL,
				    "\"" SMP_SET_ORDER
				    "%s\" goes with a list, but \"%s\" is not one",
				    f->name, f->name);
	const cJSON *o;
	cJSON_ArrayForEach (o, order) {
		if (f->key && (!cJSON_IsObject(o) || !cJSON_GetObjectItemCaseSensitive(o, f->key)))
			return cube_err_set(err, CUBE_EINVAL,
					    "\"" SMP_SET_ORDER "%s\": item has no merge key \"%s\"",
					    f->name, f->key);
		if (!f->key && (cJSON_IsObject(o) || cJSON_IsArray(o)))
			return cube_err_set(err, CUBE_EINVAL,
					    "\"" SMP_SET_ORDER "%s\" must list values", f->name);
	}
	/* the patch list must name its items in the same order */
	if (plist) {
		const cJSON *q = order->child;
		const cJSON *p;
		cJSON_ArrayForEach (p, plist) {
			if (f->key &&
			    (!cJSON_IsObject(p) || cJSON_GetObjectItemCaseSensitive(p, "$patch")))
				continue; /* directives; wrong types fail in smp_list */
			const cJSON *kv = smp_keyval(p, f->key);
			if (!kv)
				return smp_no_key(err, f->name, f->key);
			while (q && !cube_json_equal(smp_keyval(q, f->key), kv))
				q = q->next;
			if (!q)
				return cube_err_set(
					err, CUBE_EINVAL,
					"the order of list \"%s\" in the patch does not "
					"match \"" SMP_SET_ORDER "%s\"",
					f->name, f->name);
			q = q->next;
		}
	}
	cJSON *list = cJSON_GetObjectItemCaseSensitive(orig, f->name);
	if (!cJSON_IsArray(list))
		list = NULL;
	if (!list && !plist)
		return 0;
	cube_autojson cJSON *live = list ? cJSON_Duplicate(list, true) : cJSON_CreateArray();
	if (!live)
		return nomem(err);
	if (list) {
		drop_dupes(orig, list);
	} else {
		list = cJSON_CreateArray();
		if (!list || obj_put(orig, f->name, list) < 0)
			return nomem(err);
	}
	if (plist && smp_list(list, plist, f, depth + 1, err) < 0)
		return -1;
	return smp_order(list, order, live, f->key, err);
}

static bool smp_retained(const cJSON *retain, const char *name)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, retain) {
		if (!strcmp(e->valuestring, name))
			return true;
	}
	return false;
}

/* "$retainKeys": only the listed fields of orig survive; the patch may set
 * no other (applyRetainKeysDirective). */
static int smp_retain(cJSON *orig, const cJSON *patch, const cJSON *retain, cube_err *err)
{
	const cJSON *e;
	bool ok = cJSON_IsArray(retain);
	cJSON_ArrayForEach (e, retain) {
		ok = ok && cJSON_IsString(e);
	}
	if (!ok)
		return cube_err_set(err, CUBE_EINVAL,
				    "\"$retainKeys\" must be a list of field names");
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		if (p->string[0] == '$' || cJSON_IsNull(p))
			continue;
		if (!smp_retained(retain, p->string))
			return cube_err_set(err, CUBE_EINVAL,
					    "\"$retainKeys\" does not list \"%s\", which the patch "
					    "sets",
					    p->string);
	}
	for (cJSON *m = orig->child, *next; m; m = next) {
		next = m->next;
		if (!smp_retained(retain, m->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(orig, m));
	}
	return 0;
}

/* "$deleteFromPrimitiveList/<list>": removes the given values. */
static int smp_delete_from(cJSON *orig, const cJSON *p, cube_err *err)
{
	const char *name = p->string + strlen(SMP_DELETE_FROM);
	if (!cJSON_IsArray(p))
		return cube_err_set(err, CUBE_EINVAL, "\"%s\" must be a list of values", p->string);
	cJSON *list = cJSON_GetObjectItemCaseSensitive(orig, name);
	if (!cJSON_IsArray(list))
		return 0;
	for (cJSON *e = list->child, *next; e; e = next) {
		next = e->next;
		if (list_has(p, e))
			cJSON_Delete(cJSON_DetachItemViaPointer(list, e));
	}
	return 0;
}

/* Whether the patch map carries "$setElementOrder/<name>". */
static bool smp_has_order(const cJSON *patch, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		if (has_prefix(p->string, SMP_SET_ORDER) &&
		    !strcmp(p->string + strlen(SMP_SET_ORDER), name))
			return true;
	}
	return false;
}

/* Merges the patch member p (a plain field, f its schema entry or NULL) into orig. */
static int smp_member(cJSON *orig, const cJSON *p, const smp_field *f, int depth, cube_err *err)
{
	const char *name = p->string;
	if (cJSON_IsNull(p)) {
		obj_del_all(orig, name);
		return 0;
	}
	cJSON *cur = cJSON_GetObjectItemCaseSensitive(orig, name);
	bool gone = false;
	if (cJSON_IsObject(p)) {
		const smp_field *sub = f ? f->fields : NULL;
		if (cJSON_IsObject(cur)) {
			if (smp_map(cur, p, sub, depth + 1, &gone, err) < 0)
				return -1;
			if (gone)
				obj_del_all(orig, name);
			else
				drop_dupes(orig, cur);
			return 0;
		}
		cJSON *v = cJSON_CreateObject();
		if (!v)
			return nomem(err);
		if (smp_map(v, p, sub, depth + 1, &gone, err) < 0 || gone) {
			cJSON_Delete(v);
			if (!gone)
				return -1;
			obj_del_all(orig, name);
			return 0;
		}
		return obj_put(orig, name, v) < 0 ? nomem(err) : 0;
	}
	if (cJSON_IsArray(p) && f && f->merge) {
		if (cJSON_IsArray(cur)) {
			drop_dupes(orig, cur);
			return smp_list(cur, p, f, depth + 1, err);
		}
		cJSON *v = cJSON_CreateArray();
		if (!v || obj_put(orig, name, v) < 0)
			return nomem(err);
		return smp_list(v, p, f, depth + 1, err);
	}
	cJSON *v = dup_value(p);
	if (!v || obj_put(orig, name, v) < 0)
		return nomem(err);
	return 0;
}

/* Merges the patch map into orig, in place (mergeMap).  *gone is set when the
 * patch says {"$patch": "delete"}: the caller removes the map. */
static int smp_map(cJSON *orig, const cJSON *patch, const smp_field *fields, int depth, bool *gone,
		   cube_err *err)
{
	*gone = false;
	if (depth > CUBE_PATCH_MAX_DEPTH)
		return too_deep(err);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(patch, "$patch");
	if (d) {
		const char *v = cJSON_IsString(d) ? d->valuestring : "";
		if (!strcmp(v, "delete")) {
			*gone = true;
			return 0;
		}
		if (!strcmp(v, "replace"))
			clear_children(orig);
		else if (strcmp(v, "merge"))
			return cube_err_set(err, CUBE_EINVAL,
					    "unknown \"$patch\" directive (want \"delete\", "
					    "\"replace\" or \"merge\")");
	}
	const cJSON *retain = cJSON_GetObjectItemCaseSensitive(patch, "$retainKeys");
	if (retain && smp_retain(orig, patch, retain, err) < 0)
		return -1;
	/* directives first, so that nothing is half-merged by an unknown one */
	const cJSON *p;
	cJSON_ArrayForEach (p, patch) {
		const char *name = p->string;
		if (name[0] != '$' || !strcmp(name, "$patch") || !strcmp(name, "$retainKeys"))
			continue;
		const char *list = has_prefix(name, SMP_SET_ORDER) ? name + strlen(SMP_SET_ORDER)
				   : has_prefix(name, SMP_DELETE_FROM)
					   ? name + strlen(SMP_DELETE_FROM)
					   : NULL;
		if (!list || !list[0])
			return cube_err_set(err, CUBE_EINVAL, "unknown directive \"%s\"", name);
	}
	/* $setElementOrder merges its own list (mergePatchIntoOriginal) */
	cJSON_ArrayForEach (p, patch) {
		if (!has_prefix(p->string, SMP_SET_ORDER))
			continue;
		if (!cJSON_IsArray(p))
			return cube_err_set(err, CUBE_EINVAL, "\"%s\" must be a list", p->string);
		const smp_field *f = smp_lookup(fields, p->string + strlen(SMP_SET_ORDER));
		if (!f || !f->merge)
			continue; /* a list that is replaced has no order to keep */
		if (smp_set_order(orig, patch, f, p, depth, err) < 0)
			return -1;
	}
	cJSON_ArrayForEach (p, patch) {
		if (p->string[0] == '$')
			continue;
		const smp_field *f = smp_lookup(fields, p->string);
		if (f && f->merge && smp_has_order(patch, p->string))
			continue;
		if (smp_member(orig, p, f, depth, err) < 0)
			return -1;
	}
	/* deletions last, whatever their place in the patch: they win over additions */
	cJSON_ArrayForEach (p, patch) {
		if (has_prefix(p->string, SMP_DELETE_FROM) && smp_delete_from(orig, p, err) < 0)
			return -1;
	}
	return 0;
}

cJSON *cube_strategic_merge_patch(const cJSON *doc, const cJSON *patch,
				  const cube_smp_schema *schema, cube_err *err)
{
	if (!cJSON_IsObject(patch)) {
		cube_err_set(err, CUBE_EINVAL, "a strategic merge patch must be a JSON object");
		return NULL;
	}
	cube_autojson cJSON *out = cJSON_IsObject(doc) ? dup_value(doc) : cJSON_CreateObject();
	if (!out) {
		nomem(err);
		return NULL;
	}
	bool gone;
	if (smp_map(out, patch, schema ? schema->fields : NULL, 1, &gone, err) < 0)
		return NULL;
	if (gone)
		clear_children(out);
	return CUBE_STEAL(out);
}

/* ---- the schema tables ------------------------------------------------------------------- */
/* From the patchStrategy/patchMergeKey tags of k8s.io/api 1.32 (core/v1,
 * apps/v1, batch/v1) and apimachinery's ObjectMeta.  Untagged lists are not
 * listed: they are replaced. */

#define SMP_LIST(n, k, f)           \
	{                           \
		(n), (k), true, (f) \
	}
#define SMP_SET(n)                    \
	{                             \
		(n), NULL, true, NULL \
	}
#define SMP_MAP(n, f)                 \
	{                             \
		(n), NULL, false, (f) \
	}

static const smp_field smp_object_meta[] = {
	SMP_SET("finalizers"),
	SMP_LIST("ownerReferences", "uid", NULL),
	{0},
};

static const smp_field smp_container[] = {
	SMP_LIST("ports", "containerPort", NULL),
	SMP_LIST("env", "name", NULL),
	SMP_LIST("volumeMounts", "mountPath", NULL),
	SMP_LIST("volumeDevices", "devicePath", NULL),
	{0},
};

static const smp_field smp_pod_spec[] = {
	SMP_LIST("containers", "name", smp_container),
	SMP_LIST("initContainers", "name", smp_container),
	SMP_LIST("ephemeralContainers", "name", smp_container),
	SMP_LIST("volumes", "name", NULL),
	SMP_LIST("imagePullSecrets", "name", NULL),
	SMP_LIST("hostAliases", "ip", NULL),
	SMP_LIST("topologySpreadConstraints", "topologyKey", NULL),
	SMP_LIST("resourceClaims", "name", NULL),
	SMP_LIST("schedulingGates", "name", NULL),
	{0},
};

static const smp_field smp_pod_status[] = {
	SMP_LIST("conditions", "type", NULL),
	SMP_LIST("podIPs", "ip", NULL),
	SMP_LIST("hostIPs", "ip", NULL),
	SMP_LIST("resourceClaimStatuses", "name", NULL),
	{0},
};

static const smp_field smp_pod_template_spec[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_pod_spec),
	{0},
};

static const smp_field smp_conditions[] = {
	SMP_LIST("conditions", "type", NULL),
	{0},
};

/* Deployment, ReplicaSet, DaemonSet, StatefulSet, Job: spec.template */
static const smp_field smp_workload_spec[] = {
	SMP_MAP("template", smp_pod_template_spec),
	{0},
};

static const smp_field smp_job_template_spec[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_workload_spec),
	{0},
};

static const smp_field smp_cronjob_spec[] = {
	SMP_MAP("jobTemplate", smp_job_template_spec),
	{0},
};

static const smp_field smp_service_spec[] = {
	SMP_LIST("ports", "port", NULL),
	{0},
};

static const smp_field smp_node_spec[] = {
	SMP_SET("podCIDRs"),
	{0},
};

static const smp_field smp_node_status[] = {
	SMP_LIST("conditions", "type", NULL),
	SMP_LIST("addresses", "type", NULL),
	{0},
};

/* the top level of each kind */
static const smp_field smp_pod[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_pod_spec),
	SMP_MAP("status", smp_pod_status),
	{0},
};

static const smp_field smp_pod_template[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("template", smp_pod_template_spec),
	{0},
};

static const smp_field smp_workload[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_workload_spec),
	SMP_MAP("status", smp_conditions),
	{0},
};

static const smp_field smp_cronjob[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_cronjob_spec),
	{0},
};

static const smp_field smp_service[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_service_spec),
	SMP_MAP("status", smp_conditions),
	{0},
};

static const smp_field smp_node[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("spec", smp_node_spec),
	SMP_MAP("status", smp_node_status),
	{0},
};

static const smp_field smp_namespace[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_MAP("status", smp_conditions),
	{0},
};

static const smp_field smp_service_account[] = {
	SMP_MAP("metadata", smp_object_meta),
	SMP_LIST("secrets", "name", NULL),
	{0},
};

/* kinds whose only merging lists are ObjectMeta's */
static const smp_field smp_plain_object[] = {
	SMP_MAP("metadata", smp_object_meta),
	{0},
};

static const cube_smp_schema smp_schemas[] = {
	{"Pod", smp_pod},
	{"PodTemplate", smp_pod_template},
	{"Deployment", smp_workload},
	{"ReplicaSet", smp_workload},
	{"DaemonSet", smp_workload},
	{"StatefulSet", smp_workload},
	{"Job", smp_workload},
	{"CronJob", smp_cronjob},
	{"Service", smp_service},
	{"Node", smp_node},
	{"Namespace", smp_namespace},
	{"ServiceAccount", smp_service_account},
	{"ConfigMap", smp_plain_object},
	{"Secret", smp_plain_object},
	{"Endpoints", smp_plain_object},
	{"Event", smp_plain_object},
	{"Lease", smp_plain_object},
	{"Ingress", smp_plain_object},
};

static const cube_smp_schema smp_replace_all = {"", NULL};

const cube_smp_schema *cube_smp_schema_for(const char *kind)
{
	for (size_t i = 0; kind && i < CUBE_ARRAY_LEN(smp_schemas); i++)
		if (!strcmp(smp_schemas[i].kind, kind))
			return &smp_schemas[i];
	return &smp_replace_all;
}

/* ---- three-way strategic merge patch (client-side apply) -------------------------------- */

/* What CreateThreeWayMergePatch's diffMaps is told to leave out. */
typedef struct smp_diff_opts {
	bool ignore_deletions;
	bool ignore_changes; /* changes and additions */
} smp_diff_opts;

static cJSON *smp_diff_maps(const cJSON *from, const cJSON *to, const smp_field *fields,
			    smp_diff_opts o, int depth, cube_err *err);

static bool smp_is_map_list(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a && a->child ? a->child : b ? b->child : NULL;
	return x && cJSON_IsObject(x);
}

static const cJSON *smp_find_by_key(const cJSON *list, const char *key, const cJSON *kv)
{
	const cJSON *it;
	cJSON_ArrayForEach (it, list) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, key);
		if (v && kv && cube_json_equal(v, kv))
			return it;
	}
	return NULL;
}

static bool smp_same_order(const cJSON *a, const cJSON *b, const char *key)
{
	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return false;
	const cJSON *x = a ? a->child : NULL, *y = b ? b->child : NULL;
	for (; x && y; x = x->next, y = y->next) {
		const cJSON *kx = key ? cJSON_GetObjectItemCaseSensitive(x, key) : x;
		const cJSON *ky = key ? cJSON_GetObjectItemCaseSensitive(y, key) : y;
		if (!cube_json_equal(kx, ky))
			return false;
	}
	return true;
}

/* diffLists for a merging list `name`: adds the patch list, the
 * $setElementOrder list and the $deleteFromPrimitiveList list to patch. */
static int smp_diff_list(cJSON *patch, const char *name, const cJSON *from, const cJSON *to,
			 const smp_field *f, smp_diff_opts o, int depth, cube_err *err)
{
	cJSON *plist = cJSON_CreateArray(), *dlist = cJSON_CreateArray();
	if (!plist || !dlist) {
		cJSON_Delete(plist);
		cJSON_Delete(dlist);
		return nomem(err);
	}
	bool set_order = false;
	const cJSON *it;
	if (smp_is_map_list(from, to)) {
		if (!f->key) {
			cJSON_Delete(plist);
			cJSON_Delete(dlist);
			return cube_err_set(err, CUBE_EINVAL,
					    "list \"%s\": maps without a merge key", name);
		}
		cJSON_ArrayForEach (it, to) {
			const cJSON *kv = cJSON_GetObjectItemCaseSensitive(it, f->key);
			if (!kv) {
				cJSON_Delete(plist);
				cJSON_Delete(dlist);
				return smp_no_key(err, name, f->key);
			}
			const cJSON *old = smp_find_by_key(from, f->key, kv);
			if (old) {
				cJSON *p = smp_diff_maps(old, it, f->fields, o, depth + 1, err);
				if (!p) {
					cJSON_Delete(plist);
					cJSON_Delete(dlist);
					return -1;
				}
				if (p->child) {
					cJSON_AddItemToObject(p, f->key, cJSON_Duplicate(kv, true));
					cJSON_AddItemToArray(plist, p);
				} else {
					cJSON_Delete(p);
				}
			} else if (!o.ignore_changes) {
				cJSON_AddItemToArray(plist, cJSON_Duplicate(it, true));
			}
		}
		cJSON_ArrayForEach (it, from) {
			const cJSON *kv = cJSON_GetObjectItemCaseSensitive(it, f->key);
			if (!kv || smp_find_by_key(to, f->key, kv) || o.ignore_deletions)
				continue;
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "$patch", "delete");
			cJSON_AddItemToObject(d, f->key, cJSON_Duplicate(kv, true));
			cJSON_AddItemToArray(plist, d);
		}
		bool same = smp_same_order(from, to, f->key);
		set_order = (!o.ignore_changes && (plist->child || !same)) ||
			    (!o.ignore_deletions && plist->child);
		if (set_order) {
			cJSON *order = cJSON_CreateArray();
			cJSON_ArrayForEach (it, to) {
				cJSON *k = cJSON_CreateObject();
				cJSON_AddItemToObject(
					k, f->key,
					cJSON_Duplicate(
						cJSON_GetObjectItemCaseSensitive(it, f->key),
						true));
				cJSON_AddItemToArray(order, k);
			}
			char dir[256];
			snprintf(dir, sizeof(dir), SMP_SET_ORDER "%s", name);
			cJSON_AddItemToObject(patch, dir, order);
		}
	} else {
		/* a set of primitives */
		cJSON_ArrayForEach (it, to) {
			if (!list_has(from, it) && !o.ignore_changes)
				cJSON_AddItemToArray(plist, cJSON_Duplicate(it, true));
		}
		cJSON_ArrayForEach (it, from) {
			if (!list_has(to, it) && !o.ignore_deletions)
				cJSON_AddItemToArray(dlist, cJSON_Duplicate(it, true));
		}
		if ((!o.ignore_deletions && dlist->child) ||
		    (!o.ignore_changes && !cube_json_equal(from, to))) {
			char dir[256];
			snprintf(dir, sizeof(dir), SMP_SET_ORDER "%s", name);
			cJSON_AddItemToObject(patch, dir, cJSON_Duplicate(to, true));
		}
	}
	if (plist->child)
		cJSON_AddItemToObject(patch, name, plist);
	else
		cJSON_Delete(plist);
	if (dlist->child) {
		char dir[256];
		snprintf(dir, sizeof(dir), SMP_DELETE_FROM "%s", name);
		cJSON_AddItemToObject(patch, dir, dlist);
	} else {
		cJSON_Delete(dlist);
	}
	return 0;
}

/* diffMaps: the patch that turns `from` into `to`, within the options. */
static cJSON *smp_diff_maps(const cJSON *from, const cJSON *to, const smp_field *fields,
			    smp_diff_opts o, int depth, cube_err *err)
{
	if (depth > CUBE_PATCH_MAX_DEPTH) {
		too_deep(err);
		return NULL;
	}
	cJSON *patch = cJSON_CreateObject();
	if (!patch) {
		nomem(err);
		return NULL;
	}
	const cJSON *m;
	cJSON_ArrayForEach (m, to) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(from, m->string);
		if (!old) {
			if (!o.ignore_changes)
				cJSON_AddItemToObject(patch, m->string, cJSON_Duplicate(m, true));
			continue;
		}
		if (json_type(old) != json_type(m)) {
			if (!o.ignore_changes)
				cJSON_AddItemToObject(patch, m->string, cJSON_Duplicate(m, true));
			continue;
		}
		const smp_field *f = smp_lookup(fields, m->string);
		if (cJSON_IsObject(m)) {
			cJSON *sub = smp_diff_maps(old, m, f ? f->fields : NULL, o, depth + 1, err);
			if (!sub) {
				cJSON_Delete(patch);
				return NULL;
			}
			if (sub->child)
				cJSON_AddItemToObject(patch, m->string, sub);
			else
				cJSON_Delete(sub);
		} else if (cJSON_IsArray(m) && f && f->merge) {
			if (smp_diff_list(patch, m->string, old, m, f, o, depth, err) < 0) {
				cJSON_Delete(patch);
				return NULL;
			}
		} else if (!cube_json_equal(old, m) && !o.ignore_changes) {
			cJSON_AddItemToObject(patch, m->string, cJSON_Duplicate(m, true));
		}
	}
	if (!o.ignore_deletions) {
		cJSON_ArrayForEach (m, from) {
			if (!cJSON_GetObjectItemCaseSensitive(to, m->string))
				cJSON_AddItemToObject(patch, m->string, cJSON_CreateNull());
		}
	}
	return patch;
}

/* Merges the additions/changes patch into the deletions patch: maps merge,
 * merging lists join their items (an item both patches name, by its merge
 * key, merges in turn), directives and values of the delta win. */
static void smp_merge_patches(cJSON *dst, cJSON *src, const smp_field *fields)
{
	cJSON *m;
	while ((m = src->child)) {
		cJSON_DetachItemViaPointer(src, m);
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, m->string);
		const smp_field *f = smp_lookup(fields, m->string);
		if (old && cJSON_IsObject(old) && cJSON_IsObject(m)) {
			smp_merge_patches(old, m, f ? f->fields : NULL);
			cJSON_Delete(m);
		} else if (old && cJSON_IsArray(old) && cJSON_IsArray(m) && f && f->merge &&
			   !has_prefix(m->string, "$")) {
			/* delta items first, then the deletions' items not merged into them */
			cJSON *it;
			while ((it = old->child)) {
				cJSON_DetachItemViaPointer(old, it);
				const cJSON *kv =
					f->key ? cJSON_GetObjectItemCaseSensitive(it, f->key)
					       : NULL;
				cJSON *same = kv ? (cJSON *)smp_find_by_key(m, f->key, kv) : NULL;
				if (same && cJSON_IsObject(same) && cJSON_IsObject(it) &&
				    !cJSON_GetObjectItemCaseSensitive(it, "$patch")) {
					smp_merge_patches(it, same, f->fields);
					cJSON_ReplaceItemViaPointer(m, same, it);
				} else {
					cJSON_AddItemToArray(m, it);
				}
			}
			cJSON_ReplaceItemViaPointer(dst, old, m);
		} else if (old) {
			cJSON_ReplaceItemViaPointer(dst, old, m);
		} else {
			cJSON_AddItemToObject(dst, m->string, m);
		}
	}
}

cJSON *cube_smp_three_way(const cJSON *original, const cJSON *modified, const cJSON *current,
			  const cube_smp_schema *schema, cube_err *err)
{
	static const cJSON empty = {.type = cJSON_Object};
	if (!cJSON_IsObject(original))
		original = &empty;
	if (!cJSON_IsObject(current))
		current = &empty;
	if (!cJSON_IsObject(modified)) {
		cube_err_set(err, CUBE_EINVAL, "the new configuration is not an object");
		return NULL;
	}
	const smp_field *fields = schema ? schema->fields : NULL;
	cJSON *delta = smp_diff_maps(current, modified, fields,
				     (smp_diff_opts){.ignore_deletions = true}, 0, err);
	if (!delta)
		return NULL;
	cJSON *dels = smp_diff_maps(original, modified, fields,
				    (smp_diff_opts){.ignore_changes = true}, 0, err);
	if (!dels) {
		cJSON_Delete(delta);
		return NULL;
	}
	smp_merge_patches(dels, delta, fields);
	cJSON_Delete(delta);
	return dels;
}
