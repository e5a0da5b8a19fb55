/* http.c - the libcurl-backed HTTP client: collected or streamed bodies,
 * timeouts, keep-alive, cancellation from another thread. */
#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <curl/curl.h>

struct cube_http {
	CURL *curl;
	char *ca_file, *cert_file, *key_file;
	bool insecure;
	char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

void cube_http_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

cube_http *cube_http_new(cube_err *err)
{
	cube_http_global_init();
	cube_http *h = calloc(1, sizeof(*h));
	if (!h) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		cube_err_set(err, CUBE_ENOMEM, "curl_easy_init failed");
		return NULL;
	}
	return h;
}

static int dup_opt(char **dst, const char *src)
{
	free(*dst);
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -1;
	return 0;
}

int cube_http_set_tls(cube_http *h, const cube_http_tls *tls, cube_err *err)
{
	if (dup_opt(&h->ca_file, tls->ca_file) < 0 || dup_opt(&h->cert_file, tls->cert_file) < 0 ||
	    dup_opt(&h->key_file, tls->key_file) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	h->insecure = tls->insecure;
	return 0;
}

void cube_http_free(cube_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h->ca_file);
	free(h->cert_file);
	free(h->key_file);
	free(h);
}

void cube_http_resp_clear(cube_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->content_type);
	free(resp->headers);
	memset(resp, 0, sizeof(*resp));
}

struct xfer {
	const cube_http_req *req;
	cube_http_resp *resp;
	CURL *curl;
	size_t cap;
	size_t max_body;
	bool too_big;
	bool aborted;
	bool oom;
	size_t hlen;
};

/* Keeps the header lines of the last response only: a redirect or a
 * "100 Continue" starts a new block with its status line. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	cube_http_resp *r = x->resp;
	if (n >= 5 && !strncmp(ptr, "HTTP/", 5)) {
		x->hlen = 0;
		if (r->headers)
			r->headers[0] = '\0';
		return n;
	}
	if (x->hlen + n > 256u << 10) /* headers over 256 KiB: keep what we have */
		return n;
	char *nh = realloc(r->headers, x->hlen + n + 1);
	if (!nh) {
		x->oom = true;
		return 0;
	}
	memcpy(nh + x->hlen, ptr, n);
	x->hlen += n;
	nh[x->hlen] = '\0';
	r->headers = nh;
	return n;
}

char *cube_http_resp_header(const cube_http_resp *resp, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = resp ? resp->headers : NULL; p && *p;) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		if ((size_t)(end - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			const char *v = p + nl + 1;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return strndup(v, (size_t)(end - v));
		}
		p = eol ? eol + 1 : end;
	}
	return NULL;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (x->req->on_data) {
		if (!x->resp->status) /* the status is known before the body */
			curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->resp->status);
		if (x->req->on_data(x->req->ud, ptr, n) < 0) {
			x->aborted = true;
			return 0;
		}
		return n;
	}
	cube_http_resp *r = x->resp;
	if (r->len + n > x->max_body) {
		x->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *nb = realloc(r->body, cap);
		if (!nb) {
			x->oom = true;
			return 0;
		}
		r->body = nb;
		x->cap = cap;
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	struct xfer *x = ud;
	if (x->req->cancel && atomic_load(x->req->cancel)) {
		x->aborted = true;
		return 1;
	}
	return 0;
}

int cube_http_do(cube_http *h, const cube_http_req *req, cube_http_resp *resp, cube_err *err)
{
	memset(resp, 0, sizeof(*resp));
	CURL *c = h->curl;
	curl_easy_reset(c);

	struct xfer x = {.req = req,
			 .resp = resp,
			 .curl = c,
			 .max_body = req->max_body ? req->max_body : 64u << 20};
	struct curl_slist *hdrs = NULL;
	const char *method = req->method ? req->method : "GET";

	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, req->cancel ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms ? req->connect_timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Long watches: notice a vanished peer within ~25 s rather than hours. */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	/* Loopback and lab addresses only: never let an environment proxy reroute them. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (req->want_headers) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	}
	if (req->follow) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (h->cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
	if (h->key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	for (const char *const *p = req->headers; p && *p; p++) {
		struct curl_slist *n = curl_slist_append(hdrs, *p);
		if (!n) {
			curl_slist_free_all(hdrs);
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
		hdrs = n;
	}
	/* libcurl adds "Expect: 100-continue" to big bodies: one round trip too many. */
	struct curl_slist *n = curl_slist_append(hdrs, "Expect:");
	if (n)
		hdrs = n;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	h->curl_err[0] = '\0';
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(hdrs);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	char *ct = NULL;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		resp->content_type = strdup(ct);

	if (rc == CURLE_OK)
		return 0;
	const char *why = h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc);
	if (x.aborted)
		return cube_err_set(err, CUBE_ECANCELED, "%s %s: canceled", method, req->url);
	if (x.too_big)
		return cube_err_set(err, CUBE_ETOOBIG, "%s %s: response body over %zu bytes",
				    method, req->url, x.max_body);
	if (x.oom)
		return cube_err_set(err, CUBE_ENOMEM, "%s %s: out of memory", method, req->url);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return cube_err_set(err, CUBE_ETIMEOUT, "%s %s: %s", method, req->url, why);
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_COULDNT_RESOLVE_PROXY)
		return cube_err_set(err, CUBE_EUNAVAIL, "%s %s: %s", method, req->url, why);
	/* The request may have reached the server: the caller must not assume it did not. */
	return cube_err_set(err, CUBE_EIO, "%s %s: %s", method, req->url, why);
}

bool cube_http_head_value(const char *head, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		const char *s = l + 2;
		if (!strncasecmp(s, name, nl) && s[nl] == ':') {
			s += nl + 1;
			while (*s == ' ' || *s == '\t')
				s++;
			const char *e = strstr(s, "\r\n");
			size_t n = e ? (size_t)(e - s) : strlen(s);
			while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			snprintf(out, size, "%.*s", (int)n, s);
			return true;
		}
	}
	return false;
}
