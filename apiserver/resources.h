/* resources.h - the table of every resource the API server serves.
 *
 * One row per resource drives everything generic: routing, storage keys
 * (/registry/<plural>/<namespace>/<name>), discovery documents, which field
 * selectors are accepted, which subresources exist, and how create, update
 * and delete treat the object.  Adding a resource is adding a row.
 */
#ifndef CUBE_APISERVER_RESOURCES_H
#define CUBE_APISERVER_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How metadata.name is validated. */
typedef enum {
	NAME_SUBDOMAIN,	 /* DNS-1123 subdomain: most objects */
	NAME_LABEL,	 /* DNS-1123 label: namespaces */
	NAME_LABEL_1035, /* DNS-1035 label (starts with a letter): services */
	NAME_PATH,	 /* any name that is a valid path segment: events, leases */
} api_name_rule;

typedef struct api_resource {
	const char *group; /* "" for the core group */
	const char *version;
	const char *plural;
	const char *singular;
	const char *kind;
	const char *list_kind;
	bool namespaced;
	const char *short_names[3];
	bool in_all;	 /* categories: ["all"] */
	bool status;	 /* has the status subresource (main-resource writes keep status) */
	bool scale;	 /* has the scale subresource */
	bool generation; /* metadata.generation counts spec changes */
	bool graceful;	 /* pods: deletion of a bound pod is graceful */
	api_name_rule name_rule;
	int64_t ttl_seconds;	   /* objects expire (events: 1 h) */
	const char *const *fields; /* field selector fields beyond metadata.name/namespace */
} api_resource;

/* All rows, and how many. */
extern const api_resource api_resources[];
extern const size_t api_resources_len;

/* The row for group/version/plural, or NULL. */
const api_resource *api_resource_find(const char *group, const char *version, const char *plural);

/* The row for a kind in a group, or NULL. */
const api_resource *api_resource_by_kind(const char *group, const char *kind);

/* True if `field` may be used in a field selector on this resource. */
bool api_resource_field_ok(const api_resource *r, const char *field);

/* "v1" or "apps/v1". */
const char *api_resource_gv(const api_resource *r, char *buf, size_t size);

/* "pods" or "deployments.apps": how Kubernetes names a resource in messages. */
const char *api_resource_qualified(const api_resource *r, char *buf, size_t size);

#endif
