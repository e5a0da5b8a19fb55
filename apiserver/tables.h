/* tables.h - server-side printing: the meta.k8s.io/v1 Table that kubectl get
 * asks for (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).
 *
 * These are pure functions over one resource row and one stored object; the
 * list, get and watch handlers wrap them into
 *   {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{...},
 *    "columnDefinitions":[...],"rows":[{"cells":[...],"object":{...}}]}.
 *
 * Columns and cells follow Kubernetes v1.32's printers
 * (pkg/printers/internalversion/printers.go) as the API server runs them:
 * with Wide set, so every row carries the -o wide cells too and the columns
 * with "priority": 1 are the ones kubectl hides without -o wide.  Cells are
 * JSON strings, or integers where Kubernetes puts an int64 in the cell (a
 * ReplicaSet's DESIRED, a ConfigMap's DATA, an Event's COUNT, ...); a cell's
 * JSON type can differ from its column's declared "type" exactly as it does
 * in Kubernetes (pod RESTARTS is the string "3 (2m ago)", cronjob SUSPEND the
 * string "False" under a "boolean" column).
 *
 * Printed resources: pods, nodes, services, endpoints, namespaces,
 * configmaps, secrets, serviceaccounts, events, deployments, replicasets,
 * daemonsets, statefulsets, jobs, cronjobs, leases, ingresses.  Any other
 * resource gets the API server's default table, Name and "Created At"
 * (type "date", cell the RFC 3339 UTC creationTimestamp).
 *
 * Kubernetes prints objects after API defaulting; cube stores what clients
 * send.  Where a printer reads a field that defaulting always fills, an absent
 * field reads as its v1 default: replicas 1 (deployments, replicasets,
 * statefulsets), Service type ClusterIP, port protocol TCP, Secret type
 * Opaque, Namespace phase Active, CronJob suspend false.
 *
 * Timestamps are RFC 3339 strings, with or without fractional seconds and
 * with Z or a numeric offset; an absent, null, unparsable or zero
 * (0001-01-01T00:00:00Z) time prints as "<unknown>", as a zero metav1.Time
 * does.  Ages are now - timestamp, truncated to whole seconds, formatted by
 * api_human_duration.
 */
#ifndef CUBE_APISERVER_TABLES_H
#define CUBE_APISERVER_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "resources.h"

/* The Table's columnDefinitions for a resource: a new JSON array of
 * {"name","type","format","description","priority"} objects (every key
 * present, format "" and priority 0 where Kubernetes leaves them unset), in
 * Kubernetes' order.  r == NULL gives the default Name / Created At table.
 * Returns NULL on ENOMEM. */
cJSON *api_table_columns(const api_resource *r);

/* One row's cells for `obj` (a stored object of resource r): a new JSON
 * array with one element per column of api_table_columns(r).  `now` is the
 * current time in seconds since the epoch, for the AGE-like cells.  obj may
 * lack any field (NULL reads as an empty object).  Returns NULL on ENOMEM. */
cJSON *api_table_cells(const api_resource *r, const cJSON *obj, time_t now);

/* Kubernetes' duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration)
 * for a whole number of seconds: "<invalid>" below -1, "0s" for -1, then
 * "45s" (to 119s), "3m10s" (to 9m59s), "70m" (to 179m), "3h1m" (to 7h59m),
 * "47h", "2d1h" (to 7d23h), "367d" (to 729d), "2y1d" (to 7y364d), "8y".
 * Writes a NUL-terminated string into buf (truncated to size - 1 bytes;
 * nothing is written if size is 0).  32 bytes always suffice. */
void api_human_duration(int64_t seconds, char *buf, size_t size);

#endif
