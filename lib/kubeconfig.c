/* kubeconfig.c - kubeconfig loading as client-go's clientcmd does it (see
 * kubeconfig.h for the rules).
 *
 * Each file is parsed with cube_yaml_parse() and kept whole; nothing is
 * merged up front.  A lookup by name walks the files in precedence order and
 * takes the first file that has the name (within a file the last entry of
 * that name, as clientcmd's list-to-map conversion leaves it), which is what
 * clientcmd's merge amounts to.  Every entry remembers its file, so relative
 * paths resolve against the right directory and errors name the right file.
 */
#include "kubeconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "yaml.h"

/* Kubeconfig files and token files larger than this are refused. */
#define FILE_MAX (16u << 20)

typedef struct kfile {
	char *path; /* as found */
	char *dir;  /* absolute directory, for relative paths inside */
	cJSON *doc; /* the parsed file; NULL for an empty one */
} kfile;

typedef struct kset {
	kfile *files;
	size_t n;
	char *names; /* the files' paths joined by ':', for messages */
} kset;

/* A named entry found in one of the files. */
typedef struct entry {
	const cJSON *body; /* the "cluster"/"context"/"user" object, or NULL */
	const kfile *file;
	const char *name;
} entry;

static void kset_clear(kset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].dir);
		cJSON_Delete(s->files[i].doc);
	}
	free(s->files);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

/* Reads a whole file (NUL-terminated). -1 with errno on failure; EFBIG
 * past FILE_MAX. */
static int slurp(const char *path, char **out, size_t *out_len)
{
	cube_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
	if (cap > FILE_MAX + 1) {
		errno = EFBIG;
		return -1;
	}
	cube_autofree char *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		if (len + 1 == cap) {
			if (cap > FILE_MAX) {
				errno = EFBIG;
				return -1;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return -1;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = CUBE_STEAL(buf);
	*out_len = len;
	return 0;
}

/* The absolute directory of path. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	cube_autofree char *dir =
		slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir || dir[0] == '/')
		return CUBE_STEAL(dir);
	cube_autofree char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	char *abs = NULL;
	if (strcmp(dir, ".") == 0)
		return CUBE_STEAL(cwd);
	if (asprintf(&abs, "%s/%s", cwd, dir) < 0)
		return NULL;
	return abs;
}

/* Adds one file to the set.  A missing file is skipped unless must_exist. */
static int kset_add(kset *s, const char *path, bool must_exist, cube_err *err)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return 0; /* clientcmd deduplicates the list */
	cube_autofree char *text = NULL;
	size_t len = 0;
	if (slurp(path, &text, &len) < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		cube_errc code = errno == ENOENT   ? CUBE_ENOTFOUND
				 : errno == ENOMEM ? CUBE_ENOMEM
				 : errno == EFBIG  ? CUBE_ETOOBIG
						   : CUBE_EIO;
		return cube_err_set(err, code, "kubeconfig %s: %s", path, strerror(errno));
	}
	cube_autojson cJSON *doc = cube_yaml_parse(text, len, err);
	if (!doc)
		return cube_err_prefix(err, "kubeconfig %s", path);
	if (cJSON_IsNull(doc)) {
		cJSON_Delete(doc);
		doc = NULL; /* an empty file is an empty config */
	} else if (!cJSON_IsObject(doc)) {
		return cube_err_set(err, CUBE_EINVAL, "kubeconfig %s: not a kubeconfig (a %s)",
				    path, cJSON_IsArray(doc) ? "sequence" : "scalar");
	}
	kfile *files = realloc(s->files, (s->n + 1) * sizeof(*files));
	if (!files)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	s->files = files;
	kfile *f = &s->files[s->n];
	f->path = strdup(path);
	f->dir = dir_of(path);
	f->doc = CUBE_STEAL(doc);
	s->n++;
	if (!f->path || !f->dir)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

/* The files to read, in precedence order, as clientcmd picks them. */
static int kset_load(kset *s, const char *path, cube_err *err)
{
	cube_autofree char *names = NULL;
	if (path && *path) {
		if (kset_add(s, path, true, err) < 0)
			return -1;
		names = strdup(path);
	} else if (getenv("KUBECONFIG") && *getenv("KUBECONFIG")) {
		cube_autofree char *list = strdup(getenv("KUBECONFIG"));
		if (!list)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		char *save = NULL;
		for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save))
			if (kset_add(s, p, false, err) < 0)
				return -1;
		names = strdup(getenv("KUBECONFIG"));
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return cube_err_set(
				err, CUBE_ENOTFOUND,
				"kubeconfig: no --kubeconfig, $KUBECONFIG or home directory");
		if (asprintf(&names, "%s/.kube/config", home) < 0)
			names = NULL;
		else if (kset_add(s, names, false, err) < 0)
			return -1;
	}
	if (!names)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	s->names = CUBE_STEAL(names);
	return 0;
}

/* A scalar as the text a Go string field receives from sigs.k8s.io/yaml:
 * strings as they are, numbers and booleans formatted ("42", "true" - so a
 * context named `y` is "true", as for kubectl).  NULL for anything else. */
static const char *scalar_text(const cJSON *v, char buf[static 64])
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (!cJSON_IsNumber(v))
		return NULL;
	double d = v->valuedouble;
	if (d == (double)(long long)d && d > -9e18 && d < 9e18)
		snprintf(buf, 64, "%lld", (long long)d);
	else
		snprintf(buf, 64, "%g", d);
	return buf;
}

/* Finds `name` in the list `list` ("clusters") of the first file that has
 * it; the body is the entry's `inner` object ("cluster"). */
static bool kset_find(const kset *s, const char *list, const char *inner, const char *name,
		      entry *out)
{
	for (size_t i = 0; i < s->n; i++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(s->files[i].doc, list);
		const cJSON *e, *found = NULL;
		if (!cJSON_IsArray(l))
			continue;
		cJSON_ArrayForEach (e, l) {
			if (!cJSON_IsObject(e))
				continue;
			char buf[64];
			const char *n =
				scalar_text(cJSON_GetObjectItemCaseSensitive(e, "name"), buf);
			if (n && strcmp(n, name) == 0)
				found = e; /* the last of a name wins within a file */
		}
		if (found) {
			const cJSON *body = cJSON_GetObjectItemCaseSensitive(found, inner);
			out->body = cJSON_IsObject(body) ? body : NULL;
			out->file = &s->files[i];
			out->name = name;
			return true;
		}
	}
	return false;
}

static int entry_err(cube_err *err, cube_errc code, const entry *e, const char *what,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "kubeconfig FILE: cluster "c": <message>" */
static int entry_err(cube_err *err, cube_errc code, const entry *e, const char *what,
		     const char *fmt, ...)
{
	char msg[CUBE_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cube_err_set(err, code, "kubeconfig %s: %s \"%s\": %s", e->file->path, what, e->name,
			    msg);
}

/* A string field: strings as they are, numbers and booleans as their text
 * (sigs.k8s.io/yaml coerces them for string fields).  *out is NULL when the
 * field is absent, null or empty. */
static int get_str(const entry *e, const char *what, const char *field, char **out, cube_err *err)
{
	*out = NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, field);
	char buf[64];
	if (!v || cJSON_IsNull(v))
		return 0;
	const char *s = scalar_text(v, buf);
	if (!s)
		return entry_err(err, CUBE_EINVAL, e, what, "%s: not a string", field);
	if (!*s)
		return 0;
	if (!(*out = strdup(s)))
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

static int get_bool(const entry *e, const char *what, const char *field, bool *out, cube_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, field);
	*out = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return entry_err(err, CUBE_EINVAL, e, what, "%s: not a boolean", field);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A file name field, made absolute against its kubeconfig's directory and
 * checked readable, as clientcmd's validation opens it. */
static int get_path(const entry *e, const char *what, const char *field, char **out, cube_err *err)
{
	if (get_str(e, what, field, out, err) < 0)
		return -1;
	if (!*out)
		return 0;
	if ((*out)[0] != '/') {
		char *abs = NULL;
		const char *d = e->file->dir;
		if (asprintf(&abs, "%s%s%s", d, d[strlen(d) - 1] == '/' ? "" : "/", *out) < 0) {
			free(*out);
			*out = NULL;
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
		free(*out);
		*out = abs;
	}
	if (access(*out, R_OK) < 0)
		return entry_err(err, errno == ENOENT ? CUBE_ENOTFOUND : CUBE_EIO, e, what,
				 "%s %s: %s", field, *out, strerror(errno));
	return 0;
}

/* Go's base64.StdEncoding, as encoding/json decodes []byte fields; blanks
 * and line breaks are skipped. Returns the length, or -1 if s is not base64. */
static long base64_decode(const char *s, unsigned char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	long k = 0;
	unsigned q = 0, pad = 0;
	unsigned long acc = 0;
	bool done = false;
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (done)
			return -1; /* nothing may follow padding */
		const char *p = *s == '=' ? NULL : strchr(alphabet, *s);
		if (*s == '=')
			pad++;
		else if (!p || pad)
			return -1;
		acc = acc << 6 | (p ? (unsigned long)(p - alphabet) : 0);
		if (++q < 4)
			continue;
		if (pad > 2)
			return -1;
		out[k++] = (unsigned char)(acc >> 16);
		if (pad < 2)
			out[k++] = (unsigned char)(acc >> 8);
		if (pad < 1)
			out[k++] = (unsigned char)acc;
		q = 0;
		acc = 0;
		done = pad > 0;
	}
	return q ? -1 : k;
}

/* Writes data into a new private file (0600) under $TMPDIR; returns its
 * malloc'd name, NULL with err. */
static char *write_private(const unsigned char *data, size_t len, cube_err *err)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char *path = NULL;
	if (asprintf(&path, "%s/cube-kubeconfig-XXXXXX", dir) < 0) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		cube_err_errno(err, errno, "kubeconfig: create a file in %s", dir);
		free(path);
		return NULL;
	}
	int rc = fchmod(fd, 0600);
	for (size_t off = 0; rc == 0 && off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = -1;
		else
			off += (size_t)w;
	}
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0) {
		cube_err_errno(err, errno, "kubeconfig: write %s", path);
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

/* A *-data field into a temporary file (recorded in k->_tmp for _free);
 * *out is NULL when the field is absent. */
static int get_data(cube_kubeconfig *k, const entry *e, const char *what, const char *field,
		    char **out, cube_err *err)
{
	cube_autofree char *b64 = NULL;
	*out = NULL;
	if (get_str(e, what, field, &b64, err) < 0)
		return -1;
	if (!b64)
		return 0;
	cube_autofree unsigned char *data = malloc(strlen(b64) / 4 * 3 + 3);
	if (!data)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	long n = base64_decode(b64, data);
	if (n < 0)
		return entry_err(err, CUBE_EINVAL, e, what, "%s: invalid base64", field);
	char *path = write_private(data, (size_t)n, err);
	if (!path)
		return cube_err_prefix(err, "%s \"%s\": %s", what, e->name, field);
	size_t slot = 0;
	while (slot < CUBE_ARRAY_LEN(k->_tmp) - 1 && k->_tmp[slot])
		slot++; /* three *-data fields, three slots */
	k->_tmp[slot] = path;
	*out = strdup(path);
	if (!*out)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

/* Either the file or the data form of a field; *-data wins for the CA (as
 * client-go's transport reads it) and both are an error for the client
 * certificate and key (clientcmd's validation). */
static int get_file_or_data(cube_kubeconfig *k, const entry *e, const char *what, const char *field,
			    bool both_is_error, char **out, cube_err *err)
{
	char data_field[64];
	snprintf(data_field, sizeof(data_field), "%s-data", field);
	cube_autofree char *file = NULL;
	if (get_path(e, what, field, &file, err) < 0)
		return -1;
	if (get_data(k, e, what, data_field, out, err) < 0)
		return -1;
	if (file && *out && both_is_error)
		return entry_err(err, CUBE_EINVAL, e, what, "%s and %s are both given", field,
				 data_field);
	if (!*out)
		*out = CUBE_STEAL(file);
	return 0;
}

static int load_cluster(cube_kubeconfig *k, const entry *c, cube_err *err)
{
	if (get_str(c, "cluster", "server", &k->server, err) < 0)
		return -1;
	if (!k->server)
		return cube_err_set(err, CUBE_EINVAL, "kubeconfig %s: cluster \"%s\" has no server",
				    c->file->path, c->name);
	bool insecure;
	if (get_bool(c, "cluster", "insecure-skip-tls-verify", &insecure, err) < 0 ||
	    get_str(c, "cluster", "tls-server-name", &k->tls_server_name, err) < 0 ||
	    get_file_or_data(k, c, "cluster", "certificate-authority", false, &k->_ca, err) < 0)
		return -1;
	if (insecure && k->_ca)
		return entry_err(err, CUBE_EINVAL, c, "cluster",
				 "specifying a root certificates file with the insecure flag is "
				 "not allowed");
	k->tls.insecure = insecure;
	k->tls.ca_file = k->_ca;
	return 0;
}

static int load_user(cube_kubeconfig *k, const entry *u, cube_err *err)
{
	cube_autofree char *token_file = NULL;
	if (get_str(u, "user", "token", &k->token, err) < 0 ||
	    get_path(u, "user", "tokenFile", &token_file, err) < 0 ||
	    get_str(u, "user", "username", &k->username, err) < 0 ||
	    get_str(u, "user", "password", &k->password, err) < 0 ||
	    get_file_or_data(k, u, "user", "client-certificate", true, &k->_cert, err) < 0 ||
	    get_file_or_data(k, u, "user", "client-key", true, &k->_key, err) < 0)
		return -1;
	if (k->_cert && !k->_key)
		return entry_err(err, CUBE_EINVAL, u, "user",
				 "client-key or client-key-data is required with a client "
				 "certificate");
	if (k->_key && !k->_cert)
		return entry_err(err, CUBE_EINVAL, u, "user",
				 "client-certificate or client-certificate-data is required with "
				 "a client key");
	if (k->token && (k->username || k->password))
		return entry_err(err, CUBE_EINVAL, u, "user",
				 "more than one authentication method (token, basic auth)");
	if (!k->token && token_file) {
		cube_autofree char *text = NULL;
		size_t len;
		if (slurp(token_file, &text, &len) < 0)
			return entry_err(err, CUBE_EIO, u, "user", "tokenFile %s: %s", token_file,
					 strerror(errno));
		/* client-go trims the file's content */
		size_t b = 0;
		while (b < len && isspace((unsigned char)text[b]))
			b++;
		while (len > b && isspace((unsigned char)text[len - 1]))
			len--;
		if (len > b && !(k->token = strndup(text + b, len - b)))
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	k->tls.cert_file = k->_cert;
	k->tls.key_file = k->_key;
	return 0;
}

/* Fills k from the files in set. */
static int load(cube_kubeconfig *k, const kset *set, const char *context, cube_err *err)
{
	/* The context: asked for, else the first current-context. */
	const char *name = context && *context ? context : NULL;
	char buf[64];
	for (size_t i = 0; !name && i < set->n; i++) {
		const char *cc = scalar_text(
			cJSON_GetObjectItemCaseSensitive(set->files[i].doc, "current-context"),
			buf);
		if (cc && *cc)
			name = cc;
	}
	if (!name)
		return cube_err_set(err, CUBE_ENOTFOUND, "kubeconfig %s: no current-context",
				    set->names);
	entry ctx;
	if (!kset_find(set, "contexts", "context", name, &ctx))
		return cube_err_set(err, CUBE_ENOTFOUND, "kubeconfig %s: context \"%s\" not found",
				    set->names, name);
	if (!(k->context = strdup(name)))
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_autofree char *cluster_name = NULL, *user_name = NULL, *ns = NULL;
	if (get_str(&ctx, "context", "cluster", &cluster_name, err) < 0 ||
	    get_str(&ctx, "context", "user", &user_name, err) < 0 ||
	    get_str(&ctx, "context", "namespace", &ns, err) < 0)
		return -1;
	k->namespace = ns ? CUBE_STEAL(ns) : strdup("default");
	if (!k->namespace)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	if (!cluster_name)
		return entry_err(err, CUBE_EINVAL, &ctx, "context", "no cluster");
	entry cl;
	if (!kset_find(set, "clusters", "cluster", cluster_name, &cl))
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "kubeconfig %s: cluster \"%s\" not found (context \"%s\")",
				    ctx.file->path, cluster_name, name);
	if (load_cluster(k, &cl, err) < 0)
		return -1;
	/* A context without a user has no credentials (a plain-HTTP lab). */
	if (!user_name)
		return 0;
	entry u;
	if (!kset_find(set, "users", "user", user_name, &u))
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "kubeconfig %s: user \"%s\" not found (context \"%s\")",
				    ctx.file->path, user_name, name);
	return load_user(k, &u, err);
}

cube_kubeconfig *cube_kubeconfig_load(const char *path, const char *context, cube_err *err)
{
	kset set = {0};
	cube_kubeconfig *k = calloc(1, sizeof(*k));
	if (!k) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	if (kset_load(&set, path, err) < 0 || load(k, &set, context, err) < 0) {
		cube_kubeconfig_free(k);
		k = NULL;
	}
	kset_clear(&set);
	return k;
}

cube_kubeconfig *cube_kubeconfig_from_master(const char *url, cube_err *err)
{
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    !url[strncmp(url, "http://", 7) == 0 ? 7 : 8]) {
		cube_err_set(err, CUBE_EINVAL, "--master \"%s\": not an http:// or https:// URL",
			     url ? url : "");
		return NULL;
	}
	cube_kubeconfig *k = calloc(1, sizeof(*k));
	if (!k || !(k->server = strdup(url)) || !(k->namespace = strdup("default"))) {
		cube_kubeconfig_free(k);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	return k;
}

void cube_kubeconfig_free(cube_kubeconfig *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(k->_tmp); i++) {
		if (k->_tmp[i])
			unlink(k->_tmp[i]);
		free(k->_tmp[i]);
	}
	free(k->server);
	free(k->context);
	free(k->namespace);
	free(k->token);
	free(k->tls_server_name);
	free(k->username);
	free(k->password);
	free(k->_ca);
	free(k->_cert);
	free(k->_key);
	free(k);
}
