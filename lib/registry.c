/* registry.c - the registry v2 client: manifests and blobs by digest,
 * the 401 challenge dance (bearer tokens, basic auth), blob and manifest
 * push.  See registry.h for the contract. */
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "http.h"

#define MAX_TOKENS 8

struct cube_registry {
	cube_http *http;
	char base[CUBE_IMAGEREF_MAX + 16];
	char *username, *password;
	char *fixed_token;
	struct {
		char *scope;
		char *token;
	} tokens[MAX_TOKENS];
	size_t n_tokens;
	char *basic; /* "Authorization: Basic ..." once a Basic challenge was seen */
};

bool cube_registry_is_loopback(const char *domain)
{
	char host[CUBE_IMAGEREF_MAX];
	snprintf(host, sizeof(host), "%s", domain ? domain : "");
	if (host[0] == '[')
		return !strncmp(host, "[::1]", 5);
	char *colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4);
}

bool cube_registry_is_insecure(const char *domain)
{
	if (cube_registry_is_loopback(domain))
		return true;
	const char *list = getenv("CUBE_INSECURE_REGISTRIES");
	size_t n = domain ? strlen(domain) : 0;
	while (list && *list && n) {
		size_t len = strcspn(list, ", ");
		if (len == n && !strncmp(list, domain, n))
			return true;
		list += len;
		list += strspn(list, ", ");
	}
	return false;
}

static int dupstr(char **dst, const char *s)
{
	*dst = NULL;
	return s && !(*dst = strdup(s)) ? -1 : 0;
}

cube_registry *cube_registry_new(const char *domain, const cube_registry_auth *auth, cube_err *err)
{
	cube_registry *r = calloc(1, sizeof(*r));
	if (!r) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(r->http = cube_http_new(err))) {
		free(r);
		return NULL;
	}
	/* docker.io is the name; the API lives at registry-1.docker.io (as Docker does). */
	const char *host = !strcmp(domain, "docker.io") ? "registry-1.docker.io" : domain;
	snprintf(r->base, sizeof(r->base), "%s://%s",
		 cube_registry_is_insecure(domain) ? "http" : "https", host);
	if (auth &&
	    (dupstr(&r->username, auth->username) < 0 || dupstr(&r->password, auth->password) < 0 ||
	     dupstr(&r->fixed_token, auth->token) < 0)) {
		cube_registry_free(r);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	return r;
}

void cube_registry_free(cube_registry *r)
{
	if (!r)
		return;
	cube_http_free(r->http);
	free(r->username);
	free(r->password);
	free(r->fixed_token);
	free(r->basic);
	for (size_t i = 0; i < r->n_tokens; i++) {
		free(r->tokens[i].scope);
		free(r->tokens[i].token);
	}
	free(r);
}

const char *cube_registry_base(const cube_registry *r)
{
	return r->base;
}

/* ---- pure helpers ---- */

int cube_registry_parse_challenge(const char *h, cube_registry_challenge *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!h)
		return cube_err_set(err, CUBE_EINVAL, "no WWW-Authenticate challenge");
	while (*h == ' ')
		h++;
	size_t n = strcspn(h, " ");
	if (n == 0 || n >= sizeof(out->scheme))
		return cube_err_set(err, CUBE_EINVAL, "malformed WWW-Authenticate \"%.80s\"", h);
	memcpy(out->scheme, h, n);
	const char *p = h + n;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *key = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			p++;
		size_t kl = (size_t)(p - key);
		if (kl == 0 || *p != '=')
			return cube_err_set(err, CUBE_EINVAL,
					    "malformed WWW-Authenticate parameter at \"%.40s\"",
					    key);
		p++;
		char val[512];
		size_t vl = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (vl + 1 >= sizeof(val))
					return cube_err_set(err, CUBE_EINVAL,
							    "WWW-Authenticate value too long");
				val[vl++] = *p++;
			}
			if (*p != '"')
				return cube_err_set(err, CUBE_EINVAL,
						    "WWW-Authenticate: unterminated quoted string");
			p++;
		} else {
			while (*p && *p != ',' && *p != ' ') {
				if (vl + 1 >= sizeof(val))
					return cube_err_set(err, CUBE_EINVAL,
							    "WWW-Authenticate value too long");
				val[vl++] = *p++;
			}
		}
		val[vl] = '\0';
		char *dst = NULL;
		size_t cap = 0;
		if (kl == 5 && !strncasecmp(key, "realm", 5))
			dst = out->realm, cap = sizeof(out->realm);
		else if (kl == 7 && !strncasecmp(key, "service", 7))
			dst = out->service, cap = sizeof(out->service);
		else if (kl == 5 && !strncasecmp(key, "scope", 5))
			dst = out->scope, cap = sizeof(out->scope);
		if (dst) {
			if (vl >= cap)
				return cube_err_set(err, CUBE_EINVAL,
						    "WWW-Authenticate value too long");
			memcpy(dst, val, vl + 1);
		}
	}
	return 0;
}

void cube_registry_error_message(long status, const char *body, size_t len, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	size_t used = 0;
	cube_autojson cJSON *j = body ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *e;
	cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(j, "errors")) {
		const char *code =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code"));
		const char *msg =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));
		char lc[128];
		size_t i = 0;
		for (; code && code[i] && i + 1 < sizeof(lc); i++)
			lc[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
		lc[i] = '\0';
		int w = snprintf(buf + used, size - used, "%s%s%s%s", used ? "; " : "", lc,
				 lc[0] && msg ? ": " : "", msg ? msg : "");
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
	if (used)
		return;
	/* A HEAD answer has no body: say what the distribution spec's error
	 * code for that status says. */
	if ((!body || !len) && (status == 401 || status == 403)) {
		snprintf(buf, size, "%s",
			 status == 401 ? "unauthorized: authentication required"
				       : "denied: requested access to the resource is denied");
		return;
	}
	/* No JSON errors: the status, and a short plain-text body if there is one. */
	int w = snprintf(buf, size, "HTTP %ld", status);
	if (body && len && w > 0 && (size_t)w < size && !j) {
		size_t n = len < 200 ? len : 200;
		while (n && isspace((unsigned char)body[n - 1]))
			n--;
		bool text = n > 0;
		for (size_t i = 0; i < n; i++)
			if (!isprint((unsigned char)body[i]))
				text = false;
		if (text)
			snprintf(buf + w, size - (size_t)w, ": %.*s", (int)n, body);
	}
}

/* ---- requests with authentication ---- */

static const char *cached_token(cube_registry *r, const char *scope)
{
	for (size_t i = 0; i < r->n_tokens; i++)
		if (!strcmp(r->tokens[i].scope, scope))
			return r->tokens[i].token;
	return NULL;
}

static char *base64(const char *s)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s);
	char *o = malloc(4 * ((n + 2) / 3) + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		o[k++] = t[(v >> 18) & 63];
		o[k++] = t[(v >> 12) & 63];
		o[k++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		o[k++] = i + 2 < n ? t[v & 63] : '=';
	}
	o[k] = '\0';
	return o;
}

static char *basic_header(const cube_registry *r)
{
	cube_autofree char *up = NULL;
	if (asprintf(&up, "%s:%s", r->username, r->password ? r->password : "") < 0)
		return NULL;
	cube_autofree char *b = base64(up);
	char *h = NULL;
	if (!b || asprintf(&h, "Authorization: Basic %s", b) < 0)
		return NULL;
	return h;
}

/* GET realm?service=..&scope=.. -> {"token": ...} or {"access_token": ...}. */
static int fetch_token(cube_registry *r, const cube_registry_challenge *c, cube_err *err)
{
	CURL *esc = curl_easy_init();
	if (!esc)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	char *svc = curl_easy_escape(esc, c->service, 0);
	char *scope = curl_easy_escape(esc, c->scope, 0);
	cube_autofree char *url = NULL;
	int n = asprintf(&url, "%s%sservice=%s%s%s", c->realm, strchr(c->realm, '?') ? "&" : "?",
			 svc ? svc : "", c->scope[0] ? "&scope=" : "",
			 c->scope[0] && scope ? scope : "");
	curl_free(svc);
	curl_free(scope);
	curl_easy_cleanup(esc);
	if (n < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autofree char *auth = r->username ? basic_header(r) : NULL;
	const char *hdrs[] = {auth, NULL};
	cube_http_req req = {.url = url,
			     .headers = auth ? hdrs : NULL,
			     .timeout_ms = 30000,
			     .follow = true,
			     .max_body = 1 << 20};
	cube_http_resp resp;
	int rc = cube_http_do(r->http, &req, &resp, err);
	if (rc < 0) {
		cube_http_resp_clear(&resp);
		return cube_err_prefix(err, "token");
	}
	if (resp.status != 200) {
		char msg[400];
		cube_registry_error_message(resp.status, resp.body, resp.len, msg, sizeof(msg));
		cube_http_resp_clear(&resp);
		return cube_err_set(err, CUBE_EPROTO, "token from %s: %s", c->realm, msg);
	}
	cube_autojson cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
	cube_http_resp_clear(&resp);
	const char *tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "token"));
	if (!tok || !*tok)
		tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "access_token"));
	if (!tok || !*tok)
		return cube_err_set(err, CUBE_EPROTO, "token from %s: no token in the answer",
				    c->realm);
	size_t slot = r->n_tokens < MAX_TOKENS ? r->n_tokens++ : 0;
	if (slot == 0 && r->n_tokens == MAX_TOKENS) {
		free(r->tokens[0].scope);
		free(r->tokens[0].token);
	}
	r->tokens[slot].scope = strdup(c->scope);
	r->tokens[slot].token = strdup(tok);
	if (!r->tokens[slot].scope || !r->tokens[slot].token)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

/* The scope a request needs, for picking a cached token before any 401. */
static void scope_for(const char *repo, bool push, char *buf, size_t size)
{
	snprintf(buf, size, "repository:%s:%s", repo, push ? "pull,push" : "pull");
}

/* One request with `extra` headers (NULL-terminated, at most 6), answering
 * a 401 challenge once.  0 when a response arrived (any status). */
static int authed_do(cube_registry *r, const char *repo, bool push, cube_http_req *req,
		     const char *const *extra, cube_http_resp *resp, cube_err *err)
{
	char scope[sizeof(((cube_registry_challenge *)0)->scope)];
	scope_for(repo, push, scope, sizeof(scope));
	cube_registry_challenge ch = {0};
	for (int attempt = 0;; attempt++) {
		const char *hdrs[8] = {0};
		size_t n = 0;
		cube_autofree char *authz = NULL;
		const char *tok = r->fixed_token ? r->fixed_token : cached_token(r, scope);
		if (attempt > 0 && !strcasecmp(ch.scheme, "bearer"))
			tok = cached_token(r, ch.scope);
		if (tok) {
			if (asprintf(&authz, "Authorization: Bearer %s", tok) < 0)
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			hdrs[n++] = authz;
		} else if (r->basic) {
			hdrs[n++] = r->basic;
		}
		for (size_t i = 0; extra && extra[i] && n < 7; i++)
			hdrs[n++] = extra[i];
		req->headers = hdrs;
		req->want_headers = true;
		if (cube_http_do(r->http, req, resp, err) < 0)
			return -1;
		if (resp->status != 401 || attempt > 0)
			return 0;
		cube_autofree char *www = cube_http_resp_header(resp, "WWW-Authenticate");
		if (!www || cube_registry_parse_challenge(www, &ch, NULL) < 0)
			return 0; /* a 401 without a usable challenge: the caller reports it */
		if (!strcasecmp(ch.scheme, "bearer")) {
			if (!ch.realm[0])
				return 0;
			if (!ch.scope[0])
				snprintf(ch.scope, sizeof(ch.scope), "%s", scope);
			cube_http_resp_clear(resp);
			if (fetch_token(r, &ch, err) < 0)
				return -1;
		} else if (!strcasecmp(ch.scheme, "basic") && r->username) {
			if (!r->basic && !(r->basic = basic_header(r)))
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			cube_http_resp_clear(resp);
		} else {
			return 0;
		}
	}
}

/* Turns a non-2xx response into an error with the registry's message,
 * after `what` when not NULL. */
static int status_error(const cube_http_resp *resp, const char *what, cube_err *err)
{
	char msg[400];
	cube_registry_error_message(resp->status, resp->body, resp->len, msg, sizeof(msg));
	cube_errc code = resp->status == 404			      ? CUBE_ENOTFOUND
			 : resp->status >= 500 || resp->status == 429 ? CUBE_EUNAVAIL
								      : CUBE_EPROTO;
	if (!what)
		return cube_err_set(err, code, "%s", msg);
	return cube_err_set(err, code, "%s: %s", what, msg);
}

/* ---- manifests ---- */

int cube_registry_get_manifest(cube_registry *r, const char *repo, const char *reference,
			       char **body, size_t *len, char **media_type,
			       char digest[CUBE_DIGEST_MAX], cube_err *err)
{
	*body = NULL;
	*media_type = NULL;
	cube_autofree char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/manifests/%s", r->base, repo, reference) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const char *extra[] = {CUBE_OCI_ACCEPT, NULL};
	cube_http_req req = {.url = url, .timeout_ms = 60000, .max_body = 4 << 20};
	cube_http_resp resp;
	if (authed_do(r, repo, false, &req, extra, &resp, err) < 0) {
		cube_http_resp_clear(&resp);
		return -1;
	}
	if (resp.status != 200) {
		status_error(&resp, NULL, err);
		cube_http_resp_clear(&resp);
		return -1;
	}
	cube_digest_bytes(resp.body ? resp.body : "", resp.len, digest);
	cube_autofree char *dcd = cube_http_resp_header(&resp, "Docker-Content-Digest");
	const char *want = cube_digest_valid(reference) ? reference : dcd;
	if (want && cube_digest_check(want, digest, err) < 0) {
		cube_http_resp_clear(&resp);
		return cube_err_prefix(err, "manifest %s", reference);
	}
	*body = resp.body ? resp.body : strdup("");
	*len = resp.len;
	*media_type = resp.content_type;
	resp.body = NULL;
	resp.content_type = NULL;
	cube_http_resp_clear(&resp);
	return *body ? 0 : cube_err_set(err, CUBE_ENOMEM, "out of memory");
}

void cube_registry_image_clear(cube_registry_image *img)
{
	if (!img)
		return;
	free(img->manifest_body);
	cube_oci_manifest_clear(&img->parsed);
	memset(img, 0, sizeof(*img));
}

int cube_registry_resolve(cube_registry *r, const cube_imageref *ref, cube_registry_image *out,
			  cube_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *reference = ref->digest[0] ? ref->digest : ref->tag;
	char *body = NULL, *mt = NULL;
	size_t len = 0;
	if (cube_registry_get_manifest(r, ref->path, reference, &body, &len, &mt, out->digest,
				       err) < 0)
		return -1;
	int kind = cube_oci_kind_of(body, len, mt, err);
	if (kind == CUBE_OCI_KIND_INDEX) {
		cube_oci_desc d;
		int rc = cube_oci_index_pick(body, len, "linux", "amd64", &d, err);
		free(body);
		free(mt);
		body = mt = NULL;
		if (rc < 0)
			return -1;
		char got[CUBE_DIGEST_MAX];
		if (cube_registry_get_manifest(r, ref->path, d.digest, &body, &len, &mt, got, err) <
		    0)
			return -1;
		out->manifest = d;
		kind = cube_oci_kind_of(body, len, mt, err);
		if (kind == CUBE_OCI_KIND_INDEX)
			kind = cube_err_set(err, CUBE_EINVAL, "an index inside an index");
	} else if (kind == CUBE_OCI_KIND_MANIFEST) {
		snprintf(out->manifest.digest, sizeof(out->manifest.digest), "%s", out->digest);
		snprintf(out->manifest.media_type, sizeof(out->manifest.media_type), "%s",
			 mt ? mt : CUBE_OCI_MT_MANIFEST);
	}
	free(mt);
	if (kind < 0 || cube_oci_manifest_parse(body, len, &out->parsed, err) < 0) {
		free(body);
		cube_registry_image_clear(out);
		return -1;
	}
	out->manifest.size = (int64_t)len;
	out->manifest_body = body;
	out->manifest_len = len;
	return 0;
}

/* ---- blobs ---- */

struct sink {
	int fd;
	cube_sha256 *h;
	int64_t limit; /* stop past this many bytes: the digest cannot match */
	int64_t got;
	int werr;
};

static int on_blob(void *ud, const char *data, size_t len)
{
	struct sink *s = ud;
	s->got += (int64_t)len;
	if (s->got > s->limit)
		return -1;
	cube_sha256_update(s->h, data, len);
	while (len) {
		ssize_t w = write(s->fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->werr = errno;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int cube_registry_fetch_blob(cube_registry *r, const char *repo, const cube_oci_desc *d,
			     const char *path, cube_err *err)
{
	cube_autofree char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/blobs/%s", r->base, repo, d->digest) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	struct sink s = {.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644),
			 /* an error body may be bigger than a tiny blob */
			 .limit = d->size > 65536 ? d->size : 65536};
	if (s.fd < 0)
		return cube_err_errno(err, errno, "create %s", path);
	if (!(s.h = cube_sha256_new(err))) {
		close(s.fd);
		unlink(path);
		return -1;
	}
	cube_http_req req = {.url = url,
			     .on_data = on_blob,
			     .ud = &s,
			     .follow = true,
			     .timeout_ms = 30 * 60 * 1000};
	cube_http_resp resp;
	int rc = authed_do(r, repo, false, &req, NULL, &resp, err);
	char got[CUBE_DIGEST_MAX];
	cube_sha256_final(s.h, got);
	cube_sha256_free(s.h);
	if (rc == 0 && resp.status != 200) {
		/* The error body went to the file: read it back for the message. */
		char body[4096];
		ssize_t n = pread(s.fd, body, sizeof(body), 0);
		cube_http_resp tmp = resp;
		tmp.body = body;
		tmp.len = n > 0 ? (size_t)n : 0;
		status_error(&tmp, d->digest, err);
		rc = -1;
	} else if (rc < 0 && s.werr) {
		cube_err_errno(err, s.werr, "write %s", path);
	} else if (rc < 0 && s.got > s.limit) {
		rc = cube_err_set(err, CUBE_EPROTO, "blob %s: more than its size %lld", d->digest,
				  (long long)d->size);
	} else if (rc == 0 && s.got != d->size) {
		rc = cube_err_set(err, CUBE_EPROTO, "blob %s: size %lld, expected %lld", d->digest,
				  (long long)s.got, (long long)d->size);
	} else if (rc == 0 && cube_digest_check(d->digest, got, err) < 0) {
		rc = -1;
	}
	cube_http_resp_clear(&resp);
	if (rc == 0 && fsync(s.fd) < 0)
		rc = cube_err_errno(err, errno, "fsync %s", path);
	close(s.fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

int cube_registry_blob_exists(cube_registry *r, const char *repo, const char *digest, cube_err *err)
{
	cube_autofree char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/blobs/%s", r->base, repo, digest) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_http_req req = {.method = "HEAD", .url = url, .timeout_ms = 60000, .follow = true};
	cube_http_resp resp;
	int rc = authed_do(r, repo, true, &req, NULL, &resp, err);
	if (rc == 0)
		rc = resp.status == 200	  ? 1
		     : resp.status == 404 ? 0
					  : status_error(&resp, digest, err);
	cube_http_resp_clear(&resp);
	return rc;
}

/* Location may be absolute or a path on the registry. */
static char *absolute(const cube_registry *r, const char *loc)
{
	char *u = NULL;
	if (!strncmp(loc, "http://", 7) || !strncmp(loc, "https://", 8))
		return strdup(loc);
	return asprintf(&u, "%s%s", r->base, loc) < 0 ? NULL : u;
}

int cube_registry_push_blob(cube_registry *r, const char *repo, const char *digest,
			    const char *path, bool *uploaded, cube_err *err)
{
	if (uploaded)
		*uploaded = false;
	int have = cube_registry_blob_exists(r, repo, digest, err);
	if (have != 0)
		return have < 0 ? -1 : 0;
	cube_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cube_err_errno(err, errno, "open %s", path);
	cube_autofree char *url = NULL;
	if (asprintf(&url, "%s/v2/%s/blobs/uploads/", r->base, repo) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_http_req req = {.method = "POST", .url = url, .body = "", .timeout_ms = 60000};
	cube_http_resp resp;
	if (authed_do(r, repo, true, &req, NULL, &resp, err) < 0) {
		cube_http_resp_clear(&resp);
		return -1;
	}
	if (resp.status != 202) {
		status_error(&resp, "blob upload", err);
		cube_http_resp_clear(&resp);
		return -1;
	}
	cube_autofree char *loc = cube_http_resp_header(&resp, "Location");
	cube_http_resp_clear(&resp);
	cube_autofree char *up = loc ? absolute(r, loc) : NULL;
	cube_autofree char *put = NULL;
	if (!up || asprintf(&put, "%s%sdigest=%s", up, strchr(up, '?') ? "&" : "?", digest) < 0)
		return cube_err_set(err, CUBE_EPROTO, "blob upload: no Location in the answer");
	/* The blob is mapped rather than read: a layer can be large. */
	void *map = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
			       : (void *)"";
	if (map == MAP_FAILED)
		return cube_err_errno(err, errno, "mmap %s", path);
	const char *extra[] = {"Content-Type: application/octet-stream", NULL};
	cube_http_req preq = {.method = "PUT",
			      .url = put,
			      .body = map,
			      .body_len = (size_t)st.st_size,
			      .timeout_ms = 30 * 60 * 1000};
	int rc = authed_do(r, repo, true, &preq, extra, &resp, err);
	if (st.st_size)
		munmap(map, (size_t)st.st_size);
	if (rc == 0 && resp.status != 201)
		rc = status_error(&resp, "blob upload", err);
	cube_http_resp_clear(&resp);
	if (rc == 0 && uploaded)
		*uploaded = true;
	return rc;
}

int cube_registry_push_manifest(cube_registry *r, const char *repo, const char *reference,
				const char *media_type, const char *body, size_t len, cube_err *err)
{
	cube_autofree char *url = NULL;
	cube_autofree char *ct = NULL;
	if (asprintf(&url, "%s/v2/%s/manifests/%s", r->base, repo, reference) < 0 ||
	    asprintf(&ct, "Content-Type: %s", media_type) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const char *extra[] = {ct, NULL};
	cube_http_req req = {
		.method = "PUT", .url = url, .body = body, .body_len = len, .timeout_ms = 60000};
	cube_http_resp resp;
	int rc = authed_do(r, repo, true, &req, extra, &resp, err);
	if (rc == 0 && resp.status != 201)
		rc = status_error(&resp, "manifest", err);
	cube_http_resp_clear(&resp);
	return rc;
}
