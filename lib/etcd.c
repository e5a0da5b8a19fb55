/* etcd.c - etcd v3 over the JSON gateway: unary calls with endpoint
 * fail-over and a connection pool, transactions, leases, and a watch that
 * resumes from the next revision after any break and reports compaction.
 *
 * Wire format (etcd 3.4 gateway): POST /v3/kv/range etc. with a JSON body;
 * bytes fields are base64, int64 fields are decimal strings, fields equal to
 * their zero value are omitted.  A watch is one POST /v3/watch whose body
 * stays open and carries one `{"result": WatchResponse}` per line.
 */
#include "etcd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "http.h"
#include "jsonstream.h"
#include "log.h"
#include "obj.h"

#define POOL_KEEP 128 /* idle connections kept; more are closed when returned */

struct cube_etcd {
	char **eps;
	size_t n_eps;
	atomic_size_t cur;
	long timeout_ms;
	pthread_mutex_t mu;
	cube_http **pool;
	size_t pool_n;
};

/* ---- base64 ------------------------------------------------------------------ */

static char *b64_encode(const char *data, size_t len)
{
	size_t out_len = 4 * ((len + 2) / 3) + 1;
	char *out = malloc(out_len);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
	return out;
}

/* Decodes base64 into a new NUL-terminated buffer; -1 if malformed. */
static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static int b64_decode(const char *in, char **out, size_t *out_len)
{
	size_t n = strlen(in);
	if (n % 4 != 0)
		return -1;
	/* EVP_DecodeBlock forgives too much ('=' anywhere, blanks, '-'): be strict
	 * so that a broken peer can never make us deliver bytes nobody wrote. */
	size_t pad = n >= 1 && in[n - 1] == '=' ? (n >= 2 && in[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char(in[i]))
			return -1;
	char *buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -1;
	int m = n ? EVP_DecodeBlock((unsigned char *)buf, (const unsigned char *)in, (int)n) : 0;
	if (m < 0) {
		free(buf);
		return -1;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	m -= (int)pad;
	buf[m] = '\0';
	*out = buf;
	*out_len = (size_t)m;
	return 0;
}

/* Adds a base64 bytes field. */
static int add_b64(cJSON *o, const char *name, const char *data, size_t len)
{
	cube_autofree char *b = b64_encode(data, len);
	return b && cJSON_AddStringToObject(o, name, b) ? 0 : -1;
}

/* Adds an int64 field as a decimal string, as the gateway expects. */
static int add_i64(cJSON *o, const char *name, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return cJSON_AddStringToObject(o, name, buf) ? 0 : -1;
}

/* The key range: key, and range_end for prefixes / explicit ends. */
static int add_range(cJSON *o, const char *key, bool after_key, bool prefix, const char *prefix_of,
		     const char *range_end)
{
	size_t klen = strlen(key);
	/* after_key: key + "\0", the smallest key greater than `key`. */
	if (add_b64(o, "key", key, klen + (after_key ? 1 : 0)) < 0)
		return -1;
	if (prefix) {
		const char *p = prefix_of ? prefix_of : key;
		size_t plen = strlen(p);
		cube_autofree char *end = malloc(plen + 1);
		if (!end)
			return -1;
		memcpy(end, p, plen);
		/* Increment the last byte that is not 0xff, dropping the 0xff tail. */
		size_t n = plen;
		while (n > 0 && (unsigned char)end[n - 1] == 0xff)
			n--;
		if (n == 0) {
			end[0] = '\0'; /* "\0": every key from `key` on */
			return add_b64(o, "range_end", end, 1);
		}
		end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
		return add_b64(o, "range_end", end, n);
	}
	if (range_end)
		return add_b64(o, "range_end", range_end, strlen(range_end));
	return 0;
}

/* ---- results ----------------------------------------------------------------- */

void cube_etcd_kv_clear(cube_etcd_kv *kv)
{
	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void cube_etcd_range_resp_clear(cube_etcd_range_resp *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		cube_etcd_kv_clear(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

void cube_etcd_txn_resp_clear(cube_etcd_txn_resp *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_ranges; i++)
		cube_etcd_range_resp_clear(&r->ranges[i]);
	free(r->ranges);
	memset(r, 0, sizeof(*r));
}

static int decode_kv(const cJSON *j, cube_etcd_kv *kv, cube_err *err)
{
	memset(kv, 0, sizeof(*kv));
	const char *k = cube_json_str(j, "key");
	const char *v = cube_json_str(j, "value");
	if (!k || b64_decode(k, &kv->key, &kv->key_len) < 0)
		return cube_err_set(err, CUBE_EPROTO, "etcd: key-value without a valid base64 key");
	if (b64_decode(v ? v : "", &kv->value, &kv->value_len) < 0) {
		cube_etcd_kv_clear(kv);
		return cube_err_set(err, CUBE_EPROTO, "etcd: key-value with invalid base64 value");
	}
	kv->create_rev = cube_json_int(j, "create_revision", 0);
	kv->mod_rev = cube_json_int(j, "mod_revision", 0);
	kv->version = cube_json_int(j, "version", 0);
	kv->lease = cube_json_int(j, "lease", 0);
	return 0;
}

static int decode_range(const cJSON *j, cube_etcd_range_resp *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	out->revision = cube_json_int(j, "header.revision", 0);
	out->count = cube_json_int(j, "count", 0);
	out->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "more"));
	const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(j, "kvs");
	int n = cJSON_IsArray(kvs) ? cJSON_GetArraySize(kvs) : 0;
	if (n == 0)
		return 0;
	out->kvs = calloc((size_t)n, sizeof(*out->kvs));
	if (!out->kvs)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const cJSON *it;
	cJSON_ArrayForEach (it, kvs) {
		if (decode_kv(it, &out->kvs[out->n], err) < 0) {
			cube_etcd_range_resp_clear(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

/* ---- the client and its pool ---------------------------------------------------- */

cube_etcd *cube_etcd_new(const char *endpoints, cube_err *err)
{
	if (!endpoints || !endpoints[0]) {
		cube_err_set(err, CUBE_EINVAL, "etcd: no endpoints given");
		return NULL;
	}
	cube_etcd *e = calloc(1, sizeof(*e));
	cube_autofree char *copy = strdup(endpoints);
	if (!e || !copy)
		goto oom;
	pthread_mutex_init(&e->mu, NULL);
	e->timeout_ms = 5000;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		size_t n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '/'))
			tok[--n] = '\0';
		if (n == 0)
			continue;
		if (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8)) {
			cube_err_set(err, CUBE_EINVAL,
				     "etcd: endpoint \"%s\" is not an http:// or https:// URL",
				     tok);
			cube_etcd_free(e);
			return NULL;
		}
		char **neps = realloc(e->eps, (e->n_eps + 1) * sizeof(*neps));
		if (!neps)
			goto oom;
		e->eps = neps;
		if (!(e->eps[e->n_eps] = strdup(tok)))
			goto oom;
		e->n_eps++;
	}
	if (e->n_eps == 0) {
		cube_err_set(err, CUBE_EINVAL, "etcd: no endpoints in \"%s\"", endpoints);
		cube_etcd_free(e);
		return NULL;
	}
	e->pool = calloc(POOL_KEEP, sizeof(*e->pool));
	if (!e->pool)
		goto oom;
	return e;
oom:
	cube_etcd_free(e);
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return NULL;
}

void cube_etcd_free(cube_etcd *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_eps; i++)
		free(e->eps[i]);
	free(e->eps);
	for (size_t i = 0; i < e->pool_n; i++)
		cube_http_free(e->pool[i]);
	free(e->pool);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

void cube_etcd_set_timeout(cube_etcd *e, long timeout_ms)
{
	e->timeout_ms = timeout_ms;
}

const char *cube_etcd_endpoint(cube_etcd *e)
{
	return e->eps[atomic_load(&e->cur) % e->n_eps];
}

static cube_http *pool_get(cube_etcd *e, cube_err *err)
{
	pthread_mutex_lock(&e->mu);
	cube_http *h = e->pool_n ? e->pool[--e->pool_n] : NULL;
	pthread_mutex_unlock(&e->mu);
	return h ? h : cube_http_new(err);
}

static void pool_put(cube_etcd *e, cube_http *h)
{
	pthread_mutex_lock(&e->mu);
	if (e->pool_n < POOL_KEEP) {
		e->pool[e->pool_n++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&e->mu);
	cube_http_free(h);
}

/* Maps a gateway error body ({"error","message","code"}) to our codes. */
static int gateway_error(long status, const char *body, size_t len, cube_err *err)
{
	cube_autojson cJSON *j = body ? cube_json_parse(body, len, NULL) : NULL;
	const char *msg = j ? cube_json_str(j, "message") : NULL;
	if (!msg && j)
		msg = cube_json_str(j, "error");
	int64_t code = j ? cube_json_int(j, "code", -1) : -1;
	if (!msg)
		msg = "no message";
	cube_errc c;
	switch (code) {
	case 3: /* InvalidArgument */
	case 9: /* FailedPrecondition */
		c = CUBE_EINVAL;
		break;
	case 5: /* NotFound (leases) */
		c = CUBE_ENOTFOUND;
		break;
	case 11: /* OutOfRange: compacted or future revision */
		c = strstr(msg, "compacted") ? CUBE_ECOMPACTED : CUBE_EINVAL;
		break;
	case 4: /* DeadlineExceeded */
		c = CUBE_ETIMEOUT;
		break;
	case 14: /* Unavailable */
		c = CUBE_EUNAVAIL;
		break;
	default:
		c = status >= 500 ? CUBE_EUNAVAIL : CUBE_EPROTO;
	}
	return cube_err_set(err, c, "HTTP %ld: %s", status, msg);
}

/* One unary call: POST body to path, parse the JSON answer into *out.
 * Fails over between endpoints when nothing was sent, and for reads also
 * when the answer was lost.  The error message starts with "etcd <path>". */
static int call(cube_etcd *e, const char *path, const cJSON *body, bool idempotent, cJSON **out,
		cube_err *err)
{
	*out = NULL;
	cube_autofree char *text = cJSON_PrintUnformatted(body);
	if (!text)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_http *h = pool_get(e, err);
	if (!h)
		return -1;
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	size_t start = atomic_load(&e->cur);
	int rc = -1;
	for (size_t i = 0; i < e->n_eps; i++) {
		size_t idx = (start + i) % e->n_eps;
		char url[1024];
		snprintf(url, sizeof(url), "%s%s", e->eps[idx], path);
		cube_http_req req = {.method = "POST",
				     .url = url,
				     .headers = headers,
				     .body = text,
				     .body_len = strlen(text),
				     .timeout_ms = e->timeout_ms,
				     .connect_timeout_ms = 2000};
		cube_http_resp resp;
		cube_err herr = CUBE_ERR_INIT;
		if (cube_http_do(h, &req, &resp, &herr) < 0) {
			cube_http_resp_clear(&resp);
			bool retry = herr.code == CUBE_EUNAVAIL ||
				     (idempotent &&
				      (herr.code == CUBE_EIO || herr.code == CUBE_ETIMEOUT));
			rc = cube_err_set(err, herr.code == CUBE_EIO ? CUBE_EUNAVAIL : herr.code,
					  "etcd %s: %s", path, herr.msg);
			if (retry)
				continue;
			break;
		}
		if (resp.status == 200) {
			cube_err perr = CUBE_ERR_INIT;
			*out = cube_json_parse(resp.body ? resp.body : "", resp.len, &perr);
			rc = *out ? 0
				  : cube_err_set(err, CUBE_EPROTO, "etcd %s: %s", path, perr.msg);
			if (*out)
				atomic_store(&e->cur, idx);
		} else {
			gateway_error(resp.status, resp.body, resp.len, err);
			cube_err_prefix(err, "etcd %s", path);
			rc = -1;
			if (err && err->code == CUBE_EUNAVAIL && idempotent) {
				cube_http_resp_clear(&resp);
				continue;
			}
		}
		cube_http_resp_clear(&resp);
		break;
	}
	pool_put(e, h);
	return rc;
}

/* ---- key-value ----------------------------------------------------------------- */

static cJSON *range_body(const cube_etcd_range_req *req)
{
	cJSON *b = cJSON_CreateObject();
	if (!b ||
	    add_range(b, req->key, req->after_key, req->prefix, req->prefix_of, req->range_end) < 0)
		goto fail;
	if (req->limit > 0 && add_i64(b, "limit", req->limit) < 0)
		goto fail;
	if (req->revision > 0 && add_i64(b, "revision", req->revision) < 0)
		goto fail;
	if (req->count_only && !cJSON_AddTrueToObject(b, "count_only"))
		goto fail;
	if (req->keys_only && !cJSON_AddTrueToObject(b, "keys_only"))
		goto fail;
	return b;
fail:
	cJSON_Delete(b);
	return NULL;
}

int cube_etcd_range(cube_etcd *e, const cube_etcd_range_req *req, cube_etcd_range_resp *out,
		    cube_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!req->key)
		return cube_err_set(err, CUBE_EINVAL, "etcd range: no key");
	cube_autojson cJSON *b = range_body(req);
	if (!b)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	if (call(e, "/v3/kv/range", b, true, &r, err) < 0)
		return -1;
	return decode_range(r, out, err);
}

int cube_etcd_get(cube_etcd *e, const char *key, cube_etcd_kv *out, int64_t *rev, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	cube_etcd_range_req req = {.key = key};
	cube_etcd_range_resp r;
	if (cube_etcd_range(e, &req, &r, err) < 0)
		return -1;
	if (rev)
		*rev = r.revision;
	if (r.n == 0) {
		cube_etcd_range_resp_clear(&r);
		return cube_err_set(err, CUBE_ENOTFOUND, "etcd: key \"%s\" not found", key);
	}
	*out = r.kvs[0];
	memset(&r.kvs[0], 0, sizeof(r.kvs[0]));
	cube_etcd_range_resp_clear(&r);
	return 0;
}

int cube_etcd_put(cube_etcd *e, const char *key, const char *value, size_t len, int64_t lease,
		  int64_t *rev, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_b64(b, "key", key, strlen(key)) < 0 || add_b64(b, "value", value, len) < 0 ||
	    (lease && add_i64(b, "lease", lease) < 0))
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	if (call(e, "/v3/kv/put", b, false, &r, err) < 0)
		return -1;
	if (rev)
		*rev = cube_json_int(r, "header.revision", 0);
	return 0;
}

int cube_etcd_delete(cube_etcd *e, const char *key, bool prefix, int64_t *deleted, int64_t *rev,
		     cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_range(b, key, false, prefix, NULL, NULL) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	if (call(e, "/v3/kv/deleterange", b, false, &r, err) < 0)
		return -1;
	if (deleted)
		*deleted = cube_json_int(r, "deleted", 0);
	if (rev)
		*rev = cube_json_int(r, "header.revision", 0);
	return 0;
}

/* ---- transactions ------------------------------------------------------------------ */

static cJSON *op_json(const cube_etcd_op *op)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *inner = NULL;
	if (!o)
		return NULL;
	switch (op->type) {
	case CUBE_ETCD_OP_RANGE:
		inner = cJSON_AddObjectToObject(o, "request_range");
		if (!inner || add_range(inner, op->key, false, op->prefix, NULL, NULL) < 0)
			goto fail;
		break;
	case CUBE_ETCD_OP_PUT:
		inner = cJSON_AddObjectToObject(o, "request_put");
		if (!inner || add_b64(inner, "key", op->key, strlen(op->key)) < 0 ||
		    add_b64(inner, "value", op->value ? op->value : "", op->value_len) < 0 ||
		    (op->lease && add_i64(inner, "lease", op->lease) < 0))
			goto fail;
		break;
	case CUBE_ETCD_OP_DELETE:
		inner = cJSON_AddObjectToObject(o, "request_delete_range");
		if (!inner || add_range(inner, op->key, false, op->prefix, NULL, NULL) < 0 ||
		    !cJSON_AddTrueToObject(inner, "prev_kv"))
			goto fail;
		break;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *cmp_json(const cube_etcd_cmp *c)
{
	static const char *const targets[] = {"CREATE", "MOD", "VERSION", "VALUE"};
	static const char *const results[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
	static const char *const fields[] = {"create_revision", "mod_revision", "version", "value"};
	cJSON *o = cJSON_CreateObject();
	if (!o || add_b64(o, "key", c->key, strlen(c->key)) < 0 ||
	    !cJSON_AddStringToObject(o, "target", targets[c->target]) ||
	    !cJSON_AddStringToObject(o, "result", results[c->result]))
		goto fail;
	if (c->target == CUBE_ETCD_TARGET_VALUE) {
		if (add_b64(o, fields[c->target], c->value ? c->value : "", c->value_len) < 0)
			goto fail;
	} else if (add_i64(o, fields[c->target], c->rev) < 0) {
		goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int add_ops(cJSON *b, const char *name, const cube_etcd_op *ops, size_t n)
{
	if (n == 0)
		return 0;
	cJSON *arr = cJSON_AddArrayToObject(b, name);
	if (!arr)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = op_json(&ops[i]);
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -1;
		}
	}
	return 0;
}

int cube_etcd_txn(cube_etcd *e, const cube_etcd_cmp *cmps, size_t n_cmps,
		  const cube_etcd_op *success, size_t n_success, const cube_etcd_op *failure,
		  size_t n_failure, cube_etcd_txn_resp *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	if (n_cmps) {
		cJSON *arr = cJSON_AddArrayToObject(b, "compare");
		if (!arr)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		for (size_t i = 0; i < n_cmps; i++) {
			cJSON *c = cmp_json(&cmps[i]);
			if (!c || !cJSON_AddItemToArray(arr, c)) {
				cJSON_Delete(c);
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			}
		}
	}
	if (add_ops(b, "success", success, n_success) < 0 ||
	    add_ops(b, "failure", failure, n_failure) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");

	/* A txn made only of reads may be retried on another endpoint. */
	bool read_only = true;
	for (size_t i = 0; i < n_success; i++)
		read_only &= success[i].type == CUBE_ETCD_OP_RANGE;
	for (size_t i = 0; i < n_failure; i++)
		read_only &= failure[i].type == CUBE_ETCD_OP_RANGE;

	cube_autojson cJSON *r = NULL;
	if (call(e, "/v3/kv/txn", b, read_only, &r, err) < 0)
		return -1;
	out->succeeded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "succeeded"));
	out->revision = cube_json_int(r, "header.revision", 0);
	const cJSON *resps = cJSON_GetObjectItemCaseSensitive(r, "responses");
	const cJSON *it;
	size_t n_ranges = 0;
	cJSON_ArrayForEach (it, resps)
		n_ranges += cJSON_GetObjectItemCaseSensitive(it, "response_range") != NULL;
	if (n_ranges) {
		out->ranges = calloc(n_ranges, sizeof(*out->ranges));
		if (!out->ranges)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	cJSON_ArrayForEach (it, resps) {
		const cJSON *rr = cJSON_GetObjectItemCaseSensitive(it, "response_range");
		const cJSON *dr = cJSON_GetObjectItemCaseSensitive(it, "response_delete_range");
		if (rr) {
			if (decode_range(rr, &out->ranges[out->n_ranges], err) < 0) {
				cube_etcd_txn_resp_clear(out);
				return -1;
			}
			out->n_ranges++;
		} else if (dr) {
			out->deleted += cube_json_int(dr, "deleted", 0);
		}
	}
	return 0;
}

/* Moves the first key of the failure branch's range into *kv (may be NULL). */
static bool take_first(cube_etcd_txn_resp *t, cube_etcd_kv *kv)
{
	if (t->n_ranges == 0 || t->ranges[0].n == 0)
		return false;
	if (kv) {
		*kv = t->ranges[0].kvs[0];
		memset(&t->ranges[0].kvs[0], 0, sizeof(*kv));
	}
	return true;
}

int cube_etcd_create(cube_etcd *e, const char *key, const char *value, size_t len, int64_t lease,
		     int64_t *rev, cube_etcd_kv *existing, cube_err *err)
{
	if (existing)
		memset(existing, 0, sizeof(*existing));
	cube_etcd_cmp cmp = {
		.key = key, .target = CUBE_ETCD_TARGET_CREATE, .result = CUBE_ETCD_EQUAL};
	cube_etcd_op put = {.type = CUBE_ETCD_OP_PUT,
			    .key = key,
			    .value = value,
			    .value_len = len,
			    .lease = lease};
	cube_etcd_op get = {.type = CUBE_ETCD_OP_RANGE, .key = key};
	cube_etcd_txn_resp t;
	if (cube_etcd_txn(e, &cmp, 1, &put, 1, &get, 1, &t, err) < 0)
		return -1;
	if (rev)
		*rev = t.revision;
	int rc = 0;
	if (!t.succeeded) {
		take_first(&t, existing);
		rc = cube_err_set(err, CUBE_EEXIST, "etcd: key \"%s\" already exists", key);
	}
	cube_etcd_txn_resp_clear(&t);
	return rc;
}

int cube_etcd_update(cube_etcd *e, const char *key, const char *value, size_t len,
		     int64_t expect_mod_rev, int64_t *rev, cube_etcd_kv *current, cube_err *err)
{
	if (current)
		memset(current, 0, sizeof(*current));
	cube_etcd_cmp cmp = {.key = key,
			     .target = CUBE_ETCD_TARGET_MOD,
			     .result = CUBE_ETCD_EQUAL,
			     .rev = expect_mod_rev};
	cube_etcd_op put = {.type = CUBE_ETCD_OP_PUT, .key = key, .value = value, .value_len = len};
	cube_etcd_op get = {.type = CUBE_ETCD_OP_RANGE, .key = key};
	cube_etcd_txn_resp t;
	if (cube_etcd_txn(e, &cmp, 1, &put, 1, &get, 1, &t, err) < 0)
		return -1;
	if (rev)
		*rev = t.revision;
	int rc = 0;
	if (!t.succeeded) {
		if (take_first(&t, current))
			rc = cube_err_set(err, CUBE_ECONFLICT,
					  "etcd: key \"%s\" was modified (expected revision %lld)",
					  key, (long long)expect_mod_rev);
		else
			rc = cube_err_set(err, CUBE_ENOTFOUND, "etcd: key \"%s\" not found", key);
	}
	cube_etcd_txn_resp_clear(&t);
	return rc;
}

int cube_etcd_delete_if(cube_etcd *e, const char *key, int64_t expect_mod_rev, cube_etcd_kv *prev,
			int64_t *rev, cube_err *err)
{
	if (prev)
		memset(prev, 0, sizeof(*prev));
	/* Unconditional: "it exists" is create_revision > 0. */
	cube_etcd_cmp cmp = expect_mod_rev ? (cube_etcd_cmp){.key = key,
							     .target = CUBE_ETCD_TARGET_MOD,
							     .result = CUBE_ETCD_EQUAL,
							     .rev = expect_mod_rev}
					   : (cube_etcd_cmp){.key = key,
							     .target = CUBE_ETCD_TARGET_CREATE,
							     .result = CUBE_ETCD_GREATER,
							     .rev = 0};
	/* Read first in the same txn so that the caller gets what was deleted. */
	cube_etcd_op ok[] = {{.type = CUBE_ETCD_OP_RANGE, .key = key},
			     {.type = CUBE_ETCD_OP_DELETE, .key = key}};
	cube_etcd_op get = {.type = CUBE_ETCD_OP_RANGE, .key = key};
	cube_etcd_txn_resp t;
	if (cube_etcd_txn(e, &cmp, 1, ok, 2, &get, 1, &t, err) < 0)
		return -1;
	if (rev)
		*rev = t.revision;
	int rc = 0;
	if (t.succeeded) {
		take_first(&t, prev);
	} else if (take_first(&t, NULL)) {
		rc = cube_err_set(err, CUBE_ECONFLICT,
				  "etcd: key \"%s\" was modified (expected revision %lld)", key,
				  (long long)expect_mod_rev);
	} else {
		rc = cube_err_set(err, CUBE_ENOTFOUND, "etcd: key \"%s\" not found", key);
	}
	cube_etcd_txn_resp_clear(&t);
	return rc;
}

/* ---- leases and maintenance -------------------------------------------------------- */

int cube_etcd_lease_grant(cube_etcd *e, int64_t ttl, int64_t *id, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_i64(b, "TTL", ttl) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	if (call(e, "/v3/lease/grant", b, false, &r, err) < 0)
		return -1;
	const char *msg = cube_json_str(r, "error");
	if (msg && msg[0])
		return cube_err_set(err, CUBE_EINVAL, "etcd lease grant: %s", msg);
	*id = cube_json_int(r, "ID", 0);
	if (*id == 0)
		return cube_err_set(err, CUBE_EPROTO, "etcd lease grant: no ID in the answer");
	return 0;
}

int cube_etcd_lease_keepalive(cube_etcd *e, int64_t id, int64_t *ttl, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_i64(b, "ID", id) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	/* The gateway's keepalive is a stream; one request gets one answer. */
	if (call(e, "/v3/lease/keepalive", b, true, &r, err) < 0)
		return -1;
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "result");
	int64_t t = cube_json_int(res ? res : r, "TTL", 0);
	if (t <= 0)
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "etcd: lease %lld not found (expired or revoked)",
				    (long long)id);
	if (ttl)
		*ttl = t;
	return 0;
}

int cube_etcd_lease_revoke(cube_etcd *e, int64_t id, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_i64(b, "ID", id) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	return call(e, "/v3/lease/revoke", b, false, &r, err);
}

int cube_etcd_compact(cube_etcd *e, int64_t rev, bool physical, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b || add_i64(b, "revision", rev) < 0 ||
	    (physical && !cJSON_AddTrueToObject(b, "physical")))
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autojson cJSON *r = NULL;
	return call(e, "/v3/kv/compaction", b, false, &r, err);
}

int cube_etcd_revision(cube_etcd *e, int64_t *rev, cube_err *err)
{
	/* A count-only read of a key nobody uses: the header carries the revision. */
	cube_etcd_range_req req = {.key = "/cube-revision-probe", .count_only = true};
	cube_etcd_range_resp r;
	if (cube_etcd_range(e, &req, &r, err) < 0)
		return -1;
	*rev = r.revision;
	cube_etcd_range_resp_clear(&r);
	return 0;
}

/* ---- watch --------------------------------------------------------------------------- */

void cube_etcd_watch_batch_clear(cube_etcd_watch_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		cube_etcd_kv_clear(&b->events[i].kv);
		cube_etcd_kv_clear(&b->events[i].prev);
	}
	free(b->events);
	memset(b, 0, sizeof(*b));
}

int cube_etcd_watch_decode(const cJSON *doc, cube_etcd_watch_batch *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(doc))
		return cube_err_set(err, CUBE_EPROTO, "etcd watch: line is not a JSON object");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "result");
	if (!res) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
		if (e) {
			const char *m = cube_json_str(e, "message");
			if (!m)
				m = cJSON_IsString(e) ? e->valuestring : "stream error";
			/* The gateway reports a broken stream in-band. The string is borrowed
			 * from doc, so callers use it before deleting the document. */
			out->error = m;
			return 0;
		}
		return cube_err_set(err, CUBE_EPROTO,
				    "etcd watch: line has neither result nor error");
	}
	if (!cJSON_IsObject(res))
		return cube_err_set(err, CUBE_EPROTO, "etcd watch: result is not an object");
	out->revision = cube_json_int(res, "header.revision", 0);
	out->compact_revision = cube_json_int(res, "compact_revision", 0);
	out->created = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created"));
	out->canceled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"));
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(res, "events");
	if (evs && !cJSON_IsArray(evs))
		return cube_err_set(err, CUBE_EPROTO, "etcd watch: events is not an array");
	int n = evs ? cJSON_GetArraySize(evs) : 0;
	if (n == 0)
		return 0;
	out->events = calloc((size_t)n, sizeof(*out->events));
	if (!out->events)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const cJSON *ev;
	cJSON_ArrayForEach (ev, evs) {
		cube_etcd_event *o = &out->events[out->n];
		/* Absent means PUT (the enum's zero value is omitted); a gateway that
		 * writes enums as numbers sends 0 / 1. */
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
		if (!type || (cJSON_IsString(type) && !strcmp(type->valuestring, "PUT")) ||
		    (cJSON_IsNumber(type) && type->valuedouble == 0)) {
			o->type = CUBE_ETCD_EV_PUT;
		} else if ((cJSON_IsString(type) && !strcmp(type->valuestring, "DELETE")) ||
			   (cJSON_IsNumber(type) && type->valuedouble == 1)) {
			o->type = CUBE_ETCD_EV_DELETE;
		} else {
			cube_etcd_watch_batch_clear(out);
			return cube_err_set(
				err, CUBE_EPROTO, "etcd watch: unknown event type %.32s",
				cJSON_IsString(type) ? type->valuestring : "(not a string)");
		}
		const cJSON *kv = cJSON_GetObjectItemCaseSensitive(ev, "kv");
		if (!kv || decode_kv(kv, &o->kv, err) < 0) {
			cube_etcd_watch_batch_clear(out);
			return kv ? -1
				  : cube_err_set(err, CUBE_EPROTO, "etcd watch: event without kv");
		}
		out->n++;
		const cJSON *prev = cJSON_GetObjectItemCaseSensitive(ev, "prev_kv");
		if (prev) {
			if (decode_kv(prev, &o->prev, err) < 0) {
				cube_etcd_watch_batch_clear(out);
				return -1;
			}
			o->has_prev = true;
		}
	}
	return 0;
}

struct watch_ctx {
	cube_etcd_watch_fn fn;
	void *ud;
	int64_t next; /* revision to resume from */
	bool stopped; /* the callback asked to stop */
	bool compacted;
	bool established;
	char stream_error[256];
};

static int on_watch_doc(void *ud, const cJSON *doc, cube_err *err)
{
	struct watch_ctx *w = ud;
	cube_etcd_watch_batch b;
	if (cube_etcd_watch_decode(doc, &b, err) < 0)
		return -1;
	int rc = 0;
	if (b.error) {
		snprintf(w->stream_error, sizeof(w->stream_error), "%s", b.error);
		rc = cube_err_set(err, CUBE_EUNAVAIL, "etcd watch: %s", b.error);
		goto out;
	}
	if (b.compact_revision > 0) {
		w->compacted = true;
		w->fn(w->ud, &b);
		rc = cube_err_set(err, CUBE_ECOMPACTED,
				  "etcd watch: revision %lld was compacted (oldest kept: %lld)",
				  (long long)w->next, (long long)b.compact_revision);
		goto out;
	}
	if (b.canceled) {
		rc = cube_err_set(err, CUBE_EUNAVAIL, "etcd watch: canceled by the server");
		goto out;
	}
	if (b.created) {
		w->established = true;
		if (w->next == 0)
			w->next = b.revision + 1;
	}
	/* Drop anything already delivered before a reconnect (defensive: etcd
	 * resumes exactly at start_revision). */
	size_t skip = 0;
	while (skip < b.n && b.events[skip].kv.mod_rev < w->next)
		skip++;
	cube_etcd_watch_batch view = b;
	view.events = b.events + skip;
	view.n = b.n - skip;
	if (view.n > 0)
		w->next = view.events[view.n - 1].kv.mod_rev + 1;
	else if (!b.created && b.n == 0 && b.revision + 1 > w->next)
		w->next = b.revision + 1; /* progress notification */
	if ((view.n > 0 || b.created || b.n == 0) && w->fn(w->ud, &view) < 0) {
		w->stopped = true;
		rc = cube_err_set(err, CUBE_ECANCELED, "watch stopped by its consumer");
	}
out:
	cube_etcd_watch_batch_clear(&b);
	return rc;
}

struct watch_feed {
	cube_jsonstream *js;
	cube_err err;
	bool failed;
};

static int on_watch_data(void *ud, const char *data, size_t len)
{
	struct watch_feed *f = ud;
	if (cube_jsonstream_feed(f->js, data, len, &f->err) < 0) {
		f->failed = true;
		return -1;
	}
	return 0;
}

static bool sleep_cancelable(long ms, atomic_int *cancel)
{
	while (ms > 0) {
		if (cancel && atomic_load(cancel))
			return false;
		long step = ms < 50 ? ms : 50;
		struct timespec ts = {0, step * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !(cancel && atomic_load(cancel));
}

int cube_etcd_watch(cube_etcd *e, const cube_etcd_watch_opts *opts, cube_etcd_watch_fn fn, void *ud,
		    atomic_int *cancel, cube_err *err)
{
	struct watch_ctx w = {.fn = fn, .ud = ud, .next = opts->start_rev};
	cube_http *h = cube_http_new(err);
	if (!h)
		return -1;
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	long backoff = 100;
	size_t ep = atomic_load(&e->cur);
	int rc = 0;

	while (!(cancel && atomic_load(cancel))) {
		cube_autojson cJSON *b = cJSON_CreateObject();
		cJSON *cr = b ? cJSON_AddObjectToObject(b, "create_request") : NULL;
		if (!cr || add_range(cr, opts->key, false, opts->prefix, NULL, NULL) < 0 ||
		    (w.next > 0 && add_i64(cr, "start_revision", w.next) < 0) ||
		    (opts->prev_kv && !cJSON_AddTrueToObject(cr, "prev_kv")) ||
		    (opts->progress_notify && !cJSON_AddTrueToObject(cr, "progress_notify"))) {
			rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
			break;
		}
		cube_autofree char *text = cJSON_PrintUnformatted(b);
		struct watch_feed feed = {.js = cube_jsonstream_new(0, on_watch_doc, &w)};
		if (!text || !feed.js) {
			cube_jsonstream_free(feed.js);
			rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
			break;
		}
		char url[1024];
		snprintf(url, sizeof(url), "%s/v3/watch", e->eps[ep % e->n_eps]);
		cube_http_req req = {.method = "POST",
				     .url = url,
				     .headers = headers,
				     .body = text,
				     .body_len = strlen(text),
				     .connect_timeout_ms = 2000,
				     .on_data = on_watch_data,
				     .ud = &feed,
				     .cancel = cancel};
		cube_http_resp resp;
		cube_err herr = CUBE_ERR_INIT;
		w.established = false;
		w.stream_error[0] = '\0';
		int hrc = cube_http_do(h, &req, &resp, &herr);
		cube_jsonstream_free(feed.js);
		long status = resp.status;
		cube_http_resp_clear(&resp);

		if (w.stopped || (cancel && atomic_load(cancel)))
			break;
		if (w.compacted) {
			rc = cube_err_set(err, CUBE_ECOMPACTED, "%s", feed.err.msg);
			break;
		}
		if (hrc == 0 && status != 200 && status != 0 && status < 500) {
			/* The gateway refused the request itself: retrying cannot help. */
			rc = cube_err_set(err, CUBE_EINVAL, "etcd watch %s: HTTP %ld", opts->key,
					  status);
			break;
		}
		if (feed.failed && feed.err.code == CUBE_EPROTO) {
			/* A line we cannot decode: resynchronise by reconnecting. */
			cube_log_warn("etcd watch %s: %s; reconnecting", opts->key, feed.err.msg);
		}
		if (w.established)
			backoff = 100;
		/* Tell the consumer that the stream broke; it may give up here. */
		char why[CUBE_ERR_MSG_MAX + 64];
		snprintf(why, sizeof(why), "etcd unavailable: %s",
			 w.stream_error[0] ? w.stream_error
			 : hrc < 0	   ? herr.msg
					   : "watch stream ended");
		cube_etcd_watch_batch broke = {.error = why, .revision = w.next - 1};
		if (fn(ud, &broke) < 0)
			break;
		if (!sleep_cancelable(backoff, cancel))
			break;
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
		ep++; /* next endpoint, in case this one is gone */
	}
	cube_http_free(h);
	return rc;
}

struct cube_etcd_watcher {
	pthread_t thread;
	cube_etcd *e;
	cube_etcd_watch_opts opts;
	char *key;
	cube_etcd_watch_fn fn;
	void *ud;
	atomic_int cancel;
	atomic_bool done;
	int rc;
	cube_err err;
};

static void *watcher_main(void *arg)
{
	cube_etcd_watcher *w = arg;
	w->rc = cube_etcd_watch(w->e, &w->opts, w->fn, w->ud, &w->cancel, &w->err);
	atomic_store(&w->done, true);
	return NULL;
}

cube_etcd_watcher *cube_etcd_watcher_start(cube_etcd *e, const cube_etcd_watch_opts *opts,
					   cube_etcd_watch_fn fn, void *ud, cube_err *err)
{
	cube_etcd_watcher *w = calloc(1, sizeof(*w));
	if (!w || !(w->key = strdup(opts->key))) {
		free(w);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	w->e = e;
	w->opts = *opts;
	w->opts.key = w->key;
	w->fn = fn;
	w->ud = ud;
	int prc = pthread_create(&w->thread, NULL, watcher_main, w);
	if (prc != 0) {
		free(w->key);
		free(w);
		cube_err_errno(err, prc, "etcd watch: pthread_create");
		return NULL;
	}
	return w;
}

bool cube_etcd_watcher_done(cube_etcd_watcher *w)
{
	return atomic_load(&w->done);
}

int cube_etcd_watcher_stop(cube_etcd_watcher *w, cube_err *err)
{
	if (!w)
		return 0;
	atomic_store(&w->cancel, 1);
	pthread_join(w->thread, NULL);
	int rc = w->rc;
	if (rc < 0 && err)
		*err = w->err;
	free(w->key);
	free(w);
	return rc;
}
