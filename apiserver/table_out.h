/* table_out.h - answering with meta.k8s.io Tables when a client asks for one.
 *
 * `kubectl get` sends Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...
 * and prints the Table's columns; these helpers turn objects into Table rows
 * (cells from tables.c, plus the object as PartialObjectMetadata, the whole
 * object, or nothing, per ?includeObject=) and wrap rows into the document a
 * GET, a LIST or one WATCH event returns.
 */
#ifndef CUBE_APISERVER_TABLE_OUT_H
#define CUBE_APISERVER_TABLE_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "httpd.h"
#include "resources.h"

typedef enum { TABLE_INCLUDE_METADATA, TABLE_INCLUDE_OBJECT, TABLE_INCLUDE_NONE } table_include;

/* "v1" or "v1beta1" when the Accept header asks for a Table, else NULL. */
const char *api_table_wanted(cube_httpd_req *h);

/* ?includeObject=Metadata (default) | Object | None. */
table_include api_table_include(cube_httpd_req *h);

/* The Content-Type of a Table answer of that version. */
const char *api_table_content_type(const char *version);

/* One row: {"cells":[...],"object":...}. New tree, NULL on ENOMEM. */
cJSON *api_table_row(const api_resource *r, const cJSON *obj, time_t now, table_include inc);

/* A Table document around `rows` (taken): kind, apiVersion
 * meta.k8s.io/<version>, metadata {resourceVersion, continue,
 * remainingItemCount}, columnDefinitions (or null when !columns, as watch
 * events after the first carry), rows. Returns malloc'd text or NULL. */
char *api_table_text(const api_resource *r, const char *version, int64_t rv, const char *cont,
		     int64_t remaining, cJSON *rows, bool columns);

#endif
