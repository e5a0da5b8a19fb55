/* table_out.c - Table negotiation, rows and documents (see table_out.h). */
#include "table_out.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "obj.h"
#include "tables.h"

const char *api_table_wanted(cube_httpd_req *h)
{
	const char *accept = cube_httpd_header(h, "Accept");
	if (!accept || !strstr(accept, "as=Table"))
		return NULL;
	/* The first acceptable entry wins, as content negotiation goes. */
	const char *p = accept;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char e[256];
		snprintf(e, sizeof(e), "%.*s", (int)(n < 255 ? n : 255), p);
		if (strstr(e, "as=Table") && strstr(e, "g=meta.k8s.io")) {
			if (strstr(e, "v=v1beta1"))
				return "v1beta1";
			if (strstr(e, "v=v1"))
				return "v1";
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

table_include api_table_include(cube_httpd_req *h)
{
	const char *v = cube_httpd_query(h, "includeObject");
	if (v && !strcasecmp(v, "Object"))
		return TABLE_INCLUDE_OBJECT;
	if (v && !strcasecmp(v, "None"))
		return TABLE_INCLUDE_NONE;
	return TABLE_INCLUDE_METADATA;
}

const char *api_table_content_type(const char *version)
{
	return version && !strcmp(version, "v1beta1")
		       ? "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
		       : "application/json;as=Table;v=v1;g=meta.k8s.io";
}

cJSON *api_table_row(const api_resource *r, const cJSON *obj, time_t now, table_include inc)
{
	cJSON *row = cJSON_CreateObject();
	cJSON *cells = api_table_cells(r, obj, now);
	if (!row || !cells) {
		cJSON_Delete(row);
		cJSON_Delete(cells);
		return NULL;
	}
	cJSON_AddItemToObject(row, "cells", cells);
	if (inc == TABLE_INCLUDE_OBJECT) {
		cJSON_AddItemToObject(row, "object", cube_obj_copy(obj));
	} else if (inc == TABLE_INCLUDE_METADATA) {
		cJSON *po = cJSON_AddObjectToObject(row, "object");
		cJSON_AddStringToObject(po, "kind", "PartialObjectMetadata");
		cJSON_AddStringToObject(po, "apiVersion", "meta.k8s.io/v1");
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
		cJSON_AddItemToObject(po, "metadata",
				      md ? cJSON_Duplicate(md, true) : cJSON_CreateObject());
	}
	return row;
}

char *api_table_text(const api_resource *r, const char *version, int64_t rv, const char *cont,
		     int64_t remaining, cJSON *rows, bool columns)
{
	cJSON *t = cJSON_CreateObject();
	if (!t) {
		cJSON_Delete(rows);
		return NULL;
	}
	char av[32], rvs[24];
	snprintf(av, sizeof(av), "meta.k8s.io/%s", version ? version : "v1");
	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", av);
	cJSON *md = cJSON_AddObjectToObject(t, "metadata");
	snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
	cJSON_AddStringToObject(md, "resourceVersion", rvs);
	if (cont && cont[0]) {
		cJSON_AddStringToObject(md, "continue", cont);
		if (remaining > 0)
			cJSON_AddNumberToObject(md, "remainingItemCount", (double)remaining);
	}
	if (columns)
		cJSON_AddItemToObject(t, "columnDefinitions", api_table_columns(r));
	else
		cJSON_AddNullToObject(t, "columnDefinitions");
	cJSON_AddItemToObject(t, "rows", rows ? rows : cJSON_CreateArray());
	char *text = cJSON_PrintUnformatted(t);
	cJSON_Delete(t);
	return text;
}
