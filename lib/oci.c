/* oci.c - OCI/Docker manifests and indexes, and the image config merge
 * rules a container runtime applies. */
#include "oci.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static cJSON *parse_json(const char *body, size_t len, cube_err *err)
{
	cJSON *j = body ? cJSON_ParseWithLength(body, len) : NULL;
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		cube_err_set(err, CUBE_EINVAL, "manifest is not a JSON object");
		return NULL;
	}
	return j;
}

/* "application/foo+json; charset=utf-8" -> "application/foo+json" */
static bool mt_eq(const char *ct, const char *mt)
{
	size_t n = strlen(mt);
	return ct && !strncmp(ct, mt, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int cube_oci_kind_of(const char *body, size_t len, const char *content_type, cube_err *err)
{
	cube_autojson cJSON *j = parse_json(body, len, err);
	if (!j)
		return -1;
	const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "mediaType"));
	if (!mt || !*mt)
		mt = content_type;
	if (mt_eq(mt, CUBE_OCI_MT_INDEX) || mt_eq(mt, CUBE_DOCKER_MT_LIST))
		return CUBE_OCI_KIND_INDEX;
	if (mt_eq(mt, CUBE_OCI_MT_MANIFEST) || mt_eq(mt, CUBE_DOCKER_MT_MANIFEST))
		return CUBE_OCI_KIND_MANIFEST;
	if (!mt || !*mt || mt_eq(mt, "application/json") || mt_eq(mt, "text/plain") ||
	    mt_eq(mt, "application/octet-stream")) {
		/* No usable type (OCI makes mediaType optional): go by the shape. */
		if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "manifests")))
			return CUBE_OCI_KIND_INDEX;
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "config")))
			return CUBE_OCI_KIND_MANIFEST;
	}
	return cube_err_set(err, CUBE_EINVAL, "unsupported manifest media type \"%s\"",
			    mt ? mt : "");
}

static int parse_desc(const cJSON *o, const char *what, cube_oci_desc *d, cube_err *err)
{
	memset(d, 0, sizeof(*d));
	const char *dg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "digest"));
	const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "mediaType"));
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, "size");
	if (!cJSON_IsObject(o))
		return cube_err_set(err, CUBE_EINVAL, "%s: not an object", what);
	if (!cube_digest_valid(dg))
		return cube_err_set(err, CUBE_EINVAL, "%s: invalid digest \"%s\"", what,
				    dg ? dg : "");
	if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9.0e15)
		return cube_err_set(err, CUBE_EINVAL, "%s %s: invalid size", what, dg);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : "");
	d->size = (int64_t)sz->valuedouble;
	return 0;
}

static bool layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar",
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(ok); i++)
		if (!strcmp(mt, ok[i]))
			return true;
	return false;
}

int cube_oci_manifest_parse(const char *body, size_t len, cube_oci_manifest *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	cube_autojson cJSON *j = parse_json(body, len, err);
	if (!j)
		return -1;
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "schemaVersion");
	if (!cJSON_IsNumber(sv) || sv->valueint != 2)
		return cube_err_set(err, CUBE_EINVAL, "manifest: schemaVersion must be 2");
	if (parse_desc(cJSON_GetObjectItemCaseSensitive(j, "config"), "manifest config",
		       &out->config, err) < 0)
		return -1;
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(j, "layers");
	int n = cJSON_GetArraySize(layers);
	if (!cJSON_IsArray(layers) || n < 1)
		return cube_err_set(err, CUBE_EINVAL, "manifest: no layers");
	out->layers = calloc((size_t)n, sizeof(*out->layers));
	if (!out->layers)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const cJSON *l;
	cJSON_ArrayForEach (l, layers) {
		cube_oci_desc *d = &out->layers[out->n_layers];
		if (parse_desc(l, "manifest layer", d, err) < 0)
			goto fail;
		if (!layer_type_ok(d->media_type)) {
			cube_err_set(err, CUBE_EINVAL,
				     "manifest layer %s: unsupported media type \"%s\"", d->digest,
				     d->media_type);
			goto fail;
		}
		out->n_layers++;
	}
	return 0;
fail:
	cube_oci_manifest_clear(out);
	return -1;
}

void cube_oci_manifest_clear(cube_oci_manifest *m)
{
	if (!m)
		return;
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

int cube_oci_index_pick(const char *body, size_t len, const char *os, const char *arch,
			cube_oci_desc *out, cube_err *err)
{
	cube_autojson cJSON *j = parse_json(body, len, err);
	if (!j)
		return -1;
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(j, "manifests");
	if (!cJSON_IsArray(ms))
		return cube_err_set(err, CUBE_EINVAL, "index: no manifests array");
	const cJSON *m;
	cJSON_ArrayForEach (m, ms) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "platform");
		const char *mos = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "os"));
		const char *march =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "architecture"));
		if (!mos || !march || strcmp(mos, os) != 0 || strcmp(march, arch) != 0)
			continue;
		if (parse_desc(m, "index entry", out, err) < 0)
			return -1;
		if (strcmp(out->media_type, CUBE_OCI_MT_MANIFEST) != 0 &&
		    strcmp(out->media_type, CUBE_DOCKER_MT_MANIFEST) != 0)
			return cube_err_set(err, CUBE_EINVAL,
					    "index entry %s: unsupported media type \"%s\"",
					    out->digest, out->media_type);
		return 0;
	}
	return cube_err_set(err, CUBE_ENOTFOUND,
			    "no matching manifest for %s/%s in the manifest list entries", os,
			    arch);
}

void cube_oci_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

size_t cube_oci_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* Appends the strings of a JSON array (non-strings are skipped) to v. */
static int strv_add_json(char ***v, size_t *n, const cJSON *arr)
{
	const cJSON *s;
	cJSON_ArrayForEach (s, arr) {
		if (!cJSON_IsString(s))
			continue;
		char **nv = realloc(*v, (*n + 2) * sizeof(**v));
		if (!nv)
			return -1;
		*v = nv;
		if (!(nv[*n] = strdup(s->valuestring)))
			return -1;
		nv[++*n] = NULL;
	}
	return 0;
}

static bool nonempty(const cJSON *a)
{
	return cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0;
}

int cube_oci_container_argv(const cJSON *image_config, const cJSON *command, const cJSON *args,
			    char ***argv, cube_err *err)
{
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(image_config, "Entrypoint");
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(image_config, "Cmd");
	const cJSON *first = nonempty(command) ? command : ep;
	const cJSON *second = nonempty(command) || nonempty(args) ? args : cmd;
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	if (!v || strv_add_json(&v, &n, first) < 0 || strv_add_json(&v, &n, second) < 0) {
		cube_oci_strv_free(v);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	if (n == 0) {
		cube_oci_strv_free(v);
		return cube_err_set(err, CUBE_EINVAL, "no command specified");
	}
	*argv = v;
	return 0;
}

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **cube_oci_env_merge(const cJSON *image_config, char *const *overrides, cube_err *err)
{
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	if (!v || strv_add_json(&v, &n, cJSON_GetObjectItemCaseSensitive(image_config, "Env")) < 0)
		goto oom;
	for (size_t i = 0; overrides && overrides[i]; i++) {
		const char *kv = overrides[i];
		size_t nl = name_len(kv);
		char *dup = strdup(kv);
		if (!dup)
			goto oom;
		size_t k = 0;
		while (k < n && !(name_len(v[k]) == nl && !strncmp(v[k], kv, nl)))
			k++;
		if (k < n) {
			free(v[k]);
			v[k] = dup;
			continue;
		}
		char **nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv) {
			free(dup);
			goto oom;
		}
		v = nv;
		v[n++] = dup;
		v[n] = NULL;
	}
	return v;
oom:
	cube_oci_strv_free(v);
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return NULL;
}

const char *cube_oci_config_string(const cJSON *image_config, const char *field)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(image_config, field));
	return s ? s : "";
}
